//! Fuzz target `crl`: see `tlsinspect::fuzz::crl`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tlsinspect::fuzz::crl(data));
