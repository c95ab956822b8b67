//! Fuzz target `trace`: see `tlsinspect::fuzz::trace`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tlsinspect::fuzz::trace(data));
