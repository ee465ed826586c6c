//! Inputs found by fuzzing (`fuzz/`, see `fuzz/README.md`), kept as
//! regression tests.
//!
//! Every file in `tests/fixtures/fuzz/` is replayed through all reading entry
//! points (no panic; what decodes fits its header; slice and reader agree),
//! and each bug that was fixed has its own test below naming the fix.

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use serde_json::Value;
use serde_npy::{
    from_reader, from_slice, ArrayView, ByteOrder, Dtype, Header, ReadOptions, Record,
};

/// A `.npy` file around `text`, laid out as `np.save` does (format 2.0 when
/// the header does not fit format 1.0's 16-bit length).
fn npy(text: &str, data: &[u8]) -> Vec<u8> {
    let body = text.as_bytes();
    let fits_v1 = 10 + body.len() + 1 + 64 <= usize::from(u16::MAX);
    let width = if fits_v1 { 2 } else { 4 };
    let unpadded = 8 + width + body.len() + 1;
    let total = unpadded + (64 - unpadded % 64);
    let header_len = total - 8 - width;
    let mut out = b"\x93NUMPY".to_vec();
    if fits_v1 {
        out.extend([1, 0]);
        out.extend((header_len as u16).to_le_bytes());
    } else {
        out.extend([2, 0]);
        out.extend((header_len as u32).to_le_bytes());
    }
    out.extend_from_slice(body);
    out.resize(total - 1, b' ');
    out.push(b'\n');
    out.extend_from_slice(data);
    out
}

/// Runs `input` through every reading entry point: no panic, and whatever
/// decodes is consistent with the header.
fn replay(input: &[u8]) {
    let header = Header::from_slice(input).ok();
    let fits = |what: &str| {
        let h = header
            .as_ref()
            .unwrap_or_else(|| panic!("{what} decoded, but the header does not parse"));
        let len = h.data_len().expect("data length of a decoded file");
        assert!(
            h.data_offset + len <= input.len(),
            "{what} decoded past the input"
        );
    };
    assert_eq!(
        header.as_ref(),
        Header::from_reader(input).ok().as_ref(),
        "Header::from_slice vs Header::from_reader"
    );
    let sliced = from_slice::<Value>(input).ok();
    let streamed = from_reader::<_, Value>(Cursor::new(input)).ok();
    assert_eq!(sliced, streamed, "from_slice vs from_reader");
    if sliced.is_some() {
        fits("Value");
    }
    if let Ok(v) = from_slice::<ArrayView<f64>>(input) {
        fits("ArrayView<f64>");
        let h = header.as_ref().expect("header of a decoded view");
        assert_eq!(v.shape(), &h.shape[..]);
    }
    if let Ok(de) = serde_npy::Deserializer::from_slice(input) {
        fits("Deserializer");
        assert_eq!(Ok(de.data().len()), de.header().data_len().map_err(drop));
    }
    let _ = from_slice::<Vec<f64>>(input);
    let _ = from_slice::<Vec<String>>(input);
    let _ = from_slice::<Vec<(i32, f64)>>(input);
}

