//! Fuzz target `ocsp`: see `tlsinspect::fuzz::ocsp`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tlsinspect::fuzz::ocsp(data));
