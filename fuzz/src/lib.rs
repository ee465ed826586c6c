//! The properties the fuzz targets check, as plain functions: every target in
//! `fuzz_targets/` is one line calling into here, and `examples/replay.rs`
//! runs the same checks on saved inputs without libFuzzer.
//!
//! * [`check_header`]: `Header::from_slice` and `Header::from_reader` agree; a
//!   parsed header re-renders (as `np.save` would write it) to a header that
//!   parses to the same dtype, shape and order, and rendering is a fixpoint.
//! * [`check_value`]: arbitrary bytes through every reading entry point
//!   (slice, reader, `Deserializer`, the `with` helper) and a range of typed
//!   targets: no panic, the entry points agree with one another, and whatever
//!   decodes is consistent with the header.
//! * [`check_roundtrip`]: decode → encode → decode gives the same value, under
//!   this crate's documented conversions (see [`equivalent`]), and writing what
//!   was read back is a byte-exact fixpoint.
//! * [`check_npz`]: arbitrary bytes as an `.npz` archive through `Archive`
//!   (in memory) and `Reader` (streaming), member by member and whole: no
//!   panic, the two agree, `.npy` members decode as their bytes do alone, and
//!   borrows lie inside the input.

use std::fmt;

use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, Visitor};
use serde::ser::{Serialize, SerializeSeq, SerializeTuple, Serializer};
use serde_bytes::ByteBuf;
use serde_npy::half::f16;
use serde_npy::{
    from_reader, from_slice, to_vec, ArrayView, Complex, Dtype, Element, Header, ReadOptions,
};

/// No header-size limit: re-rendered headers may be longer than the input's
/// (compact spellings such as `'f'` come back as `'<f4'`). Only used on
/// slices, where the length is already bounded by the input.
fn relaxed() -> ReadOptions {
    ReadOptions::new().max_header_len(usize::MAX)
}

// ---------------------------------------------------------------------------
// Header

/// Header parsing on arbitrary bytes.
pub fn check_header(data: &[u8]) {
    let sliced = Header::from_slice(data);
    let read = Header::from_reader(data);
    match (&sliced, &read) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "from_slice and from_reader parse differently"),
        (Err(_), Err(_)) => {}
        _ => panic!("from_slice and from_reader disagree: {sliced:?} vs {read:?}"),
    }
    let Ok(h) = sliced else { return };
    let width = if h.version == serde_npy::Version::V1_0 {
        2
    } else {
        4
    };
    assert!(h.data_offset >= 8 + width && h.data_offset <= data.len());
    let _ = h.data_len();

    // The descr and typestr we print parse back to the same dtype.
    let descr = h.dtype.descr();
    assert_eq!(
        Dtype::from_descr(&descr).ok().as_ref(),
        Some(&h.dtype),
        "descr {descr} does not parse back"
    );
    if let Some(ts) = h.dtype.typestr() {
        assert_eq!(
            ts.parse::<Dtype>().ok().as_ref(),
            Some(&h.dtype),
            "typestr {ts}"
        );
    }

    // What we would write for it parses to the same header.
    let fresh = Header::new(h.dtype.clone(), h.shape.clone(), h.fortran_order);
    let written = fresh.to_bytes();
    assert_eq!(written.len(), fresh.data_offset);
    assert_eq!(written.len() % 64, 0, "preamble not 64-byte aligned");
    let again = Header::from_slice_with(&written, &relaxed())
        .unwrap_or_else(|e| panic!("a header we wrote does not parse: {e}\n{written:?}"));
    assert_eq!(again, fresh, "written header parses differently");
    assert_eq!(
        Header::new(
            again.dtype.clone(),
            again.shape.clone(),
            again.fortran_order
        )
        .to_bytes(),
        written,
        "rendering is not a fixpoint"
    );
}

// ---------------------------------------------------------------------------
// Decoding

/// A `shape` + `data` struct, as the crate documents it.
#[derive(serde::Deserialize)]
struct Shaped<T> {
    shape: Vec<usize>,
    data: Vec<T>,
}

