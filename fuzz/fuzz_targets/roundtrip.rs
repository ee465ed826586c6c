//! decode → encode → decode gives the same value (exact types and bits, under
//! the crate's write rules), and writing what was read back is a fixpoint.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| serde_npy_fuzz::check_roundtrip(data));
