//! Fuzz target `certificate`: see `tlsinspect::fuzz::certificate`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tlsinspect::fuzz::certificate(data));
