#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wutriage::fuzzing::fragment(data));