/// The same with `fortran_order`: data in file order.
#[derive(serde::Deserialize)]
struct ShapedF<T> {
    shape: Vec<usize>,
    fortran_order: bool,
    data: Vec<T>,
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Point {
    x: f32,
    y: f64,
    id: u32,
}

/// Arbitrary bytes through every reading entry point.
pub fn check_value(data: &[u8]) {
    let header = Header::from_slice(data).ok();
    let value = from_slice::<serde_json::Value>(data);
    let streamed = from_reader::<_, serde_json::Value>(data);
    assert_eq!(
        value.as_ref().ok(),
        streamed.as_ref().ok(),
        "from_slice vs from_reader: {value:?} vs {streamed:?}"
    );
    let blob: Result<serde_json::Value, de::value::Error> =
        serde_npy::deserialize(de::value::BorrowedBytesDeserializer::new(data));
    assert_eq!(
        value.as_ref().ok(),
        blob.as_ref().ok(),
        "from_slice vs the with-helper: {value:?} vs {blob:?}"
    );
    let de = serde_npy::Deserializer::from_slice(data);
    let (Some(header), Ok(de)) = (header, de) else {
        // Without a header and all of its data nothing decodes (most inputs
        // end here, so the typed targets below are skipped for speed).
        assert!(
            value.is_err(),
            "Value decoded without a header and its data"
        );
        assert!(from_slice::<Vec<f64>>(data).is_err());
        assert!(from_slice::<ArrayView<u8>>(data).is_err());
        return;
    };
    let h = de.header();
    assert_eq!(h, &header);
    assert_eq!(Ok(de.data().len()), h.data_len().map_err(drop));
    assert_eq!(
        h.data_offset + de.data().len() + de.rest().len(),
        data.len()
    );
    let (_, rest) = serde_npy::take_from_slice::<serde::de::IgnoredAny>(data)
        .expect("IgnoredAny reads any file whose header and data are there");
    assert_eq!(rest, de.rest());

    // A sequence reads the first axis, or the parts of a 0-d complex,
    // record or byte string.
    let axis0 = |h: &Header, n: usize| h.shape.first().is_none_or(|&d| d == n);
    typed_both::<Vec<f64>>(data, "Vec<f64>", |h, v| axis0(h, v.len()));
    typed::<Vec<Vec<f32>>>(data, "Vec<Vec<f32>>", |h, v| axis0(h, v.len()));
    typed_both::<Vec<String>>(data, "Vec<String>", |h, v| axis0(h, v.len()));
    typed::<Vec<ByteBuf>>(data, "Vec<ByteBuf>", |h, v| axis0(h, v.len()));
    typed::<Vec<(i32, f64)>>(data, "Vec<(i32, f64)>", |h, v| axis0(h, v.len()));
    typed::<Vec<Point>>(data, "Vec<Point>", |h, v| axis0(h, v.len()));
    typed::<Vec<Complex<f64>>>(data, "Vec<Complex<f64>>", |h, v| axis0(h, v.len()));
    typed::<Vec<[u8; 4]>>(data, "Vec<[u8; 4]>", |h, v| axis0(h, v.len()));
    typed_both::<Shaped<i64>>(data, "Shaped<i64>", |h, v| {
        v.shape == h.shape && Some(v.data.len()) == h.element_count().ok()
    });
    typed_both::<ShapedF<f32>>(data, "ShapedF<f32>", |h, v| {
        v.shape == h.shape
            && v.fortran_order == h.fortran_order
            && Some(v.data.len()) == h.element_count().ok()
    });
    typed::<String>(data, "String", |h, _| h.shape.is_empty());
    typed::<f64>(data, "f64", |h, _| h.shape.is_empty());
    typed::<bool>(data, "bool", |h, _| h.shape.is_empty());
    typed::<f16>(data, "f16", |h, _| h.shape.is_empty());
    typed::<Option<u64>>(data, "Option<u64>", |h, _| h.shape.is_empty());

    // Borrowed targets lend from the data section of the input itself.
    if let Ok(s) = from_slice::<&str>(data) {
        assert!(inside(s.as_bytes(), de.data()));
    }
    if let Ok(b) = from_slice::<&[u8]>(data) {
        assert!(inside(b, de.data()));
    }
    view::<u16>(data);
    view::<f64>(data);
    view::<f16>(data);
    view::<i8>(data);

    // The zero-copy view and the serde path read the same numbers.
    same_numbers::<f32>(data);
    same_numbers::<i64>(data);
    same_numbers::<u8>(data);
}

/// Whenever `ArrayView<T>` reads a file, the serde path reads it as the same
/// shape, order and bits (`ShapedF` keeps file order, as the view does).
fn same_numbers<T: Bits + for<'de> Deserialize<'de> + DeserializeOwned>(data: &[u8]) {
    let Ok(v) = from_slice::<ArrayView<T>>(data) else {
        return;
    };
    let s: ShapedF<T> = from_slice(data)
        .unwrap_or_else(|e| panic!("ArrayView reads it, the serde path does not: {e}"));
    assert_eq!(s.shape, v.shape());
    assert_eq!(s.fortran_order, v.fortran_order());
    let bits = |d: &[T]| d.iter().map(|x| x.bits()).collect::<Vec<_>>();
    assert_eq!(
        bits(&s.data),
        bits(v.data()),
        "ArrayView and serde read different numbers"
    );
}

/// Whether `part` lies within `whole`'s memory.
fn inside(part: &[u8], whole: &[u8]) -> bool {
    let (p, w) = (part.as_ptr() as usize, whole.as_ptr() as usize);
    p >= w && p + part.len() <= w + whole.len()
}

fn typed<T: DeserializeOwned>(data: &[u8], what: &str, consistent: impl Fn(&Header, &T) -> bool) {
    if let Ok(v) = from_slice::<T>(data) {
        // Invariant: the value decoded, so the header parses.
        let h = Header::from_slice(data).expect("header of a decoded file");
        assert!(
            consistent(&h, &v),
            "{what} decoded inconsistently with {h:?}"
        );
    }
}

/// [`typed`], and `from_reader` agrees with `from_slice`.
fn typed_both<T: DeserializeOwned>(
    data: &[u8],
    what: &str,
    consistent: impl Fn(&Header, &T) -> bool,
) {
    let streamed = from_reader::<_, T>(data).is_ok();
    assert_eq!(
        from_slice::<T>(data).is_ok(),
        streamed,
        "{what}: from_slice vs from_reader"
    );
    typed(data, what, consistent);
}

fn view<T: Element + for<'de> Deserialize<'de>>(data: &[u8]) {
    let Ok(v) = from_slice::<ArrayView<T>>(data) else {
        return;
    };
    let h = Header::from_slice(data).expect("header of a decoded view");
    assert_eq!(v.shape(), &h.shape[..]);
    assert_eq!(v.fortran_order(), h.fortran_order);
    assert_eq!(Ok(v.len()), h.element_count().map_err(drop));
    if v.is_borrowed() {
        let bytes = v.data().as_ptr() as usize;
        let start = data.as_ptr() as usize + h.data_offset;
        assert_eq!(bytes, start, "borrowed view does not start at the data");
        assert!(h.data_offset + std::mem::size_of_val(v.data()) <= data.len());
    }
}

// ---------------------------------------------------------------------------
// Round trip

/// A self-describing value that keeps what `serde_json::Value` loses: the
/// exact scalar type, float bits (NaN payloads, -0.0), and field order.
#[derive(Clone, Debug, PartialEq)]
pub enum Dyn {
    Bool(bool),
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    /// Bits of an `f32`.
    F32(u32),
    /// Bits of an `f64`.
    F64(u64),
    Str(String),
    Bytes(Vec<u8>),
    Seq(Vec<Dyn>),
    /// A record: fields in order.
    Map(Vec<(String, Dyn)>),
}

impl<'de> Deserialize<'de> for Dyn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Dyn, D::Error> {
        d.deserialize_any(DynVisitor)
    }
}

