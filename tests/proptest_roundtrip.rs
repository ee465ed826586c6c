//! Property tests: random dtypes, shapes, byte orders and values round-trip
//! bit-exactly.
//!
//! * **File → Rust** (`file_*`): a random dtype model (scalars of every kind and
//!   byte order, records with gaps, titles, nested records and nested
//!   subarrays), a random shape (0-d, zero-sized axes) and random data bytes
//!   biased towards NaN payloads, -0.0, subnormals, infinities, integer
//!   extremes and non-BMP characters. The file is built with
//!   `Header::new(..).to_bytes()` plus the data, then read through
//!   `deserialize_any` (into an exact value type and into `serde_json::Value`),
//!   through `shape` + `data` structs, through typed nested `Vec`s and through
//!   `ArrayView`, and checked against the independent decoder below, which
//!   reads the raw bytes itself from this file's own model of the dtype.
//! * **Rust → file → Rust** (`rust_*`): random Rust values (`Vec`s and nested
//!   `Vec`s of every primitive, `f16`, strings, byte strings, derived structs
//!   with nested struct and array fields, `shape` + `data` + `fortran_order`
//!   structs) survive `to_vec` → `from_slice` bit for bit; `to_writer` gives the
//!   same bytes as `to_vec` and `from_reader` the same value as `from_slice`.

