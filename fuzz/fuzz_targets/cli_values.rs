//! Fuzz target `cli_values`: see `tlsinspect::fuzz::cli_values`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tlsinspect::fuzz::cli_values(data));
