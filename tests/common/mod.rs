//! Shared helpers for the NumPy fixture tests.
//!
//! Fixtures live in `tests/fixtures/npy/` and are described by
//! `tests/fixtures/manifest.json` (see its `"schema"` key). Each fixture
//! `NAME` has `NAME.npy` (written by NumPy, or hand-made) and `NAME.c.bin`:
//! the logical values in C order with every leaf little-endian and struct
//! padding zeroed.
//!
//! The seeds below turn what serde hands out back into `.c.bin` bytes, so a
//! value check is a bit-exact comparison that goes through the crate's serde
//! `Deserializer` (typed hints, nested sequences, records as maps or tuples,
//! the `shape` + `data` struct), never through the raw data section.

#![allow(dead_code)]

use std::fmt;
use std::marker::PhantomData;
use std::path::PathBuf;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_bytes::ByteBuf;
use serde_json::Value;
use serde_npy::half::f16;
use serde_npy::{Dtype, Record};

// ---------------------------------------------------------------------------
// Fixture files

pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn manifest() -> Value {
    let text = std::fs::read_to_string(fixtures_dir().join("manifest.json")).expect("manifest");
    serde_json::from_str(&text).expect("manifest is JSON")
}

/// Every entry of manifest `"fixtures"`.
pub fn fixtures() -> Vec<Value> {
    manifest()["fixtures"].as_array().expect("fixtures").clone()
}

/// The manifest entry of fixture `name`.
pub fn entry(name: &str) -> Value {
    fixtures()
        .into_iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no fixture {name}"))
}

