//! Writing NumPy's bytes: for every fixture `np.save` wrote whose dtype a
//! Rust value can produce, the Rust value (built from `.c.bin`, from the
//! manifest's `values`, or literally) serializes to exactly `NAME.npy`.

mod common;

use serde_npy::ErrorKind;
use std::collections::BTreeSet;

use common::*;
use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Deserialize, Serialize, Serializer};
use serde_bytes::ByteBuf;
use serde_json::Value;
use serde_npy::half::f16;
use serde_npy::{to_vec, to_writer, ByteOrder, Complex, Dtype, Error, Header};

/// `to_vec(value)` is the fixture's bytes, `to_writer` agrees, and the
/// header read back says what the manifest says.
#[track_caller]
fn assert_writes<T: Serialize + ?Sized>(name: &str, value: &T) {
    let want = npy(name);
    let got = to_vec(value).unwrap_or_else(|e| panic!("{name}: to_vec: {e}"));
    assert!(got == want, "{name}: {}", diff_bytes(&got, &want));
    let mut streamed = Vec::new();
    to_writer(&mut streamed, value).unwrap();
    assert!(
        streamed == want,
        "{name}: to_writer: {}",
        diff_bytes(&streamed, &want)
    );
}

#[derive(Serialize)]
struct Shaped<T> {
    shape: Vec<usize>,
    data: Vec<T>,
}

#[derive(Serialize)]
struct Fortran<T> {
    shape: Vec<usize>,
    fortran_order: bool,
    data: Vec<T>,
}

/// An N-D array as nested sequences, any depth.
#[derive(Clone)]
enum Nd<T> {
    Leaf(T),
    Axis(Vec<Nd<T>>),
}

impl<T: Serialize> Serialize for Nd<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Nd::Leaf(x) => x.serialize(s),
            Nd::Axis(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for x in items {
                    seq.serialize_element(x)?;
                }
                seq.end()
            }
        }
    }
}

fn nest<T: Clone>(flat: &[T], shape: &[usize]) -> Nd<T> {
    match shape.split_first() {
        None => Nd::Leaf(flat[0].clone()),
        Some((&n, rest)) => {
            let step: usize = rest.iter().product();
            Nd::Axis(
                (0..n)
                    .map(|i| nest(&flat[i * step..(i + 1) * step], rest))
                    .collect(),
            )
        }
    }
}

// ---------------------------------------------------------------------------
// Every non-record fixture whose dtype a Rust value can produce

/// Why a byte-exact fixture cannot come from a Rust value, or `None`.
fn not_producible(h: &Header) -> Option<&'static str> {
    if h.dtype.byte_order() == Some(ByteOrder::Big) {
        return Some("big-endian: the writer always writes little-endian");
    }
    match &h.dtype {
        Dtype::DateTime(..) | Dtype::TimeDelta(..) => {
            return Some("no Rust type maps to datetime64/timedelta64")
        }
        Dtype::Void(_) => return Some("no Rust type maps to void"),
        Dtype::Bytes(0) | Dtype::Str(0, _) => return Some("NumPy never infers S0/U0 from values"),
        Dtype::Record(_) => return Some("records are written from typed structs below"),
        _ => {}
    }
    if h.shape.contains(&0) && h.dtype != Dtype::F64(ByteOrder::Little) {
        return Some("an empty sequence has no element type and is written as <f8");
    }
    None
}