use std::fmt;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde::de::{DeserializeOwned, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_bytes::ByteBuf;
use serde_npy::half::f16;
use serde_npy::{ArrayView, ByteOrder, Dtype, Header};

mod rng;
use rng::Rng;

// ---------------------------------------------------------------------------
// An exact value: what `deserialize_any` hands out, with floats kept as bits.

#[derive(Clone, Debug, PartialEq)]
enum X {
    Bool(bool),
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    /// f32 bits (also `f2` data, which the reader widens to f32 exactly).
    F32(u32),
    F64(u64),
    Str(String),
    Bytes(Vec<u8>),
    Seq(Vec<X>),
    Map(Vec<(String, X)>),
}

struct XVisitor;

macro_rules! visit_exact {
    ($($method:ident: $ty:ty => $make:expr;)*) => {$(
        fn $method<E: serde::de::Error>(self, v: $ty) -> Result<X, E> {
            #[allow(clippy::redundant_closure_call)]
            Ok(($make)(v))
        }
    )*};
}

impl<'de> Visitor<'de> for XVisitor {
    type Value = X;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    visit_exact! {
        visit_bool: bool => X::Bool;
        visit_i8: i8 => X::I8;
        visit_i16: i16 => X::I16;
        visit_i32: i32 => X::I32;
        visit_i64: i64 => X::I64;
        visit_u8: u8 => X::U8;
        visit_u16: u16 => X::U16;
        visit_u32: u32 => X::U32;
        visit_u64: u64 => X::U64;
        visit_f32: f32 => |v: f32| X::F32(v.to_bits());
        visit_f64: f64 => |v: f64| X::F64(v.to_bits());
        visit_str: &str => |v: &str| X::Str(v.to_string());
        visit_string: String => X::Str;
        visit_bytes: &[u8] => |v: &[u8]| X::Bytes(v.to_vec());
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<X, A::Error> {
        let mut out = Vec::new();
        while let Some(x) = seq.next_element()? {
            out.push(x);
        }
        Ok(X::Seq(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<X, A::Error> {
        let mut out = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, X>()? {
            out.push((k, v));
        }
        Ok(X::Map(out))
    }
}

impl<'de> Deserialize<'de> for X {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<X, D::Error> {
        d.deserialize_any(XVisitor)
    }
}

impl X {
    /// What `serde_json::Value` makes of the same visits.
    fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as V;
        let float = |f: f64| serde_json::Number::from_f64(f).map_or(V::Null, V::Number);
        match self {
            X::Bool(b) => V::Bool(*b),
            X::I8(v) => V::from(*v),
            X::I16(v) => V::from(*v),
            X::I32(v) => V::from(*v),
            X::I64(v) => V::from(*v),
            X::U8(v) => V::from(*v),
            X::U16(v) => V::from(*v),
            X::U32(v) => V::from(*v),
            X::U64(v) => V::from(*v),
            X::F32(b) => float(f64::from(f32::from_bits(*b))),
            X::F64(b) => float(f64::from_bits(*b)),
            X::Str(s) => V::String(s.clone()),
            X::Bytes(b) => V::Array(b.iter().map(|&x| V::from(x)).collect()),
            X::Seq(items) => V::Array(items.iter().map(X::to_json).collect()),
            X::Map(entries) => V::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// Converts a typed Rust value into the exact representation for comparison.
trait ToX {
    fn to_x(&self) -> X;
}

macro_rules! to_x {
    ($($ty:ty => $make:expr;)*) => {$(
        impl ToX for $ty {
            fn to_x(&self) -> X {
                #[allow(clippy::redundant_closure_call)]
                ($make)(*self)
            }
        }
    )*};
}

to_x! {
    bool => X::Bool;
    i8 => X::I8;
    i16 => X::I16;
    i32 => X::I32;
    i64 => X::I64;
    u8 => X::U8;
    u16 => X::U16;
    u32 => X::U32;
    u64 => X::U64;
    f32 => |v: f32| X::F32(v.to_bits());
    f64 => |v: f64| X::F64(v.to_bits());
    // Typed f16 reads keep the exact bits.
    f16 => |v: f16| X::U16(v.to_bits());
}

impl ToX for String {
    fn to_x(&self) -> X {
        X::Str(self.clone())
    }
}

impl ToX for ByteBuf {
    fn to_x(&self) -> X {
        X::Seq(self.iter().map(|&b| X::U8(b)).collect())
    }
}

impl<A: ToX, B: ToX> ToX for (A, B) {
    fn to_x(&self) -> X {
        X::Seq(vec![self.0.to_x(), self.1.to_x()])
    }
}

impl<T: ToX> ToX for Vec<T> {
    fn to_x(&self) -> X {
        X::Seq(self.iter().map(ToX::to_x).collect())
    }
}

/// IEEE binary16 → binary32 as NumPy's `npy_half_to_float` does it, written
/// out here so that the test does not trust the library. Every value is
/// exact; a NaN keeps its sign, payload and signalling bit (the payload
/// shifted into the top mantissa bits).
fn f16_bits_to_f32_bits(h: u16) -> u32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let mant = u32::from(h & 0x3ff);
    match (exp, mant) {
        (0, 0) => sign,
        (0, m) => {
            // Subnormal: value = m * 2^-24. Normalise.
            let mut e: i32 = -14;
            let mut m = m;
            while m & 0x400 == 0 {
                m <<= 1;
                e -= 1;
            }
            sign | (((e + 127) as u32) << 23) | ((m & 0x3ff) << 13)
        }
        (0x1f, 0) => sign | (0xff << 23),
        (0x1f, m) => sign | (0xff << 23) | (m << 13),
        (e, m) => sign | ((e + 127 - 15) << 23) | (m << 13),
    }
}

// ---------------------------------------------------------------------------
// The test's own dtype model, rendered to descr text by the test.

#[derive(Clone, Debug, PartialEq)]
enum Leaf {
    Bool,
    I8,
    U8,
    I16,
    I32,
    I64,
    U16,
    U32,
    U64,
    F16,
    F32,
    F64,
    C64,
    C128,
    /// `|S{n}`
    Bytes(usize),
    /// `U{n}`
    Str(usize),
    /// `|V{n}`
    Void(usize),
    /// `M8[unit]` (`""` = generic)
    DateTime(&'static str),
    /// `m8[unit]`
    TimeDelta(&'static str),
}

impl Leaf {
    fn itemsize(&self) -> usize {
        match self {
            Leaf::Bool | Leaf::I8 | Leaf::U8 => 1,
            Leaf::I16 | Leaf::U16 | Leaf::F16 => 2,
            Leaf::I32 | Leaf::U32 | Leaf::F32 => 4,
            Leaf::I64 | Leaf::U64 | Leaf::F64 | Leaf::C64 => 8,
            Leaf::DateTime(_) | Leaf::TimeDelta(_) => 8,
            Leaf::C128 => 16,
            Leaf::Bytes(n) | Leaf::Void(n) => *n,
            Leaf::Str(n) => 4 * n,
        }
    }

    /// Whether the byte order is written (`<`/`>`) rather than `|`.
    fn has_order(&self) -> bool {
        !matches!(
            self,
            Leaf::Bool | Leaf::I8 | Leaf::U8 | Leaf::Bytes(_) | Leaf::Void(_)
        )
    }

    fn typestr(&self, big: bool) -> String {
        let o = if !self.has_order() {
            '|'
        } else if big {
            '>'
        } else {
            '<'
        };
        let body = match self {
            Leaf::Bool => "b1".to_string(),
            Leaf::I8 => "i1".into(),
            Leaf::U8 => "u1".into(),
            Leaf::I16 => "i2".into(),
            Leaf::I32 => "i4".into(),
            Leaf::I64 => "i8".into(),
            Leaf::U16 => "u2".into(),
            Leaf::U32 => "u4".into(),
            Leaf::U64 => "u8".into(),
            Leaf::F16 => "f2".into(),
            Leaf::F32 => "f4".into(),
            Leaf::F64 => "f8".into(),
            Leaf::C64 => "c8".into(),
            Leaf::C128 => "c16".into(),
            Leaf::Bytes(n) => format!("S{n}"),
            Leaf::Str(n) => format!("U{n}"),
            Leaf::Void(n) => format!("V{n}"),
            Leaf::DateTime("") => "M8".into(),
            Leaf::DateTime(u) => format!("M8[{u}]"),
            Leaf::TimeDelta("") => "m8".into(),
            Leaf::TimeDelta(u) => format!("m8[{u}]"),
        };
        format!("{o}{body}")
    }
}

#[derive(Clone, Debug)]
enum MT {
    Leaf(Leaf, /* big-endian */ bool),
    Rec(MRec),
}

#[derive(Clone, Debug)]
struct MRec {
    fields: Vec<MField>,
    itemsize: usize,
}

#[derive(Clone, Debug)]
struct MField {
    name: String,
    title: Option<String>,
    offset: usize,
    ty: MT,
    /// Subarray levels, outermost first; the field's shape is their concatenation.
    levels: Vec<Vec<usize>>,
}

impl MField {
    fn shape(&self) -> Vec<usize> {
        self.levels.concat()
    }
    fn size(&self) -> usize {
        self.shape().iter().product::<usize>() * self.ty.itemsize()
    }
}

fn shape_text(s: &[usize]) -> String {
    match s {
        [d] => format!("({d},)"),
        _ => format!(
            "({})",
            s.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

impl MT {
    fn itemsize(&self) -> usize {
        match self {
            MT::Leaf(l, _) => l.itemsize(),
            MT::Rec(r) => r.itemsize,
        }
    }

    /// The descr as NumPy writes it (names are drawn from characters that
    /// Python's `repr` leaves alone, so plain single quotes are right).
    fn descr(&self) -> String {
        match self {
            MT::Leaf(l, big) => format!("'{}'", l.typestr(*big)),
            MT::Rec(r) => {
                let mut parts = Vec::new();
                let mut pos = 0;
                for f in &r.fields {
                    if f.offset > pos {
                        parts.push(format!("('', '|V{}')", f.offset - pos));
                    }
                    let name = match &f.title {
                        Some(t) => format!("('{t}', '{}')", f.name),
                        None => format!("'{}'", f.name),
                    };
                    let mut ty = f.ty.descr();
                    for level in f.levels.iter().skip(1).rev() {
                        ty = format!("({ty}, {})", shape_text(level));
                    }
                    match f.levels.first() {
                        Some(outer) => parts.push(format!("({name}, {ty}, {})", shape_text(outer))),
                        None => parts.push(format!("({name}, {ty})")),
                    }
                    pos = f.offset + f.size();
                }
                if r.itemsize > pos {
                    parts.push(format!("('', '|V{}')", r.itemsize - pos));
                }
                format!("[{}]", parts.join(", "))
            }
        }
    }

    /// Whether this is one plain leaf (for the typed checks).
    fn leaf(&self) -> Option<(&Leaf, bool)> {
        match self {
            MT::Leaf(l, big) => Some((l, *big)),
            MT::Rec(_) => None,
        }
    }
}

// ---------------------------------------------------------------------------
// Independent decoder: raw bytes + model → exact values.

fn rd<const N: usize>(b: &[u8], big: bool) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(&b[..N]);
    if big {
        a.reverse();
    }
    a
}

fn decode_leaf(l: &Leaf, big: bool, b: &[u8], raw_f16: bool) -> X {
    match l {
        Leaf::Bool => X::Bool(b[0] != 0),
        Leaf::I8 => X::I8(b[0] as i8),
        Leaf::U8 => X::U8(b[0]),
        Leaf::I16 => X::I16(i16::from_le_bytes(rd(b, big))),
        Leaf::I32 => X::I32(i32::from_le_bytes(rd(b, big))),
        Leaf::I64 | Leaf::DateTime(_) | Leaf::TimeDelta(_) => {
            X::I64(i64::from_le_bytes(rd(b, big)))
        }
        Leaf::U16 => X::U16(u16::from_le_bytes(rd(b, big))),
        Leaf::U32 => X::U32(u32::from_le_bytes(rd(b, big))),
        Leaf::U64 => X::U64(u64::from_le_bytes(rd(b, big))),
        Leaf::F16 if raw_f16 => X::U16(u16::from_le_bytes(rd(b, big))),
        Leaf::F16 => X::F32(f16_bits_to_f32_bits(u16::from_le_bytes(rd(b, big)))),
        Leaf::F32 => X::F32(u32::from_le_bytes(rd(b, big))),
        Leaf::F64 => X::F64(u64::from_le_bytes(rd(b, big))),
        Leaf::C64 => X::Seq(vec![
            X::F32(u32::from_le_bytes(rd(b, big))),
            X::F32(u32::from_le_bytes(rd(&b[4..], big))),
        ]),
        Leaf::C128 => X::Seq(vec![
            X::F64(u64::from_le_bytes(rd(b, big))),
            X::F64(u64::from_le_bytes(rd(&b[8..], big))),
        ]),
        Leaf::Bytes(n) => {
            let mut v = b[..*n].to_vec();
            while v.last() == Some(&0) {
                v.pop();
            }
            X::Seq(v.into_iter().map(X::U8).collect())
        }
        Leaf::Void(n) => X::Seq(b[..*n].iter().map(|&x| X::U8(x)).collect()),
        Leaf::Str(n) => {
            let mut units: Vec<u32> = b[..4 * n]
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes(rd(c, big)))
                .collect();
            while units.last() == Some(&0) {
                units.pop();
            }
            X::Str(
                units
                    .into_iter()
                    .map(|u| char::from_u32(u).expect("generator makes valid code points"))
                    .collect(),
            )
        }
    }
}

/// One element of type `ty` at `off`.
fn decode_item(ty: &MT, data: &[u8], off: usize, raw: bool) -> X {
    match ty {
        MT::Leaf(l, big) => decode_leaf(l, *big, &data[off..off + l.itemsize()], raw),
        MT::Rec(r) => X::Map(
            r.fields
                .iter()
                .map(|f| {
                    let shape = f.shape();
                    let v = decode_c_block(&f.ty, &shape, data, off + f.offset, raw);
                    (f.name.clone(), v)
                })
                .collect(),
        ),
    }
}

/// A C-contiguous block of `shape` elements starting at `off`, as nested sequences.
fn decode_c_block(ty: &MT, shape: &[usize], data: &[u8], off: usize, raw: bool) -> X {
    match shape.split_first() {
        None => decode_item(ty, data, off, raw),
        Some((&n, rest)) => {
            let stride = rest.iter().product::<usize>() * ty.itemsize();
            X::Seq(
                (0..n)
                    .map(|i| decode_c_block(ty, rest, data, off + i * stride, raw))
                    .collect(),
            )
        }
    }
}

/// All C-order multi-indices of `shape` (one empty index for 0-d).
fn c_indices(shape: &[usize]) -> Vec<Vec<usize>> {
    let count: usize = shape.iter().product();
    let mut out = Vec::with_capacity(count);
    let mut idx = vec![0usize; shape.len()];
    for _ in 0..count {
        out.push(idx.clone());
        for (i, &d) in idx.iter_mut().zip(shape).rev() {
            *i += 1;
            if *i < d {
                break;
            }
            *i = 0;
        }
    }
    out
}

/// The element number in file order of a logical index.
fn file_pos(idx: &[usize], shape: &[usize], fortran: bool) -> usize {
    let mut pos = 0;
    if fortran {
        for (&i, &d) in idx.iter().zip(shape).rev() {
            pos = pos * d + i;
        }
    } else {
        for (&i, &d) in idx.iter().zip(shape) {
            pos = pos * d + i;
        }
    }
    pos
}

/// The whole array as nested sequences in logical C order.
fn decode_array(ty: &MT, shape: &[usize], fortran: bool, data: &[u8], raw: bool) -> X {
    fn go(
        ty: &MT,
        shape: &[usize],
        fortran: bool,
        data: &[u8],
        raw: bool,
        idx: &mut Vec<usize>,
    ) -> X {
        if idx.len() == shape.len() {
            let pos = file_pos(idx, shape, fortran);
            return decode_item(ty, data, pos * ty.itemsize(), raw);
        }
        let n = shape[idx.len()];
        let mut items = Vec::with_capacity(n);
        for i in 0..n {
            idx.push(i);
            items.push(go(ty, shape, fortran, data, raw, idx));
            idx.pop();
        }
        X::Seq(items)
    }
    go(ty, shape, fortran, data, raw, &mut Vec::new())
}

// ---------------------------------------------------------------------------
// Generators for the model and its data.

const NAME_PREFIXES: &[&str] = &["x", "f", "é", "整", "😀", "Ω", "a_b", "Z9"];
const TIME_UNITS: &[&str] = &["", "ns", "us", "ms", "s", "m", "h", "D", "W", "Y", "10s"];

fn leaf_strategy() -> impl Strategy<Value = MT> {
    let leaf = prop_oneof![
        1 => Just(Leaf::Bool),
        1 => Just(Leaf::I8),
        1 => Just(Leaf::U8),
        1 => Just(Leaf::I16),
        1 => Just(Leaf::I32),
        1 => Just(Leaf::I64),
        1 => Just(Leaf::U16),
        1 => Just(Leaf::U32),
        1 => Just(Leaf::U64),
        3 => Just(Leaf::F16),
        3 => Just(Leaf::F32),
        3 => Just(Leaf::F64),
        1 => Just(Leaf::C64),
        1 => Just(Leaf::C128),
        1 => (0usize..6).prop_map(Leaf::Bytes),
        2 => (0usize..5).prop_map(Leaf::Str),
        1 => (0usize..5).prop_map(Leaf::Void),
        1 => (0..TIME_UNITS.len()).prop_map(|i| Leaf::DateTime(TIME_UNITS[i])),
        1 => (0..TIME_UNITS.len()).prop_map(|i| Leaf::TimeDelta(TIME_UNITS[i])),
    ];
    (leaf, any::<bool>()).prop_map(|(l, big)| MT::Leaf(l, big))
}

fn levels_strategy() -> impl Strategy<Value = Vec<Vec<usize>>> {
    let dim = prop_oneof![1 => Just(0usize), 6 => 1usize..4];
    let level = proptest::collection::vec(dim, 1..3);
    prop_oneof![
        3 => Just(Vec::new()),
        2 => proptest::collection::vec(level, 1..3),
    ]
}

/// (type, levels, gap before, title?, name prefix)
type FieldSpec = (MT, Vec<Vec<usize>>, usize, bool, usize);

fn record_from(specs: Vec<FieldSpec>, tail: usize) -> MT {
    let mut fields = Vec::new();
    let mut pos = 0;
    for (i, (ty, levels, gap, titled, prefix)) in specs.into_iter().enumerate() {
        // NumPy reads `(type, shape)` as an item size, not a subarray, when
        // the type has no bytes and no fields (`('U0', (2,))` is an error
        // there): such a dtype cannot be loaded, so none is generated.
        let levels = if matches!(ty, MT::Leaf(..)) && ty.itemsize() == 0 {
            Vec::new()
        } else if levels.len() > 1
            && (ty.itemsize() == 0 || levels[1..].iter().flatten().any(|&d| d == 0))
        {
            levels[..1].to_vec()
        } else {
            levels
        };
        let offset = pos + gap;
        let name = format!("{}{i}", NAME_PREFIXES[prefix]);
        let title = titled.then(|| format!("t{i}{}", NAME_PREFIXES[prefix]));
        let f = MField {
            name,
            title,
            offset,
            ty,
            levels,
        };
        pos = offset + f.size();
        fields.push(f);
    }
    MT::Rec(MRec {
        fields,
        itemsize: pos + tail,
    })
}

fn dtype_strategy() -> impl Strategy<Value = MT> {
    leaf_strategy().prop_recursive(3, 24, 4, |inner| {
        let gap = prop_oneof![4 => Just(0usize), 1 => 1usize..4];
        let spec = (
            inner,
            levels_strategy(),
            gap,
            proptest::bool::weighted(0.15),
            0..NAME_PREFIXES.len(),
        );
        (
            proptest::collection::vec(spec, 0..4),
            prop_oneof![3 => Just(0usize), 1 => 1usize..4],
        )
            .prop_map(|(specs, tail)| record_from(specs, tail))
    })
}

fn shape_strategy() -> impl Strategy<Value = Vec<usize>> {
    let dim = prop_oneof![1 => Just(0usize), 1 => Just(1usize), 6 => 2usize..5];
    proptest::collection::vec(dim, 0..5)
}

/// Float bit patterns for a format with `exp_bits` exponent and `man_bits`
/// mantissa bits: mostly the interesting ones.
fn float_bits(rng: &mut Rng, exp_bits: u32, man_bits: u32) -> u64 {
    let sign = (rng.next() & 1) << (exp_bits + man_bits);
    let exp_max = (1u64 << exp_bits) - 1;
    let man_mask = (1u64 << man_bits) - 1;
    let rand_man = rng.next() & man_mask;
    let body = match rng.below(12) {
        0 => 0,                                       // ±0
        1 => exp_max << man_bits,                     // ±inf
        2 => (exp_max << man_bits) | rand_man.max(1), // NaN, any payload (quiet or signalling)
        3 => (exp_max << man_bits) | 1,               // smallest signalling NaN payload
        4 => rand_man.max(1),                         // subnormal
        5 => 1,                                       // smallest subnormal
        6 => man_mask,                                // largest subnormal
        7 => ((exp_max - 1) << man_bits) | man_mask,  // largest finite
        8 => 1 << man_bits,                           // smallest normal
        _ => rng.next() & ((1 << (exp_bits + man_bits)) - 1),
    };
    sign | body
}

fn int_bits(rng: &mut Rng, bytes: usize) -> u64 {
    let bits = 8 * bytes as u32;
    let mask = if bits == 64 {
        u64::MAX
    } else {
        (1 << bits) - 1
    };
    match rng.below(6) {
        0 => 0,
        1 => mask,            // -1 / MAX unsigned
        2 => mask >> 1,       // MAX signed
        3 => (mask >> 1) + 1, // MIN signed
        _ => rng.next() & mask,
    }
}

const CHAR_POOL: &[char] = &[
    'a',
    'Z',
    '0',
    ' ',
    '\'',
    '"',
    '\\',
    '\n',
    '\u{7f}',
    'é',
    'ÿ',
    '\u{a0}',
    'Ω',
    '整',
    '\u{fffd}',
    '\u{ffff}',
    '😀',
    '\u{10000}',
    '\u{10ffff}',
    '\u{1f9ea}',
];

fn put(out: &mut Vec<u8>, v: u64, n: usize, big: bool) {
    let le = v.to_le_bytes();
    if big {
        out.extend(le[..n].iter().rev());
    } else {
        out.extend_from_slice(&le[..n]);
    }
}

/// Appends the file bytes of one element of `ty`.
fn gen_item(rng: &mut Rng, ty: &MT, out: &mut Vec<u8>) {
    match ty {
        MT::Leaf(l, big) => {
            let big = *big;
            match l {
                // Any non-zero byte is True.
                Leaf::Bool => out.push(if rng.below(4) == 0 {
                    rng.next() as u8
                } else {
                    rng.below(2) as u8
                }),
                Leaf::I8 | Leaf::U8 => put(out, int_bits(rng, 1), 1, big),
                Leaf::I16 | Leaf::U16 => put(out, int_bits(rng, 2), 2, big),
                Leaf::I32 | Leaf::U32 => put(out, int_bits(rng, 4), 4, big),
                Leaf::I64 | Leaf::U64 | Leaf::DateTime(_) | Leaf::TimeDelta(_) => {
                    put(out, int_bits(rng, 8), 8, big)
                }
                Leaf::F16 => put(out, float_bits(rng, 5, 10), 2, big),
                Leaf::F32 => put(out, float_bits(rng, 8, 23), 4, big),
                Leaf::F64 => put(out, float_bits(rng, 11, 52), 8, big),
                Leaf::C64 => {
                    for _ in 0..2 {
                        put(out, float_bits(rng, 8, 23), 4, big)
                    }
                }
                Leaf::C128 => {
                    for _ in 0..2 {
                        put(out, float_bits(rng, 11, 52), 8, big)
                    }
                }
                Leaf::Bytes(n) => {
                    // A prefix of any bytes (NULs inside too), then NUL padding.
                    let k = rng.below(*n + 1);
                    let mut b = rng.bytes(k);
                    b.resize(*n, 0);
                    out.extend(b);
                }
                Leaf::Void(n) => out.extend(rng.bytes(*n)),
                Leaf::Str(n) => {
                    let k = rng.below(*n + 1);
                    for i in 0..*n {
                        // Past `k`: padding. Before it, now and then an
                        // interior NUL, kept unless only NULs follow.
                        let c = if i >= k || rng.below(10) == 0 {
                            0
                        } else {
                            CHAR_POOL[rng.below(CHAR_POOL.len())] as u64
                        };
                        put(out, c, 4, big);
                    }
                }
            }
        }
        MT::Rec(r) => {
            let start = out.len();
            // Padding bytes are garbage: the reader must skip them.
            out.extend(rng.bytes(r.itemsize));
            for f in &r.fields {
                let count: usize = f.shape().iter().product();
                let mut field = Vec::new();
                for _ in 0..count {
                    gen_item(rng, &f.ty, &mut field);
                }
                let at = start + f.offset;
                out[at..at + field.len()].copy_from_slice(&field);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// File → Rust checks.

#[derive(Deserialize, Debug)]
struct Shaped<T> {
    shape: Vec<usize>,
    data: Vec<T>,
}

#[derive(Deserialize, Debug)]
struct ShapedF<T> {
    #[allow(dead_code)]
    shape: Vec<usize>,
    fortran_order: bool,
    data: Vec<T>,
}

fn flat(x: &X, depth: usize, out: &mut Vec<X>) {
    if depth == 0 {
        out.push(x.clone());
    } else if let X::Seq(items) = x {
        for i in items {
            flat(i, depth - 1, out);
        }
    } else {
        panic!("not nested deep enough: {x:?}");
    }
}

fn fail(msg: String) -> TestCaseError {
    TestCaseError::fail(msg)
}

macro_rules! check_eq {
    ($a:expr, $b:expr, $($ctx:tt)*) => {{
        let (a, b) = (&$a, &$b);
        if a != b {
            return Err(fail(format!(
                "{}\n  left: {:?}\n right: {:?}",
                format!($($ctx)*),
                a,
                b
            )));
        }
    }};
}

/// Typed reads of a plain-leaf file into `T`: `shape` + `data` structs (C and
/// file order), nested `Vec`s matching the dimensionality, and 0-d `T`.
fn typed<T: DeserializeOwned + ToX + fmt::Debug>(
    bytes: &[u8],
    shape: &[usize],
    fortran: bool,
    c_flat: &[X],
    file_flat: &[X],
    tree: &X,
) -> Result<(), TestCaseError> {
    let tn = std::any::type_name::<T>();
    let s: Shaped<T> =
        serde_npy::from_slice(bytes).map_err(|e| fail(format!("Shaped<{tn}>: {e}")))?;
    check_eq!(s.shape, shape.to_vec(), "Shaped<{tn}>.shape");
    check_eq!(s.data.to_x(), X::Seq(c_flat.to_vec()), "Shaped<{tn}>.data");
    let s: ShapedF<T> =
        serde_npy::from_slice(bytes).map_err(|e| fail(format!("ShapedF<{tn}>: {e}")))?;
    check_eq!(s.fortran_order, fortran, "ShapedF<{tn}>.fortran_order");
    check_eq!(
        s.data.to_x(),
        X::Seq(file_flat.to_vec()),
        "ShapedF<{tn}>.data"
    );
    let got = match shape.len() {
        0 => serde_npy::from_slice::<T>(bytes).map(|v| v.to_x()),
        1 => serde_npy::from_slice::<Vec<T>>(bytes).map(|v| v.to_x()),
        2 => serde_npy::from_slice::<Vec<Vec<T>>>(bytes).map(|v| v.to_x()),
        3 => serde_npy::from_slice::<Vec<Vec<Vec<T>>>>(bytes).map(|v| v.to_x()),
        _ => serde_npy::from_slice::<Vec<Vec<Vec<Vec<T>>>>>(bytes).map(|v| v.to_x()),
    }
    .map_err(|e| fail(format!("nested {tn}: {e}")))?;
    check_eq!(&got, tree, "nested Vec<{tn}>");
    Ok(())
}

/// `ArrayView<T>`: file-order data, whatever the byte order.
fn view<T>(
    bytes: &[u8],
    shape: &[usize],
    fortran: bool,
    file_flat: &[X],
) -> Result<(), TestCaseError>
where
    T: serde_npy::Element + ToX + fmt::Debug + for<'de> Deserialize<'de>,
{
    let v: ArrayView<T> =
        serde_npy::from_slice(bytes).map_err(|e| fail(format!("ArrayView: {e}")))?;
    check_eq!(v.shape().to_vec(), shape.to_vec(), "ArrayView shape");
    check_eq!(v.fortran_order(), fortran, "ArrayView fortran_order");
    let got: Vec<X> = v.data().iter().map(ToX::to_x).collect();
    check_eq!(got, file_flat.to_vec(), "ArrayView data");
    Ok(())
}

fn check_file(ty: &MT, shape: &[usize], fortran: bool, seed: u64) -> Result<(), TestCaseError> {
    let descr = ty.descr();
    let dtype = Dtype::from_descr(&descr).map_err(|e| fail(format!("from_descr {descr}: {e}")))?;
    // The crate writes the same descr text that this model renders.
    check_eq!(dtype.descr(), descr, "descr text");
    check_eq!(dtype.itemsize(), ty.itemsize(), "itemsize of {descr}");

    let header = Header::new(dtype.clone(), shape.to_vec(), fortran);
    let mut bytes = header.to_bytes();
    check_eq!(bytes.len(), header.data_offset, "preamble length");
    prop_assert!(bytes.len() % 64 == 0 && bytes.ends_with(b"\n"));

    let mut rng = Rng(seed);
    let count: usize = shape.iter().product();
    let mut data = Vec::new();
    for _ in 0..count {
        gen_item(&mut rng, ty, &mut data);
    }
    check_eq!(data.len(), count * ty.itemsize(), "data length");
    bytes.extend_from_slice(&data);
    // Trailing bytes belong to whatever follows: ignored.
    let n = rng.below(3);
    let trailer = rng.bytes(n);
    bytes.extend_from_slice(&trailer);

    let parsed =
        Header::from_slice(&bytes).map_err(|e| fail(format!("Header::from_slice: {e}")))?;
    check_eq!(parsed, header, "Header::from_slice");
    check_eq!(parsed.dtype, dtype, "dtype");
    check_eq!(parsed.shape, shape.to_vec(), "shape");
    check_eq!(parsed.fortran_order, fortran, "fortran_order");
    let mut reader = &bytes[..];
    let from_reader =
        Header::from_reader(&mut reader).map_err(|e| fail(format!("Header::from_reader: {e}")))?;
    check_eq!(from_reader, header, "Header::from_reader");
    check_eq!(
        reader.len(),
        data.len() + trailer.len(),
        "Header::from_reader position"
    );

    let expected = decode_array(ty, shape, fortran, &data, false);

    // deserialize_any, exact.
    let (got, rest) = serde_npy::take_from_slice::<X>(&bytes)
        .map_err(|e| fail(format!("from_slice::<X> of {descr} {shape:?}: {e}")))?;
    check_eq!(
        got,
        expected,
        "from_slice::<X> of {descr} shape {shape:?} fortran {fortran}"
    );
    check_eq!(rest, &trailer[..], "take_from_slice rest");
    let got: X =
        serde_npy::from_reader(&bytes[..]).map_err(|e| fail(format!("from_reader::<X>: {e}")))?;
    check_eq!(got, expected, "from_reader::<X>");

    // serde_json::Value.
    let json: serde_json::Value = serde_npy::from_slice(&bytes)
        .map_err(|e| fail(format!("from_slice::<Value> of {descr}: {e}")))?;
    check_eq!(json, expected.to_json(), "from_slice::<serde_json::Value>");

    // The raw data section.
    let de = serde_npy::Deserializer::from_slice(&bytes).map_err(|e| fail(e.to_string()))?;
    check_eq!(de.data(), &data[..], "Deserializer::data");

    // shape + data structs: C order, and file order with the flag.
    let mut c_flat = Vec::new();
    flat(&expected, shape.len(), &mut c_flat);
    let file_flat: Vec<X> = (0..count)
        .map(|i| decode_item(ty, &data, i * ty.itemsize(), false))
        .collect();
    let s: Shaped<X> =
        serde_npy::from_slice(&bytes).map_err(|e| fail(format!("Shaped<X>: {e}")))?;
    check_eq!(s.shape, shape.to_vec(), "Shaped<X>.shape");
    check_eq!(s.data, c_flat, "Shaped<X>.data (C order)");
    let s: ShapedF<X> =
        serde_npy::from_slice(&bytes).map_err(|e| fail(format!("ShapedF<X>: {e}")))?;
    check_eq!(s.fortran_order, fortran, "ShapedF<X>.fortran_order");
    check_eq!(s.data, file_flat, "ShapedF<X>.data (file order)");

    // Typed reads of plain leaves.
    if let Some((leaf, _)) = ty.leaf() {
        // Typed targets: `half::f16` keeps the raw bits, so decode f2 raw here.
        let expected = decode_array(ty, shape, fortran, &data, true);
        let mut c_flat = Vec::new();
        flat(&expected, shape.len(), &mut c_flat);
        let file_flat: Vec<X> = (0..count)
            .map(|i| decode_item(ty, &data, i * ty.itemsize(), true))
            .collect();
        let args = (
            &bytes[..],
            shape,
            fortran,
            &c_flat[..],
            &file_flat[..],
            &expected,
        );
        macro_rules! typed_and_view {
            ($t:ty) => {{
                typed::<$t>(args.0, args.1, args.2, args.3, args.4, args.5)?;
                view::<$t>(&bytes, shape, fortran, &file_flat)?;
            }};
        }
        match leaf {
            Leaf::Bool => typed::<bool>(args.0, args.1, args.2, args.3, args.4, args.5)?,
            Leaf::I8 => typed_and_view!(i8),
            Leaf::U8 => typed_and_view!(u8),
            Leaf::I16 => typed_and_view!(i16),
            Leaf::I32 => typed_and_view!(i32),
            Leaf::I64 => typed_and_view!(i64),
            Leaf::U16 => typed_and_view!(u16),
            Leaf::U32 => typed_and_view!(u32),
            Leaf::U64 => typed_and_view!(u64),
            Leaf::F16 => typed_and_view!(f16),
            Leaf::F32 => typed_and_view!(f32),
            Leaf::F64 => typed_and_view!(f64),
            Leaf::C64 => typed::<(f32, f32)>(args.0, args.1, args.2, args.3, args.4, args.5)?,
            Leaf::C128 => typed::<(f64, f64)>(args.0, args.1, args.2, args.3, args.4, args.5)?,
            Leaf::Bytes(_) | Leaf::Void(_) => {
                typed::<ByteBuf>(args.0, args.1, args.2, args.3, args.4, args.5)?
            }
            Leaf::Str(_) => typed::<String>(args.0, args.1, args.2, args.3, args.4, args.5)?,
            Leaf::DateTime(_) | Leaf::TimeDelta(_) => {
                typed::<i64>(args.0, args.1, args.2, args.3, args.4, args.5)?
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn file_random_dtype_shape_order(ty in dtype_strategy(), shape in shape_strategy(), fortran in any::<bool>(), seed in any::<u64>()) {
        check_file(&ty, &shape, fortran, seed)?;
    }

    /// Plain leaves only, with larger arrays: many more values per case.
    #[test]
    fn file_random_plain_leaves(ty in leaf_strategy(), shape in proptest::collection::vec(0usize..9, 0..4), fortran in any::<bool>(), seed in any::<u64>()) {
        check_file(&ty, &shape, fortran, seed)?;
    }
}

#[test]
fn f16_widening_matches_half_for_every_bit_pattern() {
    // The test's own f16 → f32 against the `half` crate for all 2^16
    // patterns: equal, except that `half` quiets signalling NaNs.
    for h in 0..=u16::MAX {
        let ours = f16_bits_to_f32_bits(h);
        let theirs = f16::from_bits(h).to_f32().to_bits();
        if f16::from_bits(h).is_nan() {
            assert_eq!(ours | (1 << 22), theirs, "{h:#06x}");
        } else {
            assert_eq!(ours, theirs, "{h:#06x}");
        }
    }
}

#[test]
fn header_byte_order_of_every_leaf() {
    // The order char round-trips for every leaf kind that has one.
    for big in [false, true] {
        let d = Dtype::from_descr(&MT::Leaf(Leaf::F64, big).descr()).unwrap();
        let want = if big {
            ByteOrder::Big
        } else {
            ByteOrder::Little
        };
        assert_eq!(d.byte_order(), Some(want));
    }
}

// ---------------------------------------------------------------------------
// Rust → file → Rust.

/// `f32` compared by bits.
#[derive(Serialize, Deserialize, Clone, Copy)]
#[serde(transparent)]
struct F32(f32);

/// `f64` compared by bits.
#[derive(Serialize, Deserialize, Clone, Copy)]
#[serde(transparent)]
struct F64(f64);

/// `f16` compared by bits.
#[derive(Serialize, Deserialize, Clone, Copy)]
#[serde(transparent)]
struct H16(f16);

macro_rules! bit_eq {
    ($($t:ident),*) => {$(
        impl PartialEq for $t {
            fn eq(&self, o: &Self) -> bool {
                self.0.to_bits() == o.0.to_bits()
            }
        }
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:?}({:#x})", self.0, self.0.to_bits())
            }
        }
    )*};
}
bit_eq!(F32, F64, H16);

fn f32_strategy() -> impl Strategy<Value = F32> + Clone {
    any::<u64>().prop_map(|s| F32(f32::from_bits(float_bits(&mut Rng(s), 8, 23) as u32)))
}

fn f64_strategy() -> impl Strategy<Value = F64> + Clone {
    any::<u64>().prop_map(|s| F64(f64::from_bits(float_bits(&mut Rng(s), 11, 52))))
}

fn f16_strategy() -> impl Strategy<Value = H16> + Clone {
    any::<u64>().prop_map(|s| H16(f16::from_bits(float_bits(&mut Rng(s), 5, 10) as u16)))
}

/// Strings that do not end in NUL (trailing NULs are padding in `U` data).
fn string_strategy() -> impl Strategy<Value = String> + Clone {
    let c = prop_oneof![
        8 => (0..CHAR_POOL.len()).prop_map(|i| CHAR_POOL[i]),
        1 => Just('\0'),
        2 => any::<char>(),
    ];
    proptest::collection::vec(c, 0..7).prop_map(|mut cs| {
        while cs.last() == Some(&'\0') {
            cs.pop();
        }
        cs.into_iter().collect()
    })
}

/// Byte strings that do not end in NUL (trailing NULs are padding in `S` data).
fn bytes_strategy() -> impl Strategy<Value = ByteBuf> + Clone {
    proptest::collection::vec(any::<u8>(), 0..7).prop_map(|mut b| {
        while b.last() == Some(&0) {
            b.pop();
        }
        ByteBuf::from(b)
    })
}

/// `to_vec` → `from_slice` gives `v` back; `to_writer` writes the same bytes;
/// `from_reader` reads the same value. Returns the bytes.
fn round_trip<T>(v: &T) -> Result<Vec<u8>, TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + fmt::Debug,
{
    let bytes = serde_npy::to_vec(v).map_err(|e| fail(format!("to_vec {v:?}: {e}")))?;
    let mut streamed = Vec::new();
    serde_npy::to_writer(&mut streamed, v).map_err(|e| fail(format!("to_writer: {e}")))?;
    check_eq!(streamed, bytes, "to_writer vs to_vec");
    let back: T = serde_npy::from_slice(&bytes).map_err(|e| fail(format!("from_slice: {e}")))?;
    check_eq!(back, *v, "from_slice(to_vec(v))");
    let back: T =
        serde_npy::from_reader(&bytes[..]).map_err(|e| fail(format!("from_reader: {e}")))?;
    check_eq!(back, *v, "from_reader(to_vec(v))");
    // What any reader sees as well: the header describes the data exactly.
    let h = Header::from_slice(&bytes).map_err(|e| fail(e.to_string()))?;
    let len = h.data_len().map_err(|e| fail(e.to_string()))?;
    check_eq!(bytes.len(), h.data_offset + len, "file length");
    Ok(bytes)
}

/// Rectangular nesting: `rows` rows of `cols` elements drawn from `elem`.
fn matrix<S: Strategy + Clone>(elem: S) -> impl Strategy<Value = Vec<Vec<S::Value>>>
where
    S::Value: Clone + fmt::Debug,
{
    (0usize..5, 0usize..5).prop_flat_map(move |(rows, cols)| {
        proptest::collection::vec(proptest::collection::vec(elem.clone(), cols), rows)
    })
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Inner {
    a: i16,
    b: [F32; 2],
    h: H16,
    tag: [u8; 3],
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Rec {
    x: F64,
    id: u32,
    flag: bool,
    name: String,
    raw: ByteBuf,
    inner: Inner,
    m: [[i8; 3]; 2],
    pair: (u16, F32),
    big: i64,
    u: u64,
}

fn inner_strategy() -> impl Strategy<Value = Inner> + Clone {
    (
        any::<i16>(),
        [f32_strategy(), f32_strategy()],
        f16_strategy(),
        any::<[u8; 3]>(),
    )
        .prop_map(|(a, b, h, tag)| Inner { a, b, h, tag })
}

fn rec_strategy() -> impl Strategy<Value = Rec> + Clone {
    (
        (
            f64_strategy(),
            any::<u32>(),
            any::<bool>(),
            string_strategy(),
            bytes_strategy(),
        ),
        (
            inner_strategy(),
            any::<[[i8; 3]; 2]>(),
            (any::<u16>(), f32_strategy()),
            any::<i64>(),
            any::<u64>(),
        ),
    )
        .prop_map(|((x, id, flag, name, raw), (inner, m, pair, big, u))| Rec {
            x,
            id,
            flag,
            name,
            raw,
            inner,
            m,
            pair,
            big,
            u,
        })
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct ShapedData<T> {
    shape: Vec<usize>,
    fortran_order: bool,
    data: Vec<T>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct ShapedC<T> {
    shape: Vec<usize>,
    data: Vec<T>,
}

/// A shape (0-d, zero axes, unit axes) with data in the order the flag says.
fn shaped<S: Strategy + Clone>(elem: S) -> impl Strategy<Value = ShapedData<S::Value>>
where
    S::Value: Clone + fmt::Debug,
{
    (
        proptest::collection::vec(
            prop_oneof![1 => Just(0usize), 1 => Just(1usize), 4 => 2usize..4],
            0..4,
        ),
        any::<bool>(),
    )
        .prop_flat_map(move |(shape, fortran_order)| {
            let n = shape.iter().product::<usize>();
            proptest::collection::vec(elem.clone(), n).prop_map(move |data| ShapedData {
                shape: shape.clone(),
                fortran_order,
                data,
            })
        })
}

/// The shaped round trip: the flag survives unless NumPy would write `False`
/// (at most one axis longer than 1, or no elements), in which case C and
/// Fortran order are the same sequence; the C-order reading is the transpose.
fn shaped_round_trip<T>(v: &ShapedData<T>) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + fmt::Debug + Clone,
{
    let bytes = serde_npy::to_vec(v).map_err(|e| fail(format!("to_vec: {e}")))?;
    let mut streamed = Vec::new();
    serde_npy::to_writer(&mut streamed, v).map_err(|e| fail(e.to_string()))?;
    check_eq!(streamed, bytes, "to_writer vs to_vec");
    let multi = v.shape.iter().filter(|&&d| d != 1).count() > 1 && !v.shape.contains(&0);
    let flag = v.fortran_order && multi;
    let want = ShapedData {
        fortran_order: flag,
        ..v.clone()
    };
    let back: ShapedData<T> = serde_npy::from_slice(&bytes).map_err(|e| fail(e.to_string()))?;
    check_eq!(back, want, "shape + fortran_order + data");
    let back: ShapedData<T> =
        serde_npy::from_reader(&bytes[..]).map_err(|e| fail(e.to_string()))?;
    check_eq!(back, want, "from_reader shape + fortran_order + data");
    let h = Header::from_slice(&bytes).map_err(|e| fail(e.to_string()))?;
    check_eq!(h.shape, v.shape, "header shape");
    check_eq!(h.fortran_order, flag, "header fortran_order");
    // C order: element at logical index i sits at file position file_pos(i).
    let c: Vec<T> = c_indices(&v.shape)
        .iter()
        .map(|i| v.data[file_pos(i, &v.shape, v.fortran_order)].clone())
        .collect();
    let back: ShapedC<T> = serde_npy::from_slice(&bytes).map_err(|e| fail(e.to_string()))?;
    check_eq!(back.data, c, "C-order data");
    check_eq!(back.shape, v.shape, "C-order shape");
    Ok(())
}

macro_rules! rust_round_trips {
    ($($name:ident: $strategy:expr;)*) => {
        proptest! {
            #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]
            $(
                #[test]
                fn $name(v in $strategy) {
                    round_trip(&v)?;
                }
            )*
        }
    };
}

rust_round_trips! {
    rust_vec_bool: proptest::collection::vec(any::<bool>(), 0..20);
    rust_vec_i8: proptest::collection::vec(any::<i8>(), 0..20);
    rust_vec_i16: proptest::collection::vec(any::<i16>(), 0..20);
    rust_vec_i32: proptest::collection::vec(any::<i32>(), 0..20);
    rust_vec_i64: proptest::collection::vec(any::<i64>(), 0..20);
    rust_vec_u8: proptest::collection::vec(any::<u8>(), 0..20);
    rust_vec_u16: proptest::collection::vec(any::<u16>(), 0..20);
    rust_vec_u32: proptest::collection::vec(any::<u32>(), 0..20);
    rust_vec_u64: proptest::collection::vec(any::<u64>(), 0..20);
    rust_vec_f16: proptest::collection::vec(f16_strategy(), 0..20);
    rust_vec_f32: proptest::collection::vec(f32_strategy(), 0..20);
    rust_vec_f64: proptest::collection::vec(f64_strategy(), 0..20);
    rust_vec_string: proptest::collection::vec(string_strategy(), 0..10);
    rust_vec_bytes: proptest::collection::vec(bytes_strategy(), 0..10);
    rust_scalar_f64: f64_strategy();
    rust_scalar_f16: f16_strategy();
    rust_scalar_i64: any::<i64>();
    rust_scalar_string: string_strategy();
    rust_matrix_i8: matrix(any::<i8>());
    rust_matrix_i16: matrix(any::<i16>());
    rust_matrix_i32: matrix(any::<i32>());
    rust_matrix_i64: matrix(any::<i64>());
    rust_matrix_u8: matrix(any::<u8>());
    rust_matrix_u16: matrix(any::<u16>());
    rust_matrix_u32: matrix(any::<u32>());
    rust_matrix_u64: matrix(any::<u64>());
    rust_matrix_f64: matrix(f64_strategy());
    rust_matrix_f32: matrix(f32_strategy());
    rust_matrix_f16: matrix(f16_strategy());
    rust_matrix_string: matrix(string_strategy());
    rust_matrix_bytes: matrix(bytes_strategy());
    rust_matrix_bool: matrix(any::<bool>());
    rust_cube_i32: matrix(proptest::collection::vec(any::<i32>(), 3));
    rust_rows_of_arrays_f64: proptest::collection::vec([f64_strategy(), f64_strategy(), f64_strategy()], 0..6);
    rust_records: proptest::collection::vec(rec_strategy(), 0..6);
    rust_record_0d: rec_strategy();
    rust_records_2d: matrix(inner_strategy());
    rust_tuples: proptest::collection::vec((any::<i8>(), f64_strategy(), string_strategy()), 0..6);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn rust_shaped_f64(v in shaped(f64_strategy())) {
        shaped_round_trip(&v)?;
    }

    #[test]
    fn rust_shaped_f16(v in shaped(f16_strategy())) {
        shaped_round_trip(&v)?;
    }

    #[test]
    fn rust_shaped_i16(v in shaped(any::<i16>())) {
        shaped_round_trip(&v)?;
    }

    #[test]
    fn rust_shaped_strings(v in shaped(string_strategy())) {
        shaped_round_trip(&v)?;
    }

    #[test]
    fn rust_shaped_records(v in shaped(inner_strategy())) {
        shaped_round_trip(&v)?;
    }
}