struct DynVisitor;

macro_rules! visit {
    ($($m:ident: $t:ty => $e:expr;)*) => {$(
        fn $m<E: de::Error>(self, v: $t) -> Result<Dyn, E> {
            #[allow(clippy::redundant_closure_call)]
            Ok(($e)(v))
        }
    )*};
}

impl<'de> Visitor<'de> for DynVisitor {
    type Value = Dyn;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any .npy value")
    }

    visit! {
        visit_bool: bool => Dyn::Bool;
        visit_i8: i8 => Dyn::I8;
        visit_i16: i16 => Dyn::I16;
        visit_i32: i32 => Dyn::I32;
        visit_i64: i64 => Dyn::I64;
        visit_u8: u8 => Dyn::U8;
        visit_u16: u16 => Dyn::U16;
        visit_u32: u32 => Dyn::U32;
        visit_u64: u64 => Dyn::U64;
        visit_f32: f32 => |v: f32| Dyn::F32(v.to_bits());
        visit_f64: f64 => |v: f64| Dyn::F64(v.to_bits());
        visit_char: char => |v: char| Dyn::Str(v.to_string());
        visit_str: &str => |v: &str| Dyn::Str(v.to_owned());
        visit_bytes: &[u8] => |v: &[u8]| Dyn::Bytes(v.to_vec());
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Dyn, D::Error> {
        Dyn::deserialize(d)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Dyn, D::Error> {
        Dyn::deserialize(d)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Dyn, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(x) = seq.next_element()? {
            out.push(x);
        }
        Ok(Dyn::Seq(out))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Dyn, A::Error> {
        let mut out = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Dyn>()? {
            out.push((k, v));
        }
        Ok(Dyn::Map(out))
    }
}

/// Writes records as tuples: a record read from a file is written back as a
/// record of `f0`, `f1`, … (or, when every field has one type and shape, as
/// one more axis, which is how this crate writes homogeneous tuples). A
/// struct would need `'static` field names, and a top-level struct with
/// `shape` and `data` fields means something else.
impl Serialize for Dyn {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Dyn::Bool(v) => s.serialize_bool(*v),
            Dyn::I8(v) => s.serialize_i8(*v),
            Dyn::I16(v) => s.serialize_i16(*v),
            Dyn::I32(v) => s.serialize_i32(*v),
            Dyn::I64(v) => s.serialize_i64(*v),
            Dyn::U8(v) => s.serialize_u8(*v),
            Dyn::U16(v) => s.serialize_u16(*v),
            Dyn::U32(v) => s.serialize_u32(*v),
            Dyn::U64(v) => s.serialize_u64(*v),
            Dyn::F32(v) => s.serialize_f32(f32::from_bits(*v)),
            Dyn::F64(v) => s.serialize_f64(f64::from_bits(*v)),
            Dyn::Str(v) => s.serialize_str(v),
            Dyn::Bytes(v) => s.serialize_bytes(v),
            Dyn::Seq(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for x in items {
                    seq.serialize_element(x)?;
                }
                seq.end()
            }
            Dyn::Map(fields) => {
                let mut t = s.serialize_tuple(fields.len())?;
                for (_, x) in fields {
                    t.serialize_element(x)?;
                }
                t.end()
            }
        }
    }
}