/// Reads a file named relative to `tests/fixtures` (as manifest paths are).
pub fn read_rel(rel: &str) -> Vec<u8> {
    std::fs::read(fixtures_dir().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub fn npy(name: &str) -> Vec<u8> {
    read_rel(&format!("npy/{name}.npy"))
}

pub fn c_bin(name: &str) -> Vec<u8> {
    read_rel(&format!("npy/{name}.c.bin"))
}

pub fn shape_of(e: &Value) -> Vec<usize> {
    e["shape"]
        .as_array()
        .expect("shape")
        .iter()
        .map(|d| d.as_u64().expect("dim") as usize)
        .collect()
}

/// Collects failures so that one test reports every bad fixture at once.
#[derive(Default)]
pub struct Failures(Vec<String>);

impl Failures {
    pub fn push(&mut self, name: &str, msg: impl fmt::Display) {
        self.0.push(format!("{name}: {msg}"));
    }

    pub fn check<T: PartialEq + fmt::Debug>(&mut self, name: &str, what: &str, got: T, want: T) {
        if got != want {
            self.push(name, format!("{what}: got {got:?}, want {want:?}"));
        }
    }

    pub fn finish(self, checked: usize) {
        assert!(checked > 0, "nothing was checked");
        assert!(
            self.0.is_empty(),
            "{} failure(s) out of {checked}:\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

/// Shows where two byte strings first differ.
pub fn diff_bytes(got: &[u8], want: &[u8]) -> String {
    if got == want {
        return "equal".into();
    }
    let at = got
        .iter()
        .zip(want)
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(want.len()));
    let win = |b: &[u8]| {
        let end = (at + 16).min(b.len());
        let start = at.saturating_sub(16).min(end);
        format!("{:02x?}", &b[start..end])
    };
    format!(
        "lengths {} vs {}, first difference at byte {at}: got …{} want …{}",
        got.len(),
        want.len(),
        win(got),
        win(want)
    )
}

// ---------------------------------------------------------------------------
// Little-endian encoding of typed values, at the width the dtype gives

/// A Rust value that can be written back as one `.c.bin` element.
pub trait Encode {
    fn encode(&self, dtype: &Dtype, out: &mut Vec<u8>);
}

macro_rules! encode_le {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn encode(&self, _dtype: &Dtype, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}
encode_le!(i8, i16, i32, i64, u8, u16, u32, u64);

impl Encode for bool {
    fn encode(&self, _dtype: &Dtype, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
}

impl Encode for f32 {
    fn encode(&self, _dtype: &Dtype, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_bits().to_le_bytes());
    }
}

impl Encode for f64 {
    fn encode(&self, _dtype: &Dtype, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_bits().to_le_bytes());
    }
}

impl Encode for f16 {
    fn encode(&self, _dtype: &Dtype, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_bits().to_le_bytes());
    }
}

impl<T: Encode> Encode for (T, T) {
    fn encode(&self, dtype: &Dtype, out: &mut Vec<u8>) {
        self.0.encode(dtype, out);
        self.1.encode(dtype, out);
    }
}

impl<T: Encode> Encode for [T; 2] {
    fn encode(&self, dtype: &Dtype, out: &mut Vec<u8>) {
        self[0].encode(dtype, out);
        self[1].encode(dtype, out);
    }
}

impl Encode for String {
    fn encode(&self, dtype: &Dtype, out: &mut Vec<u8>) {
        let Dtype::Str(n, _) = dtype else {
            panic!("a String for {dtype}")
        };
        let start = out.len();
        for c in self.chars() {
            out.extend_from_slice(&(c as u32).to_le_bytes());
        }
        assert!(
            out.len() - start <= n * 4,
            "{self:?} is longer than {dtype}"
        );
        out.resize(start + n * 4, 0);
    }
}

impl Encode for ByteBuf {
    fn encode(&self, dtype: &Dtype, out: &mut Vec<u8>) {
        let n = match dtype {
            Dtype::Bytes(n) | Dtype::Void(n) => *n,
            other => panic!("bytes for {other}"),
        };
        assert!(self.len() <= n, "{} bytes for {dtype}", self.len());
        out.extend_from_slice(self);
        out.resize(out.len() + n - self.len(), 0);
    }
}

// ---------------------------------------------------------------------------
// Seeds: serde values → `.c.bin` bytes

/// Reads one element (a leaf of the array) and appends its `.c.bin` bytes.
pub trait Leaf: Copy {
    fn read<'de, D: Deserializer<'de>>(self, d: D, out: &mut Vec<u8>) -> Result<(), D::Error>;
}

/// A leaf read as the typed Rust value `T`.
pub struct Typed<'a, T> {
    pub dtype: &'a Dtype,
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for Typed<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Typed<'_, T> {}

impl<'a, T> Typed<'a, T> {
    pub fn new(dtype: &'a Dtype) -> Self {
        Typed {
            dtype,
            _t: PhantomData,
        }
    }
}

impl<T: for<'x> Deserialize<'x> + Encode> Leaf for Typed<'_, T> {
    fn read<'de, D: Deserializer<'de>>(self, d: D, out: &mut Vec<u8>) -> Result<(), D::Error> {
        T::deserialize(d)?.encode(self.dtype, out);
        Ok(())
    }
}

/// How a record is asked for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RecordAs {
    /// `deserialize_map`, fields by name.
    Map,
    /// `deserialize_tuple`, fields in order.
    Tuple,
}

/// A leaf read by what its dtype says, through the typed Rust values a user
/// would pick for it (records field by field).
#[derive(Clone, Copy)]
pub struct ByDtype<'a> {
    pub dtype: &'a Dtype,
    pub records: RecordAs,
}

impl<'a> ByDtype<'a> {
    pub fn new(dtype: &'a Dtype, records: RecordAs) -> Self {
        ByDtype { dtype, records }
    }
}