/// Writes `items` (C order) with the fixture's shape every way the mapping
/// table allows, and checks each against the fixture.
fn write_all_forms<T: Serialize + Clone>(name: &str, h: &Header, items: Vec<T>) -> usize {
    let shape = h.shape.clone();
    let mut forms = 0;
    if h.fortran_order {
        let file_order = {
            let idx: Vec<usize> = (0..items.len()).collect();
            let mut bytes = Vec::new();
            for i in &idx {
                bytes.extend_from_slice(&(*i as u64).to_le_bytes());
            }
            c_to_fortran(&bytes, &shape, 8)
                .chunks_exact(8)
                .map(|b| items[u64::from_le_bytes(b.try_into().unwrap()) as usize].clone())
                .collect::<Vec<T>>()
        };
        assert_writes(
            name,
            &Fortran {
                shape,
                fortran_order: true,
                data: file_order,
            },
        );
        return 1;
    }
    match shape.len() {
        0 => {
            assert_writes(name, &items[0]);
            forms += 1;
        }
        1 => {
            assert_writes(name, &items);
            assert_writes(name, &items[..]);
            forms += 2;
        }
        _ => {}
    }
    if !shape.contains(&0) && !shape.is_empty() {
        assert_writes(name, &nest(&items, &shape));
        forms += 1;
    }
    assert_writes(
        name,
        &Shaped {
            shape: shape.clone(),
            data: items.clone(),
        },
    );
    // A fortran_order flag on a C-contiguous array is written as False, as
    // NumPy tests C contiguity first (0-d, 1-D, empty, one non-unit axis).
    if shape.iter().filter(|&&d| d != 1).count() <= 1 || shape.contains(&0) {
        assert_writes(
            name,
            &Fortran {
                shape,
                fortran_order: true,
                data: items,
            },
        );
        forms += 1;
    }
    forms + 1
}

/// Strings or bytes as NumPy's `tolist()` gives them (trailing NULs gone);
/// when no value reaches the dtype's width, as stored (full width), so the
/// writer infers the same width.
fn widest<T, F: Fn(&[u8]) -> T>(
    c: &[u8],
    unit: usize,
    n: usize,
    len: impl Fn(&T) -> usize,
    make: F,
) -> Vec<T> {
    let trimmed: Vec<T> = c
        .chunks_exact(unit * n)
        .map(|item| {
            let mut end = item.len();
            while end >= unit && item[end - unit..end].iter().all(|&b| b == 0) {
                end -= unit;
            }
            make(&item[..end])
        })
        .collect();
    if trimmed.iter().map(&len).max() == Some(n) {
        trimmed
    } else {
        c.chunks_exact(unit * n).map(make).collect()
    }
}

fn ucs4(b: &[u8]) -> String {
    b.chunks_exact(4)
        .map(|u| char::from_u32(u32::from_le_bytes(u.try_into().unwrap())).unwrap())
        .collect()
}

