//! Header parsing on arbitrary bytes: no panic; `from_slice` and `from_reader`
//! agree; a parsed header re-renders to one that parses the same.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| serde_npy_fuzz::check_header(data));