impl Leaf for ByDtype<'_> {
    fn read<'de, D: Deserializer<'de>>(self, d: D, out: &mut Vec<u8>) -> Result<(), D::Error> {
        let dt = self.dtype;
        match dt {
            Dtype::Bool => Typed::<bool>::new(dt).read(d, out),
            Dtype::I8 => Typed::<i8>::new(dt).read(d, out),
            Dtype::U8 => Typed::<u8>::new(dt).read(d, out),
            Dtype::I16(_) => Typed::<i16>::new(dt).read(d, out),
            Dtype::I32(_) => Typed::<i32>::new(dt).read(d, out),
            Dtype::I64(_) | Dtype::DateTime(..) | Dtype::TimeDelta(..) => {
                Typed::<i64>::new(dt).read(d, out)
            }
            Dtype::U16(_) => Typed::<u16>::new(dt).read(d, out),
            Dtype::U32(_) => Typed::<u32>::new(dt).read(d, out),
            Dtype::U64(_) => Typed::<u64>::new(dt).read(d, out),
            Dtype::F16(_) => Typed::<f16>::new(dt).read(d, out),
            Dtype::F32(_) => Typed::<f32>::new(dt).read(d, out),
            Dtype::F64(_) => Typed::<f64>::new(dt).read(d, out),
            Dtype::C64(_) => Typed::<(f32, f32)>::new(dt).read(d, out),
            Dtype::C128(_) => Typed::<(f64, f64)>::new(dt).read(d, out),
            Dtype::Bytes(_) | Dtype::Void(_) => Typed::<ByteBuf>::new(dt).read(d, out),
            Dtype::Str(..) => Typed::<String>::new(dt).read(d, out),
            Dtype::Record(r) => {
                let mut buf = vec![0u8; r.itemsize()];
                let v = RecordVisitor {
                    record: r,
                    records: self.records,
                    buf: &mut buf,
                };
                match self.records {
                    RecordAs::Map => d.deserialize_map(v)?,
                    RecordAs::Tuple => d.deserialize_tuple(r.fields().len(), v)?,
                }
                out.extend_from_slice(&buf);
                Ok(())
            }
            other => Err(de::Error::custom(format!(
                "test helper: no leaf for {other}"
            ))),
        }
    }
}

struct RecordVisitor<'a, 'b> {
    record: &'a Record,
    records: RecordAs,
    buf: &'b mut Vec<u8>,
}

impl RecordVisitor<'_, '_> {
    fn put<E: de::Error>(&mut self, i: usize, bytes: &[u8]) -> Result<(), E> {
        let f = &self.record.fields()[i];
        if bytes.len() != f.size() {
            return Err(E::custom(format!(
                "field {:?}: {} bytes, expected {}",
                f.name,
                bytes.len(),
                f.size()
            )));
        }
        self.buf[f.offset..f.offset + bytes.len()].copy_from_slice(bytes);
        Ok(())
    }
}

impl<'de> Visitor<'de> for RecordVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a record")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let mut seen = vec![false; self.record.fields().len()];
        while let Some(key) = map.next_key::<String>()? {
            let i = self
                .record
                .fields()
                .iter()
                .position(|f| f.name == key)
                .ok_or_else(|| de::Error::custom(format!("unknown field {key:?}")))?;
            if std::mem::replace(&mut seen[i], true) {
                return Err(de::Error::custom(format!("field {key:?} twice")));
            }
            let f = &self.record.fields()[i];
            let mut tmp = Vec::new();
            map.next_value_seed(Nest {
                dims: &f.shape,
                leaf: ByDtype::new(&f.dtype, self.records),
                out: &mut tmp,
            })?;
            self.put(i, &tmp)?;
        }
        if let Some(i) = seen.iter().position(|s| !s) {
            return Err(de::Error::custom(format!(
                "field {:?} missing",
                self.record.fields()[i].name
            )));
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        for i in 0..self.record.fields().len() {
            let f = &self.record.fields()[i];
            let mut tmp = Vec::new();
            seq.next_element_seed(Nest {
                dims: &f.shape,
                leaf: ByDtype::new(&f.dtype, self.records),
                out: &mut tmp,
            })?
            .ok_or_else(|| de::Error::invalid_length(i, &self))?;
            self.put(i, &tmp)?;
        }
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom("more fields than the record has"));
        }
        Ok(())
    }
}