#[test]
fn every_producible_fixture_is_written_byte_exact() {
    let mut written = BTreeSet::new();
    let mut skipped = Vec::new();
    let mut forms = 0;
    for e in fixtures().iter().filter(|e| e["byte_exact"] == true) {
        let name = e["name"].as_str().unwrap();
        let h = Header::from_slice(&npy(name)).unwrap();
        if let Some(why) = not_producible(&h) {
            skipped.push((name.to_string(), why));
            continue;
        }
        let c = c_bin(name);
        forms += match &h.dtype {
            Dtype::Bool => write_all_forms(name, &h, c.iter().map(|&b| b != 0).collect()),
            Dtype::I8 => write_all_forms(name, &h, c.iter().map(|&b| b as i8).collect()),
            Dtype::U8 => write_all_forms(name, &h, c.clone()),
            Dtype::I16(_) => write_all_forms(name, &h, le_items(&c, i16::from_le_bytes)),
            Dtype::I32(_) => write_all_forms(name, &h, le_items(&c, i32::from_le_bytes)),
            Dtype::I64(_) => write_all_forms(name, &h, le_items(&c, i64::from_le_bytes)),
            Dtype::U16(_) => write_all_forms(name, &h, le_items(&c, u16::from_le_bytes)),
            Dtype::U32(_) => write_all_forms(name, &h, le_items(&c, u32::from_le_bytes)),
            Dtype::U64(_) => write_all_forms(name, &h, le_items(&c, u64::from_le_bytes)),
            Dtype::F16(_) => write_all_forms(
                name,
                &h,
                le_items(&c, |b| f16::from_bits(u16::from_le_bytes(b))),
            ),
            Dtype::F32(_) => write_all_forms(name, &h, le_items(&c, f32::from_le_bytes)),
            Dtype::F64(_) => write_all_forms(name, &h, le_items(&c, f64::from_le_bytes)),
            Dtype::C64(_) => write_all_forms(
                name,
                &h,
                le_items(&c, |b: [u8; 8]| Complex {
                    re: f32::from_le_bytes(b[..4].try_into().unwrap()),
                    im: f32::from_le_bytes(b[4..].try_into().unwrap()),
                }),
            ),
            Dtype::C128(_) => write_all_forms(
                name,
                &h,
                le_items(&c, |b: [u8; 16]| Complex {
                    re: f64::from_le_bytes(b[..8].try_into().unwrap()),
                    im: f64::from_le_bytes(b[8..].try_into().unwrap()),
                }),
            ),
            Dtype::Str(n, _) => write_all_forms(
                name,
                &h,
                widest(&c, 4, *n, |s: &String| s.chars().count(), ucs4),
            ),
            Dtype::Bytes(n) => write_all_forms(
                name,
                &h,
                widest(
                    &c,
                    1,
                    *n,
                    |b: &ByteBuf| b.len(),
                    |b| ByteBuf::from(b.to_vec()),
                ),
            ),
            other => panic!("{name}: {other} not handled"),
        };
        written.insert(name.to_string());
    }
    // The brief's minimum: the spec examples, every little-endian dtype 1-D
    // and 0-d, the interesting shapes and Fortran order in 2-D and 3-D.
    let required = [
        "e1",
        "e3",
        "e4",
        "e6",
        "e7",
        "e8",
        "dtype_b1",
        "dtype_b1_0d",
        "dtype_i1",
        "dtype_i1_0d",
        "dtype_u1",
        "dtype_u1_0d",
        "dtype_i2_le",
        "dtype_i2_le_0d",
        "dtype_u2_le",
        "dtype_u2_le_0d",
        "dtype_i4_le",
        "dtype_i4_le_0d",
        "dtype_u4_le",
        "dtype_u4_le_0d",
        "dtype_i8_le",
        "dtype_i8_le_0d",
        "dtype_u8_le",
        "dtype_u8_le_0d",
        "dtype_f2_le",
        "dtype_f2_le_0d",
        "dtype_f4_le",
        "dtype_f4_le_0d",
        "dtype_f8_le",
        "dtype_f8_le_0d",
        "dtype_c8_le",
        "dtype_c8_le_0d",
        "dtype_c16_le",
        "dtype_c16_le_0d",
        "dtype_bytes_s5",
        "dtype_bytes_s5_0d",
        "dtype_bytes_s1",
        "dtype_bytes_s1_0d",
        "dtype_str_u5_le",
        "dtype_str_u5_le_0d",
        "dtype_str_u1_le",
        "dtype_str_u1_le_0d",
        "str_s_nuls",
        "str_u_nonbmp_le",
        "str_u_2d",
        "int_extremes_i8_le",
        "int_extremes_u8_le",
        "float_specials_f2_le",
        "float_specials_f4_le",
        "float_specials_f8_le",
        "complex_specials_c8_le",
        "complex_specials_c16_le",
        "shape_0d_f8_le",
        "shape_0_f8_le",
        "shape_2x0x3_f8_le",
        "shape_3x0_f8_le",
        "shape_0x0_f8_le",
        "shape_2x3_f8_le",
        "shape_2x3x4_u1",
        "shape_2x1x2x1x2_f8_le",
        "shape_1000_u1",
        "shape_1x1000_u1_fortran_false",
        "fortran_2d_f8_le",
        "fortran_3d_i4_le",
        "fortran_2d_u1",
        "fortran_transpose_u1",
        "fortran_2d_c8",
        "fortran_2d_u4_strings",
        "fortran_row_vector_f4",
        "noncontig_strided_i2",
    ];
    let missing: Vec<_> = required.iter().filter(|r| !written.contains(**r)).collect();
    assert!(
        missing.is_empty(),
        "not written: {missing:?}; skipped: {skipped:?}"
    );
    assert!(
        forms > 2 * written.len(),
        "{forms} forms for {} fixtures",
        written.len()
    );
    // Everything skipped is skipped for a stated reason that holds.
    for (name, why) in &skipped {
        assert!(!why.is_empty(), "{name}");
    }
}

/// E2 is `>i8`, which the writer never produces; the little-endian array of
/// the same values differs from it in the order character only (all zeros).
#[test]
fn e2_differs_only_in_byte_order() {
    let want = npy("e2");
    let got = to_vec(&[[0i64; 3]; 2]).unwrap();
    assert_eq!(got.len(), want.len());
    let diffs: Vec<usize> = (0..got.len()).filter(|&i| got[i] != want[i]).collect();
    assert_eq!(diffs.len(), 1);
    assert_eq!((got[diffs[0]], want[diffs[0]]), (b'<', b'>'));
}

