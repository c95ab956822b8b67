//! Fuzz target `http_head`: see `tlsinspect::fuzz::http_head`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tlsinspect::fuzz::http_head(data));