/// An array of `dims` read as nested sequences (depth first, C order), each
/// leaf read by `leaf`. With `dims` empty it is just the leaf.
pub struct Nest<'a, 'o, L> {
    pub dims: &'a [usize],
    pub leaf: L,
    pub out: &'o mut Vec<u8>,
}

impl<'de, L: Leaf> DeserializeSeed<'de> for Nest<'_, '_, L> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        match self.dims.split_first() {
            None => self.leaf.read(d, self.out),
            Some((&len, rest)) => d.deserialize_seq(NestVisitor {
                len,
                rest,
                leaf: self.leaf,
                out: self.out,
            }),
        }
    }
}

struct NestVisitor<'a, 'o, L> {
    len: usize,
    rest: &'a [usize],
    leaf: L,
    out: &'o mut Vec<u8>,
}

impl<'de, L: Leaf> Visitor<'de> for NestVisitor<'_, '_, L> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a sequence of {}", self.len)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if let Some(h) = seq.size_hint() {
            if h != self.len {
                return Err(de::Error::custom(format!(
                    "size_hint {h}, expected {}",
                    self.len
                )));
            }
        }
        for i in 0..self.len {
            let seed = Nest {
                dims: self.rest,
                leaf: self.leaf,
                out: &mut *self.out,
            };
            if seq.next_element_seed(seed)?.is_none() {
                return Err(de::Error::invalid_length(i, &self));
            }
        }
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom("sequence longer than its axis"));
        }
        Ok(())
    }
}

/// The whole array through a top-level `{shape, data}` struct (optionally
/// with `fortran_order`, which makes `data` come in file order).
pub struct Shaped<'o, L> {
    pub leaf: L,
    pub with_fortran_field: bool,
    pub out: &'o mut Vec<u8>,
}

/// What a `Shaped` read reports besides the data.
#[derive(Debug, PartialEq)]
pub struct ShapedInfo {
    pub shape: Vec<usize>,
    pub fortran_order: Option<bool>,
}

impl<'de, L: Leaf> DeserializeSeed<'de> for Shaped<'_, L> {
    type Value = ShapedInfo;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<ShapedInfo, D::Error> {
        const PLAIN: &[&str] = &["shape", "data"];
        const WITH_FORTRAN: &[&str] = &["shape", "fortran_order", "data"];
        let fields = if self.with_fortran_field {
            WITH_FORTRAN
        } else {
            PLAIN
        };
        d.deserialize_struct(
            "Array",
            fields,
            ShapedVisitor {
                leaf: self.leaf,
                out: self.out,
            },
        )
    }
}

struct ShapedVisitor<'o, L> {
    leaf: L,
    out: &'o mut Vec<u8>,
}

impl<'de, L: Leaf> Visitor<'de> for ShapedVisitor<'_, L> {
    type Value = ShapedInfo;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a shape + data struct")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ShapedInfo, A::Error> {
        let (mut shape, mut fortran, mut data) = (None, None, false);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "shape" => shape = Some(map.next_value::<Vec<usize>>()?),
                "fortran_order" => fortran = Some(map.next_value::<bool>()?),
                "data" => {
                    map.next_value_seed(Flat {
                        leaf: self.leaf,
                        out: &mut *self.out,
                    })?;
                    data = true;
                }
                other => return Err(de::Error::unknown_field(other, &[])),
            }
        }
        if !data {
            return Err(de::Error::missing_field("data"));
        }
        Ok(ShapedInfo {
            shape: shape.ok_or_else(|| de::Error::missing_field("shape"))?,
            fortran_order: fortran,
        })
    }
}

/// A flat sequence of leaves.
struct Flat<'o, L> {
    leaf: L,
    out: &'o mut Vec<u8>,
}

impl<'de, L: Leaf> DeserializeSeed<'de> for Flat<'_, L> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, L: Leaf> Visitor<'de> for Flat<'_, L> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a flat sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        struct One<'o, L>(L, &'o mut Vec<u8>);
        impl<'de, L: Leaf> DeserializeSeed<'de> for One<'_, L> {
            type Value = ();
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                self.0.read(d, self.1)
            }
        }
        while seq
            .next_element_seed(One(self.leaf, &mut *self.out))?
            .is_some()
        {}
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Layout helpers