impl Dyn {
    fn items(&self) -> Option<Vec<&Dyn>> {
        match self {
            Dyn::Seq(v) => Some(v.iter().collect()),
            Dyn::Map(v) => Some(v.iter().map(|(_, x)| x).collect()),
            _ => None,
        }
    }
}

/// Equality under the crate's write rules: records come back with their
/// values in order but named `f0`, `f1`, … or as an axis (see `Serialize for
/// Dyn`). Scalars must match exactly, type and bits: `<f2` reads as `f32`
/// and writes as `<f4`, big-endian reads as native and writes little-endian,
/// `|b1` bytes other than 0/1 read as `true`: none of these change the value.
pub fn equivalent(a: &Dyn, b: &Dyn) -> bool {
    match (a.items(), b.items()) {
        (Some(x), Some(y)) => x.len() == y.len() && x.iter().zip(&y).all(|(p, q)| equivalent(p, q)),
        (None, None) => a == b,
        _ => false,
    }
}

/// Decode → encode → decode on arbitrary bytes.
pub fn check_roundtrip(data: &[u8]) {
    // Nothing decodes without a header and all of its data (`check_value`
    // asserts that); most inputs stop here.
    if serde_npy::Deserializer::from_slice(data).is_err() {
        return;
    }
    roundtrip_dyn(data);
    roundtrip_json(data);
    roundtrip_view::<f64>(data);
    roundtrip_view::<f32>(data);
    roundtrip_view::<f16>(data);
    roundtrip_view::<i64>(data);
    roundtrip_view::<u16>(data);
    roundtrip_view::<u8>(data);
}