fn fuzz_fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "npy"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn replay_saved_fuzz_inputs() {
    let inputs = fuzz_fixtures();
    assert!(!inputs.is_empty(), "tests/fixtures/fuzz/ is empty");
    let mut failed = Vec::new();
    for (name, bytes) in &inputs {
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| replay(bytes))) {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failed.push(format!("{name}: {msg}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

// ---------------------------------------------------------------------------
// Quadratic duplicate-field check (src/dtype.rs, `parse_record` and
// `Record::new`).
//
// Found as a throughput collapse of the `header` target on inputs derived
// from `v2_many_fields.npy` (5000 fields: ~35 ms per parse, 73% of it in
// `memcmp`). Each field's name was compared with every earlier field's, so a
// 1 MiB header (within the default `max_header_len`) of ~79,000 fields took
// 18 s to parse in a release build. Fixed with a set of the names seen.

/// A record descr of `n` fields named by their index in hex, with the
/// one-letter type code `i`: ~13 header bytes per field.
fn many_fields(n: usize) -> String {
    let fields: Vec<String> = (0..n).map(|i| format!("('{i:x}','i')")).collect();
    format!("[{}]", fields.join(","))
}

/// Found by the `header` fuzz target: duplicate-name checks compared each
/// field with every earlier one, so this 79,000-field header (inside the
/// default limit) took 18 s to parse. Speed is the benchmark's business, not
/// a test's: this only checks the header parses, and keeps the input around.
#[test]
fn many_fields_parse() {
    let file = |n: usize| {
        npy(
            &format!(
                "{{'descr':{},'fortran_order':False,'shape':(0,)}}",
                many_fields(n)
            ),
            &[],
        )
    };
    let (small, large) = (file(9_875), file(79_000));
    // The large one is just under the default 1 MiB header limit.
    assert!(
        large.len() < ReadOptions::DEFAULT_MAX_HEADER_LEN,
        "{}",
        large.len()
    );
    let h = Header::from_slice(&large).expect("79,000 fields");
    let Dtype::Record(r) = &h.dtype else {
        panic!("not a record: {}", h.dtype)
    };
    assert_eq!(r.fields().len(), 79_000);
    assert_eq!(r.fields()[78_999].name, "13497");
    let h = Header::from_slice(&small).expect("9,875 fields");
    assert_eq!(h.dtype.itemsize(), 9_875 * 4);
}

#[test]
fn record_with_many_fields() {
    let fields = |n: usize| -> Vec<(String, Dtype, Vec<usize>)> {
        (0..n)
            .map(|i| (format!("field{i}"), Dtype::I32(ByteOrder::Little), vec![]))
            .collect()
    };
    let r = Record::packed(fields(80_000)).unwrap();
    assert_eq!(r.fields().len(), 80_000);
    assert_eq!(r.itemsize(), 320_000);
}

#[test]
fn duplicate_field_names_are_still_refused() {
    // Through the header parser: first, middle and last position.
    for dup in ["'0'", "'9c3'", "'1387'"] {
        let descr = many_fields(5000);
        let descr = format!("{}, ({dup}, '<i4')]", &descr[..descr.len() - 1]);
        let bytes = npy(
            &format!("{{'descr':{descr},'fortran_order':False,'shape':()}}"),
            &[],
        );
        let err = Header::from_slice(&bytes).unwrap_err();
        assert!(err.to_string().contains("used twice"), "{dup}: {err}");
    }
    let bytes = npy(
        "{'descr': [('a', '<i4'), ('b', '<i4'), ('a', '<f8')], 'fortran_order': False, 'shape': ()}",
        &[0; 16],
    );
    let err = from_slice::<Value>(&bytes).unwrap_err();
    assert!(err.to_string().contains("used twice"), "{err}");
    // Unnamed void fields are padding, not duplicates; other unnamed ones are.
    let bytes = npy(
        "{'descr': [('', '|V1'), ('a', '|u1'), ('', '|V2')], 'fortran_order': False, 'shape': ()}",
        &[0; 4],
    );
    assert_eq!(Header::from_slice(&bytes).unwrap().dtype.itemsize(), 4);
    let bytes = npy(
        "{'descr': [('', '<i4'), ('', '<i4')], 'fortran_order': False, 'shape': ()}",
        &[0; 8],
    );
    assert!(Header::from_slice(&bytes).is_err());

    // Through Record.
    let i4 = Dtype::I32(ByteOrder::Little);
    let err = Record::packed(vec![
        ("a".into(), i4.clone(), vec![]),
        ("b".into(), i4.clone(), vec![]),
        ("a".into(), i4, vec![]),
    ])
    .unwrap_err();
    assert!(err.to_string().contains("used twice"), "{err}");
}

// ---------------------------------------------------------------------------
// Found by `tests/mutation.rs` (token splices into `dtype_bytes_s0.npy`) on
// commit 4db4032^; both were fixed concurrently in e6cfd4f ("reader limits").
// The inputs are in tests/fixtures/fuzz/ and replayed above too.

fn fuzz_input(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `|S0` items over shape `(3, 2**62)`: no data, yet decoding into nested
/// sequences visited every element until memory ran out (147-byte input).
#[test]
fn zero_size_items_over_a_huge_axis_are_refused() {
    let bytes = fuzz_input("mutation_s0_shape_3x2pow62_zero_size.npy");
    let h = Header::from_slice(&bytes).unwrap();
    assert_eq!(h.shape, [3, 1 << 62]);
    assert_eq!(h.data_len().unwrap(), 0);
    assert!(from_slice::<Value>(&bytes).is_err());
    assert!(from_reader::<_, Value>(Cursor::new(&bytes)).is_err());
    assert!(from_slice::<Vec<Vec<serde_bytes::ByteBuf>>>(&bytes).is_err());
    // Bounded by work, not by a clock: a visitor that gives up after a
    // thousand elements would see its own error if the reader handed out
    // the axis element by element, as it did.
    let err = from_slice::<CappedRows>(&bytes).unwrap_err();
    assert!(!err.to_string().contains("visited"), "{err}");
}

/// Nested sequences of any elements, refusing once more than a thousand
/// elements (at any depth) were handed out.
#[derive(Debug)]
struct CappedRows;

/// Counts the elements handed out below it, shared across depths.
struct Capped<'c>(&'c std::cell::Cell<usize>);

impl<'de> serde::de::DeserializeSeed<'de> for Capped<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Capped<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("nested sequences")
    }
    fn visit_bytes<E: serde::de::Error>(self, _: &[u8]) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        while items.next_element_seed(Capped(self.0))?.is_some() {
            self.0.set(self.0.get() + 1);
            if self.0.get() > 1000 {
                return Err(serde::de::Error::custom("visited 1000 elements"));
            }
        }
        Ok(())
    }
}

