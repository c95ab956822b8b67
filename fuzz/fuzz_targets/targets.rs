//! Fuzz target `targets`: see `tlsinspect::fuzz::targets`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tlsinspect::fuzz::targets(data));