/// Output of the writer: NumPy's layout exactly.
fn check_canonical(bytes: &[u8]) -> Header {
    let h = Header::from_slice_with(bytes, &relaxed())
        .unwrap_or_else(|e| panic!("our own output has a bad header: {e}"));
    assert_eq!(h.data_offset % 64, 0, "data not 64-byte aligned");
    let len = h.data_len().expect("our own output's data length");
    assert_eq!(bytes.len(), h.data_offset + len, "output length");
    assert_eq!(
        Header::new(h.dtype.clone(), h.shape.clone(), h.fortran_order).to_bytes(),
        bytes[..h.data_offset],
        "output header differs from what np.save writes"
    );
    h
}

fn decode_relaxed<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> serde_npy::Result<T> {
    let mut de = serde_npy::Deserializer::from_slice_with(bytes, &relaxed())?;
    T::deserialize(&mut de)
}

fn roundtrip_dyn(data: &[u8]) {
    let Ok(first) = from_slice::<Dyn>(data) else {
        return;
    };
    // Not everything read can be written: an empty record, ragged byte
    // strings (trailing NULs are trimmed), values NumPy would need `O` for.
    let Ok(bytes) = to_vec(&first) else { return };
    check_canonical(&bytes);
    let second: Dyn =
        decode_relaxed(&bytes).unwrap_or_else(|e| panic!("our own output does not decode: {e}"));
    assert!(
        equivalent(&first, &second),
        "round trip changed the value:\n{first:?}\n{second:?}"
    );
    let again = to_vec(&second).unwrap_or_else(|e| panic!("re-encoding what we wrote failed: {e}"));
    assert!(
        again == bytes,
        "writing what was read back is not a fixpoint"
    );
}

fn roundtrip_json(data: &[u8]) {
    let Ok(first) = from_slice::<serde_json::Value>(data) else {
        return;
    };
    // serde_json's Value turns NaN into null, records into (sorted) maps,
    // and mixes u64/i64 by sign, so many values cannot be written back.
    let Ok(bytes) = to_vec(&first) else { return };
    check_canonical(&bytes);
    let second: serde_json::Value =
        decode_relaxed(&bytes).unwrap_or_else(|e| panic!("our own output does not decode: {e}"));
    assert_eq!(first, second);
}

/// Bit patterns, so NaN compares equal to itself.
trait Bits: Element {
    fn bits(self) -> u64;
}

macro_rules! bits {
    ($($t:ty => $e:expr;)*) => {$(
        impl Bits for $t {
            fn bits(self) -> u64 {
                #[allow(clippy::redundant_closure_call)]
                ($e)(self)
            }
        }
    )*};
}

bits! {
    f64 => f64::to_bits;
    f32 => |v: f32| u64::from(v.to_bits());
    f16 => |v: f16| u64::from(v.to_bits());
    i64 => |v: i64| v as u64;
    u16 => u64::from;
    u8 => u64::from;
}

/// Whether memory order makes no difference to the bytes: at most one axis
/// longer than 1, or no elements. NumPy (and this crate) then writes
/// `fortran_order: False`.
fn order_irrelevant(shape: &[usize]) -> bool {
    shape.contains(&0) || shape.iter().filter(|&&d| d != 1).count() <= 1
}

fn roundtrip_view<T: Bits + Serialize + for<'de> Deserialize<'de>>(data: &[u8]) {
    let Ok(first) = from_slice::<ArrayView<T>>(data) else {
        return;
    };
    let bytes = to_vec(&first)
        .unwrap_or_else(|e| panic!("an ArrayView that was read cannot be written: {e}"));
    check_canonical(&bytes);
    let second: ArrayView<T> =
        decode_relaxed(&bytes).unwrap_or_else(|e| panic!("our own output does not decode: {e}"));
    assert_eq!(first.shape(), second.shape());
    assert!(
        first.fortran_order() == second.fortran_order() || order_irrelevant(first.shape()),
        "memory order changed"
    );
    let bits = |v: &ArrayView<T>| v.data().iter().map(|x| x.bits()).collect::<Vec<_>>();
    assert_eq!(bits(&first), bits(&second), "data changed");
    let again = to_vec(&second).expect("re-encoding what we wrote");
    assert!(
        again == bytes,
        "writing what was read back is not a fixpoint"
    );
}