impl<'de> serde::Deserialize<'de> for CappedRows {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let seen = std::cell::Cell::new(0);
        serde::de::DeserializeSeed::deserialize(Capped(&seen), d)?;
        Ok(CappedRows)
    }
}

/// `|S04611686018427387904` (an item of 2**62 bytes), shape `(3,)`, no data:
/// `from_reader` sized its read buffer by the item and aborted allocating
/// 2**62 bytes; `from_slice` already said the data was missing. NumPy
/// refuses item sizes beyond a C int, and so does the header parser now
/// (issue #16, class 13), before any buffer is sized.
#[test]
fn a_huge_item_size_does_not_size_the_reader_buffer() {
    let bytes = fuzz_input("mutation_s_item_2pow62_from_reader_alloc.npy");
    let err = Header::from_slice(&bytes).unwrap_err();
    assert!(
        matches!(err.kind(), serde_npy::ErrorKind::UnsupportedDtype { .. }),
        "{err:?}"
    );
    let err = from_reader::<_, Value>(Cursor::new(&bytes)).unwrap_err();
    assert!(
        matches!(err.kind(), serde_npy::ErrorKind::UnsupportedDtype { .. }),
        "{err:?}"
    );
    assert!(from_slice::<Value>(&bytes).is_err());
    assert!(from_reader::<_, Vec<serde_bytes::ByteBuf>>(Cursor::new(&bytes)).is_err());
}

// ---------------------------------------------------------------------------
// Archives (`serde_npy::npz`)

/// Replays every saved archive input (`tests/fixtures/fuzz/*.npz`) through
/// every archive reader: no panic, errors only.
#[cfg(feature = "npz")]
fn replay_npz(input: &[u8]) {
    use serde_npy::npz;
    use std::collections::BTreeMap;
    if let Ok(a) = npz::Archive::new(input) {
        let names: Vec<String> = a.names().map(String::from).collect();
        for name in &names {
            let _ = a.bytes(name);
            let _ = a.get::<Value>(name);
        }
    }
    if let Ok(mut r) = npz::Reader::new(Cursor::new(input)) {
        let names: Vec<String> = r.names().map(String::from).collect();
        for name in &names {
            let _ = r.bytes(name);
        }
    }
    let sliced = npz::from_slice::<BTreeMap<String, Value>>(input).ok();
    let streamed = npz::from_reader::<_, BTreeMap<String, Value>>(Cursor::new(input)).ok();
    assert_eq!(sliced, streamed, "npz::from_slice vs npz::from_reader");
}

#[cfg(feature = "npz")]
#[test]
fn replay_saved_npz_inputs() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let mut n = 0;
    for p in std::fs::read_dir(&dir).unwrap() {
        let p = p.unwrap().path();
        if p.extension().is_some_and(|x| x == "npz") {
            let bytes = std::fs::read(&p).unwrap();
            catch_unwind(AssertUnwindSafe(|| replay_npz(&bytes)))
                .unwrap_or_else(|_| panic!("{} panicked", p.display()));
            n += 1;
        }
    }
    assert!(n > 0, "no saved .npz inputs");
}

/// An input of 4 to 21 bytes starting with the end record's signature
/// (`PK\x05\x06`, the empty archive's first bytes) cut short: the search for
/// the end record read its comment length past the input and panicked
/// (index out of bounds in `Directory::read`). Found by the npz mutation
/// test (truncations of `empty.npz`); now a `Zip` error naming the missing
/// end record.
#[cfg(feature = "npz")]
#[test]
fn an_end_record_cut_short_is_an_error() {
    let empty = fuzz_input("mutation_npz_end_record_cut_short.npz");
    for len in 4..22 {
        let mut bytes = empty.clone();
        bytes.resize(len, 0);
        let err = serde_npy::npz::Archive::new(&bytes).expect_err("an error");
        assert!(
            matches!(err.kind(), serde_npy::ErrorKind::Zip { .. }),
            "{len} bytes: {err}"
        );
        assert!(serde_npy::npz::Reader::new(Cursor::new(&bytes)).is_err());
    }
    let whole = [b"PK\x05\x06".as_slice(), &[0; 18]].concat();
    assert_eq!(serde_npy::npz::Archive::new(&whole).unwrap().len(), 0);
}
