//! Arbitrary bytes through every reading entry point and many typed targets:
//! no panic, the entry points agree, and what decodes fits the header.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| serde_npy_fuzz::check_value(data));