// ---------------------------------------------------------------------------
// Archives

/// Whether `part` (any element type) lies inside `whole`: a borrow from the
/// input, compared by address.
fn within<T>(whole: &[u8], part: &[T]) -> bool {
    let start = whole.as_ptr() as usize;
    let p = part.as_ptr() as usize;
    part.is_empty() || (p >= start && p + std::mem::size_of_val(part) <= start + whole.len())
}

/// Arbitrary bytes as an `.npz` archive, through the in-memory `Archive` and
/// the streaming `Reader`, member by member and whole: no panic, the two
/// agree on every name, every member's bytes and every decoded value, a
/// `.npy` member decodes as `serde_npy::from_slice` decodes its bytes, and
/// whatever is borrowed lies inside the input.
pub fn check_npz(data: &[u8]) {
    use serde_npy::npz::{self, Archive, Reader};
    use std::collections::BTreeMap;
    use std::io::Cursor;

    // A small inflate budget keeps a zip bomb from slowing the fuzzer; the
    // limit itself is part of what is checked (both sides must apply it).
    let opts = npz::ReadOptions::new().max_inflated(1 << 24);
    let archive = Archive::with_options(data, &opts);
    let reader = Reader::with_options(Cursor::new(data), &opts);
    let (archive, mut reader) = match (archive, reader) {
        (Ok(a), Ok(r)) => (a, r),
        (Err(_), Err(_)) => return,
        (a, r) => panic!(
            "Archive and Reader disagree on the directory: {:?} vs {:?}",
            a.err(),
            r.err()
        ),
    };
    let names: Vec<String> = archive.names().map(String::from).collect();
    assert_eq!(
        names,
        reader.names().map(String::from).collect::<Vec<_>>(),
        "Archive and Reader list different names"
    );
    assert_eq!(archive.len(), names.len());
    for name in &names {
        let sliced = archive.bytes(name);
        let streamed = reader.bytes(name);
        assert_eq!(
            sliced.as_deref().ok(),
            streamed.as_deref().ok(),
            "member {name:?}: Archive::bytes vs Reader::bytes: {:?} vs {:?}",
            sliced.as_ref().err(),
            streamed.as_ref().err()
        );
        if let Ok(std::borrow::Cow::Borrowed(b)) = &sliced {
            assert!(
                within(data, b),
                "member {name:?} borrowed outside the input"
            );
        }
        let value = archive.get::<serde_json::Value>(name);
        let value_r = reader.get::<serde_json::Value>(name);
        assert_eq!(
            value.as_ref().ok(),
            value_r.as_ref().ok(),
            "member {name:?}: Archive::get vs Reader::get"
        );
        if let Ok(bytes) = &sliced {
            if bytes.starts_with(b"\x93NUMPY") {
                assert_eq!(
                    value.as_ref().ok(),
                    from_slice::<serde_json::Value>(bytes).as_ref().ok(),
                    "member {name:?} decodes otherwise than its .npy bytes"
                );
            }
        }
        if let Ok(view) = archive.get::<ArrayView<f32>>(name) {
            if view.is_borrowed() {
                assert!(
                    within(data, view.data()),
                    "view of {name:?} outside the input"
                );
            }
        }
    }
    type Members = BTreeMap<String, serde_json::Value>;
    let whole = npz::from_slice_with::<Members>(data, &opts);
    let whole_r = npz::from_reader_with::<_, Members>(Cursor::new(data), &opts);
    assert_eq!(
        whole.as_ref().ok(),
        whole_r.as_ref().ok(),
        "from_slice vs from_reader: {:?} vs {:?}",
        whole.as_ref().err(),
        whole_r.as_ref().err()
    );
    if let Ok(map) = &whole {
        // A map sees each name once: the last member of that name.
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(map.keys().cloned().collect::<Vec<_>>(), unique);
    }
}
