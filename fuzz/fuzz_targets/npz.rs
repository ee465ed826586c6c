//! Arbitrary bytes as an `.npz` archive: no panic, `Archive` and `Reader`
//! agree member by member, and borrows stay inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| serde_npy_fuzz::check_npz(data));