/// Reorders C-order elements of `shape` into Fortran (column-major) order.
pub fn c_to_fortran(c: &[u8], shape: &[usize], itemsize: usize) -> Vec<u8> {
    let count: usize = shape.iter().product();
    let mut out = Vec::with_capacity(c.len());
    let mut idx = vec![0usize; shape.len()];
    for _ in 0..count {
        // C flat index of the multi-index `idx`.
        let flat = idx.iter().zip(shape).fold(0, |a, (&i, &d)| a * d + i);
        out.extend_from_slice(&c[flat * itemsize..(flat + 1) * itemsize]);
        // Advance with the first axis fastest.
        for (i, &d) in idx.iter_mut().zip(shape) {
            *i += 1;
            if *i < d {
                break;
            }
            *i = 0;
        }
    }
    out
}

/// Splits `.c.bin` bytes into elements decoded as `T` (little-endian).
pub fn le_items<T, const N: usize>(bytes: &[u8], f: impl Fn([u8; N]) -> T) -> Vec<T> {
    assert_eq!(bytes.len() % N, 0);
    bytes
        .chunks_exact(N)
        .map(|c| f(c.try_into().unwrap()))
        .collect()
}

/// `U` data (UCS-4 little-endian, `n` chars per item) as Rust strings, trailing NULs removed.
pub fn le_strings(bytes: &[u8], n: usize) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    bytes
        .chunks_exact(4 * n)
        .map(|item| {
            let mut cs: Vec<char> = item
                .chunks_exact(4)
                .map(|u| char::from_u32(u32::from_le_bytes(u.try_into().unwrap())).unwrap())
                .collect();
            while cs.last() == Some(&'\0') {
                cs.pop();
            }
            cs.into_iter().collect()
        })
        .collect()
}

/// `S` data (`n` bytes per item) as byte strings, trailing NULs removed.
pub fn le_bytestrings(bytes: &[u8], n: usize) -> Vec<ByteBuf> {
    if n == 0 {
        return Vec::new();
    }
    bytes
        .chunks_exact(n)
        .map(|item| {
            let mut v = item.to_vec();
            while v.last() == Some(&0) {
                v.pop();
            }
            ByteBuf::from(v)
        })
        .collect()
}

/// A serde_json value read from a file, in the manifest's `values` form:
/// records become lists of their fields in order (padding omitted).
pub fn to_manifest_form(v: &Value, dtype: &Dtype) -> Value {
    match (v, dtype) {
        (Value::Object(m), Dtype::Record(r)) => Value::Array(
            r.fields()
                .iter()
                .map(|f| match m.get(&f.name) {
                    Some(x) => to_manifest_form(x, &f.dtype),
                    None => Value::String(format!("<missing field {:?}>", f.name)),
                })
                .collect(),
        ),
        (Value::Array(a), _) => {
            Value::Array(a.iter().map(|x| to_manifest_form(x, dtype)).collect())
        }
        (other, _) => other.clone(),
    }
}

/// Compares a value read from a file with the manifest's `values`.
///
/// Integers, strings and booleans must be equal. Floats may differ by one
/// unit in the last place: serde_json (without its `float_roundtrip`
/// feature) does not always parse a decimal to the nearest `f64`, and the
/// bit-exact check of every value is the `.c.bin` comparison anyway.
pub fn json_matches(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Number(g), Value::Number(w)) if g.is_f64() || w.is_f64() => {
            let (g, w) = (g.as_f64().unwrap(), w.as_f64().unwrap());
            g == w || (g.signum() == w.signum() && g.to_bits().abs_diff(w.to_bits()) <= 1)
        }
        (Value::Array(g), Value::Array(w)) => {
            g.len() == w.len() && g.iter().zip(w).all(|(g, w)| json_matches(g, w))
        }
        (g, w) => g == w,
    }
}
