//! Fuzz target `client_hello`: see `tlsinspect::fuzz::client_hello`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tlsinspect::fuzz::client_hello(data));
