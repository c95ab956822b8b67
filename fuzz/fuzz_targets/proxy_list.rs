//! Fuzz target `proxy_list`: see `tlsinspect::fuzz::proxy_list`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tlsinspect::fuzz::proxy_list(data));