#[test]
fn spec_examples_from_literal_values() {
    assert_writes("e1", &vec![0f32, 1.0, 2.0]);
    assert_writes("e1", &[0f32, 1.0, 2.0]);
    assert_writes("e3", &f16::from_f32(1.5));
    assert_writes(
        "e4",
        &Fortran {
            shape: vec![2, 3],
            fortran_order: true,
            data: vec![0i32, 3, 1, 4, 2, 5],
        },
    );
    assert_writes("e5", &vec![Simple { x: 0.0, y: [0, 0] }; 2]);
    assert_writes("e6", &vec!["ab", "cdef"]);
    assert_writes("e6", &["ab".to_string(), "cdef".to_string()]);
    // The documented rule: an empty sequence is `<f8`, like np.array([]).
    assert_writes("e7", &Vec::<f64>::new());
    assert_writes("e7", &Vec::<u8>::new());
    assert_writes("e7", &Vec::<String>::new());
    assert_writes("e8", &[true, false, true]);
}

// ---------------------------------------------------------------------------
// Records

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Simple {
    x: f32,
    y: [u16; 2],
}

#[derive(Serialize, Deserialize)]
struct Abcd {
    a: f64,
    b: f64,
    c: f64,
    d: f64,
}

#[derive(Serialize, Deserialize)]
struct Row2d {
    id: i64,
    pos: [f32; 3],
    ok: bool,
}

#[derive(Serialize, Deserialize)]
struct Ab3 {
    a: u8,
    b: i16,
}

#[derive(Serialize, Deserialize)]
struct Inner {
    f: i16,
}
#[derive(Serialize, Deserialize)]
struct Middle {
    c: f64,
    d: [u8; 2],
    e: Inner,
}
#[derive(Serialize, Deserialize)]
struct Outer {
    a: i32,
    b: Middle,
}

#[derive(Serialize, Deserialize)]
struct Sub2d {
    m: [[f32; 3]; 2],
    k: i16,
}

#[derive(Serialize, Deserialize)]
struct Unnamed {
    a: i32,
    #[serde(rename = "")]
    unnamed: i32,
    b: i32,
}

#[derive(Serialize, Deserialize)]
struct Empty {}

#[derive(Serialize, Deserialize)]
struct Strings {
    name: ByteBuf,
    u: String,
    v: f64,
    flag: bool,
}

