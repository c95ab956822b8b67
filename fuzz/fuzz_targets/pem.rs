//! Fuzz target `pem`: see `tlsinspect::fuzz::pem`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tlsinspect::fuzz::pem(data));
