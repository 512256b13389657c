#![no_main]

// The archive readers run under catch_unwind (a bug in the zip or cab crate costs one
// archive, not the run). Drop libFuzzer's abort-on-any-panic hook so that only panics that
// escape that guard count as crashes.
libfuzzer_sys::fuzz_target!(
    init: {
        drop(std::panic::take_hook());
    },
    |data: &[u8]| wutriage::fuzzing::cab(data)
);