/// Values from the manifest: a record list deserializes into a derived
/// struct (serde structs accept their fields in order).
fn from_values<T: for<'de> Deserialize<'de>>(name: &str) -> T {
    serde_json::from_value(entry(name)["values"].clone()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn record_fixtures_from_derived_structs() {
    assert_writes(
        "struct_simple",
        &from_values::<Vec<Simple>>("struct_simple"),
    );
    assert_writes(
        "struct_simple_0d",
        &from_values::<Simple>("struct_simple_0d"),
    );
    assert_writes(
        "struct_simple_0d",
        &Simple {
            x: -1.25,
            y: [14, 51],
        },
    );
    assert_writes(
        "x1_growth_boundary",
        &from_values::<Vec<Abcd>>("x1_growth_boundary"),
    );
    assert_writes("struct_2d", &from_values::<Vec<Vec<Row2d>>>("struct_2d"));
    assert_writes("struct_3d", &from_values::<Vec<Vec<Vec<Ab3>>>>("struct_3d"));
    assert_writes("struct_3d", &from_values::<[[[Ab3; 2]; 2]; 2]>("struct_3d"));
    assert_writes("struct_nested", &from_values::<Vec<Outer>>("struct_nested"));
    assert_writes(
        "struct_subarray_2d",
        &from_values::<Vec<Sub2d>>("struct_subarray_2d"),
    );
    assert_writes(
        "struct_unnamed_field",
        &from_values::<Vec<Unnamed>>("struct_unnamed_field"),
    );
    assert_writes("struct_empty", &vec![Empty {}, Empty {}, Empty {}]);
    // Tuples mixing types are records named f0, f1, …
    assert_writes(
        "struct_tuple_names",
        &from_values::<Vec<(i32, f64, u8)>>("struct_tuple_names"),
    );
    assert_writes(
        "struct_tuple_names",
        &vec![(-53i32, 0.5f64, 21u8), (-16, 0.75, 58), (21, 1.0, 95)],
    );
    // `|S5` holding at most 2 bytes: the stored width comes from NUL padding,
    // which NumPy strips on read and the writer stores as it is given.
    let mut s: Vec<Strings> = from_values("struct_strings");
    for r in &mut s {
        r.name.resize(5, 0);
    }
    assert_writes("struct_strings", &s);
}

#[derive(Serialize)]
struct N {
    p: f32,
    q: u64,
}

#[derive(Serialize)]
struct Mixed {
    b: bool,
    i: i64,
    u: u16,
    h: f16,
    z: Complex<f64>,
    s: ByteBuf,
    w: String,
    sub: [i32; 2],
    n: N,
}

#[test]
fn mixed_record_with_every_kind() {
    let mixed = |b, i, u, h: f32, (re, im), s: &[u8], w: &str, sub, (p, q)| Mixed {
        b,
        i,
        u,
        h: f16::from_f32(h),
        z: Complex { re, im },
        s: ByteBuf::from(s.to_vec()),
        w: w.into(),
        sub,
        n: N { p, q },
    };
    let v = vec![
        mixed(
            false,
            -46,
            21,
            4.0,
            (5.75, -1.5),
            b"s42",
            "é4",
            [-4, 33],
            (12.75, 70),
        ),
        mixed(
            false,
            -9,
            58,
            4.25,
            (6.0, -0.5),
            b"s43",
            "é5",
            [-50, -13],
            (13.0, 107),
        ),
        mixed(
            true,
            28,
            95,
            4.5,
            (6.25, 0.5),
            b"s44",
            "é5",
            [24, -59],
            (13.25, 24),
        ),
    ];
    assert_writes("struct_mixed_le", &v);
}

#[test]
fn header_size_edges() {
    #[derive(Serialize, Deserialize)]
    struct Pad64 {
        #[serde(rename = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
        a: i16,
    }
    #[derive(Serialize, Deserialize)]
    struct Pad1 {
        #[serde(rename = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
        a: i16,
    }
    assert_writes("x2_pad64", &Pad64 { a: -2 });
    assert_writes("x2_pad1", &Pad1 { a: 7 });
    assert_eq!(to_vec(&Pad64 { a: -2 }).unwrap().len(), 192 + 2);
    assert_eq!(to_vec(&Pad1 { a: 7 }).unwrap().len(), 128 + 2);
}

/// A record with 4000 `<i4` fields `f0`…`f3999`: a format 2.0 header.
#[test]
fn v2_many_fields() {
    struct Wide(Vec<i32>);
    impl Serialize for Wide {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            thread_local! {
                static NAMES: Vec<&'static str> =
                    (0..4000).map(|i| &*Box::leak(format!("f{i}").into_boxed_str())).collect();
            }
            let mut st = s.serialize_struct("Wide", self.0.len())?;
            NAMES.with(|names| {
                for (v, name) in self.0.iter().zip(names) {
                    st.serialize_field(name, v)?;
                }
                Ok(())
            })?;
            st.end()
        }
    }
    let values: Vec<Vec<i32>> = from_values("v2_many_fields");
    assert_eq!(values[0].len(), 4000);
    let v: Vec<Wide> = values.into_iter().map(Wide).collect();
    assert_writes("v2_many_fields", &v);
    let bytes = to_vec(&v).unwrap();
    assert_eq!(&bytes[6..8], &[2, 0]);
}

#[test]
fn field_names_in_every_header_version() {
    #[derive(Serialize)]
    struct Cjk {
        #[serde(rename = "整")]
        zheng: i32,
    }
    assert_writes("v3_cjk_name", &vec![Cjk { zheng: -53 }]);
    #[derive(Serialize)]
    struct Emoji {
        #[serde(rename = "😀")]
        smile: f64,
        ok: u8,
    }
    assert_writes(
        "v3_emoji_name",
        &vec![
            Emoji {
                smile: -1.25,
                ok: 14,
            },
            Emoji {
                smile: -1.0,
                ok: 51,
            },
        ],
    );
    #[derive(Serialize, Deserialize)]
    struct Nei {
        #[serde(rename = "內")]
        nei: [i16; 2],
    }
    #[derive(Serialize, Deserialize)]
    struct Wai {
        #[serde(rename = "外")]
        wai: Nei,
    }
    assert_writes("v3_cjk_nested", &from_values::<Vec<Wai>>("v3_cjk_nested"));
    #[derive(Serialize)]
    struct Latin {
        #[serde(rename = "é")]
        e: i32,
    }
    assert_writes("v1_latin1_name", &vec![Latin { e: -53 }]);
    let b = to_vec(&vec![Latin { e: -53 }]).unwrap();
    assert_eq!(&b[6..8], &[1, 0]);
    assert!(
        b.windows(3).any(|w| w == b"(\'\xe9"),
        "é is one latin-1 byte"
    );
}

/// A datetime unit can be other than ASCII too: `μs` needs format 3.0, as
/// NumPy's `write_array` picks for a header that is not latin-1.
#[test]
fn non_ascii_datetime_unit_needs_format_3() {
    let dtype = Dtype::DateTime("μs".into(), ByteOrder::Little);
    let bytes = Header::new(dtype, vec![3], false).to_bytes();
    assert_eq!(&bytes[6..8], &[3, 0]);
    assert!(bytes.windows(2).any(|w| w == "μ".as_bytes()), "μ in UTF-8");
    // NumPy reads `μs` as `us`, and so does the parser.
    let back = Header::from_slice(&bytes).unwrap();
    assert_eq!(
        (back.dtype, back.shape),
        (Dtype::DateTime("us".into(), ByteOrder::Little), vec![3])
    );
    // A latin-1 unit stays format 1.0, one byte per character.
    let dtype = Dtype::DateTime("é".into(), ByteOrder::Little);
    let bytes = Header::new(dtype, vec![3], false).to_bytes();
    assert_eq!(&bytes[6..8], &[1, 0]);
    assert!(
        bytes.windows(2).any(|w| w == b"[\xe9"),
        "é is one latin-1 byte"
    );
}

/// Python-repr-escaped names: quotes, backslash, control characters, the
/// non-printable but latin-1 U+00A0 and the non-printable U+200B (both stay v1).
#[test]
fn escaped_field_names() {
    macro_rules! named {
        ($fixture:literal, $name:literal) => {{
            #[derive(Serialize)]
            struct R {
                #[serde(rename = $name)]
                first: i16,
                b: u8,
            }
            assert_writes(
                $fixture,
                &vec![R { first: -53, b: 14 }, R { first: -16, b: 51 }],
            );
        }};
    }
    named!("name_apostrophe", "it's");
    named!("name_both_quotes", "a'b\"c");
    named!("name_backslash", "back\\slash");
    named!("name_tab_newline", "t\tn\n");
    named!("name_del", "x\x7f");
    named!("name_nbsp", "\u{a0}nbsp");
    named!("name_zwsp", "z\u{200b}w");
    named!("name_space", "two words");
}

/// The same record through a tuple struct, a tuple, and a derived struct.
#[test]
fn records_from_tuples_and_tuple_structs() {
    #[derive(Serialize)]
    struct T(i32, f64, u8);
    let want = npy("struct_tuple_names");
    let a = to_vec(&vec![T(-53, 0.5, 21), T(-16, 0.75, 58), T(21, 1.0, 95)]).unwrap();
    assert!(a == want, "{}", diff_bytes(&a, &want));
}

// ---------------------------------------------------------------------------
// Writing errors

#[test]
fn unstorable_values_name_what_cannot_be_stored() {
    let msg = |r: Result<Vec<u8>, Error>| -> String {
        let e = r.unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Unsupported { .. }), "{e:?}");
        e.to_string()
    };
    let m = msg(to_vec(&vec![Some(1.0f64), None]));
    assert!(
        m.starts_with("cannot store an Option in a .npy array"),
        "{m}"
    );
    let m = msg(to_vec(&vec![None::<f64>, Some(1.0)]));
    assert!(m.contains("None") && m.contains("Option"), "{m}");
    #[derive(Serialize)]
    enum E {
        A,
        B(i32),
        C { x: i32 },
        D(i32, i32),
    }
    for v in [E::A, E::B(1), E::C { x: 1 }, E::D(1, 2)] {
        let m = msg(to_vec(&vec![v]));
        assert!(
            m.starts_with("cannot store an enum variant in a .npy array"),
            "{m}"
        );
    }
    let mut map = std::collections::BTreeMap::new();
    map.insert("a", 1);
    let m = msg(to_vec(&map));
    assert!(m.starts_with("cannot store a map in a .npy array"), "{m}");
    assert!(m.contains("struct"), "{m}");
    let m = msg(to_vec(&()));
    assert!(m.contains("unit"), "{m}");
    let m = msg(to_vec(&vec![(), ()]));
    assert!(m.contains("unit"), "{m}");
    #[derive(Serialize)]
    struct Unit;
    let m = msg(to_vec(&Unit));
    assert!(m.contains("unit struct"), "{m}");
    let m = msg(to_vec(&1i128));
    assert!(m.contains("i128"), "{m}");
    // Inside a record the field's value is what cannot be stored.
    #[derive(Serialize)]
    struct WithOpt {
        a: f32,
        b: Option<f32>,
    }
    let m = msg(to_vec(&vec![WithOpt {
        a: 1.0,
        b: Some(2.0),
    }]));
    assert!(m.contains("Option"), "{m}");
    // to_writer reports the same.
    let e = to_writer(Vec::new(), &vec![Some(1u8)]).unwrap_err();
    assert!(e.to_string().contains("Option"), "{e}");
}

#[test]
fn ragged_input_names_the_first_ragged_index() {
    let e = to_vec(&vec![vec![1.0f64, 2.0, 3.0], vec![4.0, 5.0]]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Ragged { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "ragged array: the sequence at index [1] has 2 elements, expected 3 like the first one"
    );
    // Longer, not shorter; and not at the second element.
    let e = to_vec(&vec![vec![1u8, 2], vec![3, 4], vec![5, 6, 7]]).unwrap_err();
    assert!(
        e.to_string()
            .contains("index [2] has 3 elements, expected 2"),
        "{e}"
    );
    // Deeper: the index of the inner sequence.
    let v = vec![vec![vec![1i32, 2], vec![3, 4]], vec![vec![5, 6], vec![7]]];
    let e = to_vec(&v).unwrap_err();
    assert!(
        e.to_string()
            .contains("index [1, 1] has 1 element, expected 2"),
        "{e}"
    );
    // Strings (variable width, planned in full) are checked the same way.
    let v = vec![vec!["a", "b"], vec!["c"]];
    let e = to_vec(&v).unwrap_err();
    assert!(e.to_string().contains("index [1]"), "{e}");
    // Ragged record subarrays.
    #[derive(Serialize)]
    struct R {
        v: Vec<i32>,
    }
    let e = to_vec(&vec![R { v: vec![1, 2] }, R { v: vec![3] }]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Ragged { .. }), "{e:?}");
    assert!(e.to_string().contains("[1]"), "{e}");
    // to_writer agrees.
    let e = to_writer(Vec::new(), &vec![vec![1.0f64, 2.0], vec![3.0]]).unwrap_err();
    assert!(e.to_string().contains("index [1]"), "{e}");
}

#[test]
fn mixed_element_types_are_an_error() {
    let v: Value = serde_json::json!([1.5, "x"]);
    let e = to_vec(&v).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::MixedTypes { .. }), "{e:?}");
    assert!(e.to_string().contains("index [1]"), "{e}");
    let v: Value = serde_json::json!([[1.5, 2.5], 3.5]);
    assert!(to_vec(&v).is_err());
}

#[test]
fn shape_and_data_must_agree() {
    let e = to_vec(&Shaped {
        shape: vec![2, 3],
        data: vec![0f64; 5],
    })
    .unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::ShapeDataMismatch {
                expected: 6,
                found: 5,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "shape (2, 3) needs 6 elements, but `data` has 5"
    );
    let e = to_vec(&Fortran {
        shape: vec![2, 2],
        fortran_order: true,
        data: vec![1u8; 5],
    })
    .unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::ShapeDataMismatch { .. }),
        "{e:?}"
    );
    let e = to_vec(&Shaped {
        shape: vec![],
        data: Vec::<f32>::new(),
    })
    .unwrap_err();
    assert!(e.to_string().contains("shape () needs 1 element,"), "{e}");
    // Data must be flat.
    let e = to_vec(&Shaped {
        shape: vec![2, 2],
        data: vec![[1u8, 2], [3, 4]],
    })
    .unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::ShapeDataMismatch { .. }),
        "{e:?}"
    );
}
