//! Reading NumPy's own files: every fixture of `tests/fixtures/manifest.json`
//! must parse to the header NumPy reports and give, through serde, exactly the
//! values NumPy holds (checked bit for bit against `NAME.c.bin`).

mod common;

use serde_npy::ErrorKind;
use std::io::{Cursor, Read};

use common::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use serde_json::Value;
use serde_npy::half::f16;
use serde_npy::{from_reader, from_slice, take_from_slice, ByteOrder, Dtype, Error, Header};

// ---------------------------------------------------------------------------
// Headers

#[test]
fn headers_match_manifest() {
    let mut fails = Failures::default();
    let all = fixtures();
    for e in &all {
        let name = e["name"].as_str().unwrap();
        let bytes = read_rel(e["file"].as_str().unwrap());
        fails.check(
            name,
            "file_len",
            bytes.len() as u64,
            e["file_len"].as_u64().unwrap(),
        );
        let h = match Header::from_slice(&bytes) {
            Ok(h) => h,
            Err(err) => {
                fails.push(name, format!("Header::from_slice: {err}"));
                continue;
            }
        };
        let loaded = e["loaded_descr"].as_str().unwrap();
        let descr = e["descr"].as_str().unwrap();
        if e["kind"] == "struct" {
            fails.check(name, "descr()", h.dtype.descr().as_str(), loaded);
            fails.check(name, "typestr()", h.dtype.typestr(), None);
            if e["byte_exact"] == true {
                // np.save output: the header text is the descr repr itself.
                fails.check(
                    name,
                    "descr() vs header text",
                    h.dtype.descr().as_str(),
                    descr,
                );
            }
        } else {
            fails.check(
                name,
                "typestr()",
                h.dtype.typestr().as_deref(),
                Some(loaded),
            );
            fails.check(name, "descr()", h.dtype.descr(), format!("'{loaded}'"));
            fails.check(name, "Display", h.dtype.to_string(), format!("'{loaded}'"));
            // A bare typestr parses to the same dtype as the header's descr.
            match loaded.parse::<Dtype>() {
                Ok(d) => fails.check(name, "FromStr", &d, &h.dtype),
                Err(err) => fails.push(name, format!("FromStr {loaded:?}: {err}")),
            }
        }
        fails.check(name, "shape", h.shape.clone(), shape_of(e));
        fails.check(
            name,
            "fortran_order",
            Value::Bool(h.fortran_order),
            e["fortran_order"].clone(),
        );
        let (major, minor) = h.version.bytes();
        fails.check(
            name,
            "version",
            serde_json::json!([major, minor]),
            e["version"].clone(),
        );
        fails.check(
            name,
            "data_offset",
            h.data_offset as u64,
            e["data_offset"].as_u64().unwrap(),
        );
        fails.check(
            name,
            "itemsize",
            h.dtype.itemsize() as u64,
            e["itemsize"].as_u64().unwrap(),
        );
        fails.check(
            name,
            "element_count",
            h.element_count().ok().map(|c| c as u64),
            e["count"].as_u64(),
        );
        fails.check(
            name,
            "data_len",
            h.data_len().ok().map(|c| c as u64),
            e["data_len"].as_u64(),
        );
        // The header length field agrees with the data offset.
        let width = if major == 1 { 2 } else { 4 };
        fails.check(
            name,
            "8 + width + header_len",
            (8 + width + e["header_len"].as_u64().unwrap()) as usize,
            h.data_offset,
        );
        // The same header from a reader, which stops at the first data byte.
        let mut cur = Cursor::new(&bytes[..]);
        match Header::from_reader(&mut cur) {
            Ok(h2) => {
                fails.check(name, "Header::from_reader", &h2, &h);
                fails.check(
                    name,
                    "reader position",
                    cur.position() as usize,
                    h.data_offset,
                );
            }
            Err(err) => fails.push(name, format!("Header::from_reader: {err}")),
        }
        match serde_npy::Deserializer::from_slice(&bytes) {
            Ok(de) => {
                fails.check(name, "Deserializer::header", de.header(), &h);
                fails.check(
                    name,
                    "data().len()",
                    de.data().len() as u64,
                    e["data_len"].as_u64().unwrap(),
                );
                fails.check(
                    name,
                    "rest().len() (trailing bytes)",
                    de.rest().len() as u64,
                    e["trailing_bytes"].as_u64().unwrap(),
                );
            }
            Err(err) => fails.push(name, format!("Deserializer::from_slice: {err}")),
        }
    }
    fails.finish(all.len());
}

/// Headers NumPy writes are reproduced byte for byte by `Header::to_bytes`.
#[test]
fn byte_exact_headers_rewrite_identically() {
    let mut fails = Failures::default();
    let mut n = 0;
    for e in fixtures().iter().filter(|e| e["byte_exact"] == true) {
        let name = e["name"].as_str().unwrap();
        let bytes = npy(name);
        let h = Header::from_slice(&bytes).unwrap();
        let again = Header::new(h.dtype.clone(), h.shape.clone(), h.fortran_order);
        fails.check(name, "Header::new", &again, &h);
        let pre = h.to_bytes();
        if pre[..] != bytes[..h.data_offset] {
            fails.push(name, diff_bytes(&pre, &bytes[..h.data_offset]));
        }
        n += 1;
    }
    fails.finish(n);
}

// ---------------------------------------------------------------------------
// Values as JSON (deserialize_any)

#[test]
fn every_fixture_reads_as_json_value() {
    let mut fails = Failures::default();
    let all = fixtures();
    for e in &all {
        let name = e["name"].as_str().unwrap();
        let bytes = read_rel(e["file"].as_str().unwrap());
        let h = Header::from_slice(&bytes).unwrap();
        let v: Value = match from_slice(&bytes) {
            Ok(v) => v,
            Err(err) => {
                fails.push(name, format!("from_slice::<Value>: {err}"));
                continue;
            }
        };
        if !e["values"].is_null() {
            let got = to_manifest_form(&v, &h.dtype);
            if !json_matches(&got, &e["values"]) {
                let (g, w) = (got.to_string(), e["values"].to_string());
                fails.push(name, format!("values: got {:.300} want {:.300}", g, w));
            }
        }
        // From a reader (owned data instead of borrowed): the same value.
        match from_reader::<_, Value>(Cursor::new(&bytes)) {
            Ok(v2) => fails.check(name, "from_reader::<Value>", &v2, &v),
            Err(err) => fails.push(name, format!("from_reader::<Value>: {err}")),
        }
    }
    fails.finish(all.len());
}

// ---------------------------------------------------------------------------
// Values through serde, bit for bit against `.c.bin`

/// Nested sequences (one per axis, Fortran files in logical C order), each
/// leaf read as the Rust type its dtype maps to; records as maps and as tuples.
#[test]
fn every_fixture_nested_matches_c_bin() {
    let mut fails = Failures::default();
    let all = fixtures();
    for e in &all {
        let name = e["name"].as_str().unwrap();
        let bytes = read_rel(e["file"].as_str().unwrap());
        let want = read_rel(e["c_bin"].as_str().unwrap());
        for records in [RecordAs::Map, RecordAs::Tuple] {
            let mut de = serde_npy::Deserializer::from_slice(&bytes).unwrap();
            let h = de.header().clone();
            let mut out = Vec::new();
            let seed = Nest {
                dims: &h.shape,
                leaf: ByDtype::new(&h.dtype, records),
                out: &mut out,
            };
            match serde::de::DeserializeSeed::deserialize(seed, &mut de) {
                Ok(()) if out == want => {}
                Ok(()) => fails.push(name, format!("{records:?}: {}", diff_bytes(&out, &want))),
                Err(err) => fails.push(name, format!("{records:?}: {err}")),
            }
        }
    }
    fails.finish(all.len());
}

/// The same through a top-level `shape` + `data` struct (flat C-order data),
/// and with a `fortran_order` field (flat data in file order).
#[test]
fn every_fixture_shaped_matches_c_bin() {
    let mut fails = Failures::default();
    let all = fixtures();
    for e in &all {
        let name = e["name"].as_str().unwrap();
        let bytes = read_rel(e["file"].as_str().unwrap());
        let c = read_rel(e["c_bin"].as_str().unwrap());
        let h = Header::from_slice(&bytes).unwrap();
        for with_fortran_field in [false, true] {
            let mut de = serde_npy::Deserializer::from_slice(&bytes).unwrap();
            let mut out = Vec::new();
            let seed = Shaped {
                leaf: ByDtype::new(&h.dtype, RecordAs::Map),
                with_fortran_field,
                out: &mut out,
            };
            let want = if with_fortran_field && h.fortran_order {
                c_to_fortran(&c, &h.shape, h.dtype.itemsize())
            } else {
                c.clone()
            };
            match serde::de::DeserializeSeed::deserialize(seed, &mut de) {
                Ok(info) => {
                    fails.check(name, "shape field", &info.shape, &h.shape);
                    let fo = with_fortran_field.then_some(h.fortran_order);
                    fails.check(name, "fortran_order field", info.fortran_order, fo);
                    if out != want {
                        fails.push(
                            name,
                            format!(
                                "fortran field {with_fortran_field}: {}",
                                diff_bytes(&out, &want)
                            ),
                        );
                    }
                }
                Err(err) => fails.push(name, format!("fortran field {with_fortran_field}: {err}")),
            }
        }
    }
    fails.finish(all.len());
}

/// How a typed read was made, the shape it reported, its `.c.bin` bytes.
type TypedRead = (&'static str, Vec<usize>, Vec<u8>);

#[derive(Deserialize)]
struct Arr<T> {
    shape: Vec<usize>,
    data: Vec<T>,
}

/// `Arr<T>` from a slice and from a reader, nested `T` sequences from a
/// slice: all re-encoded as `.c.bin` bytes.
fn typed_reads<T: DeserializeOwned + Encode>(
    bytes: &[u8],
    dtype: &Dtype,
) -> Result<Vec<TypedRead>, Error> {
    let mut res = Vec::new();
    let enc = |data: &[T]| {
        let mut out = Vec::new();
        for x in data {
            x.encode(dtype, &mut out);
        }
        out
    };
    let a: Arr<T> = from_slice(bytes)?;
    res.push(("Arr<T> from_slice", a.shape, enc(&a.data)));
    let a: Arr<T> = from_reader(Cursor::new(bytes))?;
    res.push(("Arr<T> from_reader", a.shape, enc(&a.data)));
    let mut de = serde_npy::Deserializer::from_slice(bytes)?;
    let shape = de.header().shape.clone();
    let mut out = Vec::new();
    serde::de::DeserializeSeed::deserialize(
        Nest {
            dims: &shape,
            leaf: Typed::<T>::new(dtype),
            out: &mut out,
        },
        &mut de,
    )?;
    res.push(("nested T", shape, out));
    Ok(res)
}

/// Every non-record fixture read into the Rust type of the mapping table:
/// bool, i8…u64, half::f16, f32, f64, (f32, f32) / (f64, f64) for complex,
/// i64 for datetime64/timedelta64, String for `U`, ByteBuf for `S`.
#[test]
fn every_fixture_typed_matches_c_bin() {
    let mut fails = Failures::default();
    let mut n = 0;
    for e in &fixtures() {
        let name = e["name"].as_str().unwrap();
        let bytes = read_rel(e["file"].as_str().unwrap());
        let want = read_rel(e["c_bin"].as_str().unwrap());
        let h = Header::from_slice(&bytes).unwrap();
        let d = &h.dtype;
        let got = match d {
            Dtype::Bool => typed_reads::<bool>(&bytes, d),
            Dtype::I8 => typed_reads::<i8>(&bytes, d),
            Dtype::U8 => typed_reads::<u8>(&bytes, d),
            Dtype::I16(_) => typed_reads::<i16>(&bytes, d),
            Dtype::I32(_) => typed_reads::<i32>(&bytes, d),
            Dtype::I64(_) | Dtype::DateTime(..) | Dtype::TimeDelta(..) => {
                typed_reads::<i64>(&bytes, d)
            }
            Dtype::U16(_) => typed_reads::<u16>(&bytes, d),
            Dtype::U32(_) => typed_reads::<u32>(&bytes, d),
            Dtype::U64(_) => typed_reads::<u64>(&bytes, d),
            Dtype::F16(_) => typed_reads::<f16>(&bytes, d),
            Dtype::F32(_) => typed_reads::<f32>(&bytes, d),
            Dtype::F64(_) => typed_reads::<f64>(&bytes, d),
            Dtype::C64(_) => typed_reads::<(f32, f32)>(&bytes, d),
            Dtype::C128(_) => typed_reads::<(f64, f64)>(&bytes, d),
            Dtype::Str(..) => typed_reads::<String>(&bytes, d),
            Dtype::Bytes(_) => typed_reads::<ByteBuf>(&bytes, d),
            Dtype::Record(_) => continue,
            other => {
                fails.push(name, format!("no typed reader for {other}"));
                continue;
            }
        };
        n += 1;
        match got {
            Ok(reads) => {
                for (how, shape, out) in reads {
                    fails.check(name, how, &shape, &h.shape);
                    if out != want {
                        fails.push(name, format!("{how}: {}", diff_bytes(&out, &want)));
                    }
                }
            }
            Err(err) => fails.push(name, err),
        }
    }
    fails.finish(n);
}

/// Complex numbers also read as `[f; 2]`, and `f2` data exactly as `f32`.
#[test]
fn alternative_element_types() {
    for name in ["dtype_c8_le", "dtype_c8_be", "complex_specials_c8_le"] {
        let pairs: Vec<[f32; 2]> = from_slice(&npy(name)).unwrap();
        let want = le_items(&c_bin(name), |b: [u8; 8]| {
            [
                u32::from_le_bytes(b[..4].try_into().unwrap()),
                u32::from_le_bytes(b[4..].try_into().unwrap()),
            ]
        });
        let got: Vec<[u32; 2]> = pairs
            .iter()
            .map(|p| [p[0].to_bits(), p[1].to_bits()])
            .collect();
        assert_eq!(got, want, "{name}");
    }
    for name in ["dtype_c16_le", "dtype_c16_be"] {
        let pairs: Vec<[f64; 2]> = from_slice(&npy(name)).unwrap();
        let want = le_items(&c_bin(name), |b: [u8; 16]| {
            [
                f64::from_le_bytes(b[..8].try_into().unwrap()),
                f64::from_le_bytes(b[8..].try_into().unwrap()),
            ]
        });
        assert_eq!(pairs, want, "{name}");
    }
    for name in [
        "dtype_f2_le",
        "dtype_f2_be",
        "float_specials_f2_le",
        "float_finite_f2_be",
    ] {
        let wide: Vec<f32> = from_slice(&npy(name)).unwrap();
        let want = le_items(&c_bin(name), |b: [u8; 2]| {
            f16::from_bits(u16::from_le_bytes(b))
        });
        assert_eq!(wide.len(), want.len());
        for (w, h) in wide.iter().zip(&want) {
            if h.is_nan() {
                assert!(w.is_nan(), "{name}: {w} for {h}");
            } else {
                assert_eq!(w.to_bits(), h.to_f32().to_bits(), "{name}");
            }
        }
    }
    // f4 read as f64 widens exactly.
    let wide: Vec<f64> = from_slice(&npy("dtype_f4_be")).unwrap();
    let want = le_items(&c_bin("dtype_f4_be"), |b: [u8; 4]| {
        f64::from(f32::from_le_bytes(b))
    });
    assert_eq!(wide, want);
}

/// NaN payloads and signed zeros survive the read (bits, not values).
#[test]
fn float_specials_keep_their_bits() {
    for (name, width) in [
        ("float_specials_f4_le", 4),
        ("float_specials_f4_be", 4),
        ("float_specials_f8_le", 8),
        ("float_specials_f8_be", 8),
    ] {
        let c = c_bin(name);
        let got: Vec<u64> = if width == 4 {
            from_slice::<Vec<f32>>(&npy(name))
                .unwrap()
                .iter()
                .map(|x| u64::from(x.to_bits()))
                .collect()
        } else {
            from_slice::<Vec<f64>>(&npy(name))
                .unwrap()
                .iter()
                .map(|x| x.to_bits())
                .collect()
        };
        let want: Vec<u64> = c
            .chunks_exact(width)
            .map(|b| {
                if width == 4 {
                    u64::from(u32::from_le_bytes(b.try_into().unwrap()))
                } else {
                    u64::from_le_bytes(b.try_into().unwrap())
                }
            })
            .collect();
        assert_eq!(got, want, "{name}");
        // The fixture really has several distinct NaN payloads and a -0.0.
        let nans = want
            .iter()
            .filter(|&&b| {
                if width == 4 {
                    f32::from_bits(b as u32).is_nan()
                } else {
                    f64::from_bits(b).is_nan()
                }
            })
            .collect::<std::collections::BTreeSet<_>>();
        assert!(nans.len() >= 2, "{name}: {nans:?}");
    }
    let h: Vec<f16> = from_slice(&npy("float_specials_f2_be")).unwrap();
    let want = le_items(&c_bin("float_specials_f2_be"), |b: [u8; 2]| {
        u16::from_le_bytes(b)
    });
    assert_eq!(h.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want);
}

// ---------------------------------------------------------------------------
// Typed structs for specific record fixtures

#[derive(Deserialize, Serialize, Debug, PartialEq, Clone)]
struct Simple {
    x: f32,
    y: [u16; 2],
}

#[test]
fn struct_simple_as_rust_structs() {
    let v: Vec<Simple> = from_slice(&npy("struct_simple")).unwrap();
    assert_eq!(v.len(), 3);
    assert_eq!(
        v[0],
        Simple {
            x: -1.25,
            y: [14, 51]
        }
    );
    assert_eq!(
        v[1],
        Simple {
            x: -1.0,
            y: [88, 5]
        }
    );
    let zero_d: Simple = from_slice(&npy("struct_simple_0d")).unwrap();
    assert_eq!(
        zero_d,
        Simple {
            x: -1.25,
            y: [14, 51]
        }
    );
    let empty: Vec<Simple> = from_slice(&npy("struct_simple_empty")).unwrap();
    assert!(empty.is_empty());
    let e5: Vec<Simple> = from_slice(&npy("e5")).unwrap();
    assert_eq!(e5, vec![Simple { x: 0.0, y: [0, 0] }; 2]);
    // A record also reads as a tuple of its fields, in order.
    let t: Vec<(f32, Vec<u16>)> = from_slice(&npy("struct_simple")).unwrap();
    assert_eq!(t[0], (-1.25, vec![14, 51]));
}

#[derive(Deserialize, Debug, PartialEq)]
struct Row2d {
    id: i64,
    pos: [f32; 3],
    ok: bool,
}

#[derive(Deserialize, Debug, PartialEq)]
struct Inner {
    f: i16,
}
#[derive(Deserialize, Debug, PartialEq)]
struct Middle {
    c: f64,
    d: [u8; 2],
    e: Inner,
}
#[derive(Deserialize, Debug, PartialEq)]
struct Outer {
    a: i32,
    b: Middle,
}

#[derive(Deserialize, Debug, PartialEq)]
struct Strings {
    name: ByteBuf,
    u: String,
    v: f64,
    flag: bool,
}

#[derive(Deserialize, Debug, PartialEq)]
struct Cplx(f64, f64);

#[derive(Deserialize, Debug, PartialEq)]
struct N {
    p: f32,
    q: u64,
}

#[derive(Deserialize, Debug, PartialEq)]
struct Mixed {
    b: bool,
    i: i64,
    u: u16,
    h: f16,
    z: Cplx,
    s: ByteBuf,
    w: String,
    sub: [i32; 2],
    n: N,
}

#[test]
fn record_fixtures_as_rust_structs() {
    let rows: Vec<Vec<Row2d>> = from_slice(&npy("struct_2d")).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0][0],
        Row2d {
            id: -53,
            pos: [0.5, 0.75, 1.0],
            ok: true
        }
    );
    assert_eq!(
        rows[1][2],
        Row2d {
            id: 12,
            pos: [4.25, 4.5, 4.75],
            ok: false
        }
    );

    let nested: Vec<Outer> = from_slice(&npy("struct_nested")).unwrap();
    assert_eq!(
        nested,
        vec![
            Outer {
                a: -53,
                b: Middle {
                    c: 0.5,
                    d: [21, 58],
                    e: Inner { f: -32 }
                }
            },
            Outer {
                a: -16,
                b: Middle {
                    c: 0.75,
                    d: [95, 12],
                    e: Inner { f: 5 }
                }
            },
        ]
    );

    let s: Vec<Strings> = from_slice(&npy("struct_strings")).unwrap();
    assert_eq!(
        s[0],
        Strings {
            name: ByteBuf::from(b"s7".to_vec()),
            u: "é14".into(),
            v: 2.25,
            flag: false
        }
    );
    assert!(s[2].flag);

    let tuples: Vec<(i32, f64, u8)> = from_slice(&npy("struct_tuple_names")).unwrap();
    assert_eq!(tuples, vec![(-53, 0.5, 21), (-16, 0.75, 58), (21, 1.0, 95)]);

    // Padding is skipped; titles do not change the field names.
    #[derive(Deserialize, Debug, PartialEq)]
    struct AB {
        a: i32,
        b: i32,
    }
    for name in ["struct_offsets_gap", "struct_offsets_tail", "struct_titles"] {
        let v: Vec<AB> = from_slice(&npy(name)).unwrap();
        assert_eq!(
            v,
            vec![AB { a: -53, b: -46 }, AB { a: -16, b: -9 }],
            "{name}"
        );
    }
    let aligned: Vec<(i8, i32, i8)> = from_slice(&npy("struct_aligned")).unwrap();
    assert_eq!(aligned, vec![(-53, -46, -39), (-16, -9, -2)]);
    let aligned_be: Vec<(i16, f64, u8)> = from_slice(&npy("struct_aligned_be")).unwrap();
    assert_eq!(aligned_be, vec![(-53, 0.5, 21), (-16, 0.75, 58)]);

    // Mixed records, little- and big-endian, read to equal values.
    let le: Vec<Mixed> = from_slice(&npy("struct_mixed_le")).unwrap();
    let be: Vec<Mixed> = from_slice(&npy("struct_mixed_be")).unwrap();
    assert_eq!(le, be);
    assert_eq!(le[0].z, Cplx(5.75, -1.5));
    assert_eq!(le[0].s.as_slice(), b"s42");
    let be2: Vec<Vec<Mixed>> = from_slice(&npy("struct_mixed_be_2d")).unwrap();
    assert_eq!(be2.len(), 2);

    // Field names outside ASCII, in format 3.0 and 1.0 headers.
    #[derive(Deserialize, Debug, PartialEq)]
    struct Cjk {
        #[serde(rename = "整")]
        zheng: i32,
    }
    let v: Vec<Cjk> = from_slice(&npy("v3_cjk_name")).unwrap();
    assert_eq!(v, vec![Cjk { zheng: -53 }]);
    #[derive(Deserialize, Debug, PartialEq)]
    struct Latin {
        #[serde(rename = "é")]
        e: i32,
    }
    let v: Vec<Latin> = from_slice(&npy("v1_latin1_name")).unwrap();
    assert_eq!(v, vec![Latin { e: -53 }]);
    #[derive(Deserialize, Debug, PartialEq)]
    struct Emoji {
        #[serde(rename = "😀")]
        smile: f64,
        ok: u8,
    }
    let v: Vec<Emoji> = from_slice(&npy("v3_emoji_name")).unwrap();
    assert_eq!(
        v,
        vec![
            Emoji {
                smile: -1.25,
                ok: 14
            },
            Emoji {
                smile: -1.0,
                ok: 51
            }
        ]
    );

    // A Fortran-order record array comes out in logical order.
    #[derive(Deserialize, Debug, PartialEq)]
    struct FS {
        a: i16,
        b: f32,
    }
    let f: Vec<Vec<FS>> = from_slice(&npy("fortran_2d_struct")).unwrap();
    let want = &entry("fortran_2d_struct")["values"];
    for (i, row) in f.iter().enumerate() {
        for (j, r) in row.iter().enumerate() {
            assert_eq!(f64::from(r.a), want[i][j][0].as_f64().unwrap());
            assert_eq!(f64::from(r.b), want[i][j][1].as_f64().unwrap());
        }
    }
}

/// Names that the header spells with Python escapes read back as the real names.
#[test]
fn escaped_field_names_read_back() {
    for (name, field) in [
        ("name_apostrophe", "it's"),
        ("name_both_quotes", "a'b\"c"),
        ("name_backslash", "back\\slash"),
        ("name_tab_newline", "t\tn\n"),
        ("name_del", "x\x7f"),
        ("name_nbsp", "\u{a0}nbsp"),
        ("name_zwsp", "z\u{200b}w"),
        ("name_space", "two words"),
    ] {
        let h = Header::from_slice(&npy(name)).unwrap();
        let Dtype::Record(r) = &h.dtype else {
            panic!("{name}")
        };
        assert_eq!(r.fields()[0].name, field, "{name}");
        let v: Vec<Value> = from_slice(&npy(name)).unwrap();
        assert_eq!(v[0][field], -53, "{name}");
    }
}

// ---------------------------------------------------------------------------
// Borrowing from the input

#[test]
fn borrowed_strings_and_bytes() {
    let bytes = npy("dtype_bytes_s5");
    let s: Vec<&str> = from_slice(&bytes).unwrap();
    assert_eq!(s, ["abc", "", "a\0b", "hello", "x"]);
    let b: Vec<&serde_bytes::Bytes> = from_slice(&bytes).unwrap();
    assert_eq!(b[3].as_ref(), b"hello");
    // A u1 array reads as one borrowed byte run.
    let bytes = npy("shape_5_u1");
    let run: &serde_bytes::Bytes = from_slice(&bytes).unwrap();
    assert_eq!(run.as_ref(), &c_bin("shape_5_u1")[..]);
    let buf: ByteBuf = from_slice(&bytes).unwrap();
    assert_eq!(buf.as_slice(), &c_bin("shape_5_u1")[..]);
    // S data is a sequence of bytes too.
    let v: Vec<Vec<u8>> = from_slice(&npy("str_s_nuls")).unwrap();
    assert_eq!(
        v,
        vec![
            b"a\0b".to_vec(),
            vec![],
            b"\0abc".to_vec(),
            b"abcd".to_vec()
        ]
    );
}

// ---------------------------------------------------------------------------
// Shapes and dimensionality

#[test]
fn dimensionality_errors() {
    let e2 = npy("shape_2x3_f8_le");
    let err = from_slice::<Vec<f64>>(&e2).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Dimension { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "expected 1-D, found shape (2, 3) (file dtype '<f8')"
    );
    let err = from_slice::<f64>(&e2).unwrap_err();
    assert!(err.to_string().contains("found shape (2, 3)"), "{err}");
    let err = from_slice::<Vec<Vec<Vec<f64>>>>(&e2).unwrap_err();
    assert!(err.to_string().contains("found shape (2, 3)"), "{err}");
    // A 0-d file is a single value, not a sequence.
    let err = from_slice::<Vec<f64>>(&npy("shape_0d_f8_le")).unwrap_err();
    assert!(err.to_string().contains("found shape ()"), "{err}");
    assert_eq!(from_slice::<f64>(&npy("shape_0d_f8_le")).unwrap(), -1.0);
    // Fixed-size arrays of the right shape read, Fortran files in logical order.
    let a: [[i32; 3]; 2] = from_slice(&npy("e4")).unwrap();
    assert_eq!(a, [[0, 1, 2], [3, 4, 5]]);
    let a: [[u8; 3]; 2] = from_slice(&npy("fortran_transpose_u1")).unwrap();
    assert_eq!(a, [[0, 2, 4], [1, 3, 5]]);
    let a: Vec<[[i32; 4]; 3]> = from_slice(&npy("fortran_3d_i4_be")).unwrap();
    assert_eq!(a[1][2][3], 13);
    // Empty shapes.
    let v: Vec<Vec<Vec<f64>>> = from_slice(&npy("shape_2x0x3_f8_le")).unwrap();
    assert_eq!(v, vec![Vec::<Vec<f64>>::new(); 2]);
    let v: Vec<Vec<u8>> = from_slice(&npy("shape_0x0_u1")).unwrap();
    assert!(v.is_empty());
}

#[test]
fn type_mismatch_errors_are_errors() {
    let bytes = npy("dtype_f4_le");
    assert!(from_slice::<Vec<String>>(&bytes).is_err());
    assert!(from_slice::<Vec<bool>>(&bytes).is_err());
    assert!(from_slice::<Vec<Simple>>(&bytes).is_err());
    assert!(from_slice::<Vec<Option<f32>>>(&bytes).is_ok());
    let err = from_slice::<Vec<i8>>(&npy("dtype_i4_le")).unwrap_err();
    assert!(!err.to_string().is_empty());
}

// ---------------------------------------------------------------------------
// Streams and trailing bytes

#[derive(Deserialize, Debug, PartialEq)]
struct Arr2<T> {
    shape: Vec<usize>,
    data: Vec<T>,
}

#[test]
fn stream_of_arrays_from_reader() {
    let m = manifest();
    let s = &m["streams"][0];
    assert_eq!(s["name"], "two_arrays");
    let bytes = read_rel(s["file"].as_str().unwrap());
    let parts = s["stream"].as_array().unwrap();
    let mut cur = Cursor::new(&bytes[..]);

    let a: Vec<[f64; 2]> = from_reader(&mut cur).unwrap();
    assert_eq!(a, [[0.0, 0.5], [1.0, 1.5]]);
    assert_eq!(cur.position(), parts[0]["end"].as_u64().unwrap());
    let b: Vec<String> = from_reader(&mut cur).unwrap();
    assert_eq!(b, ["x", "😀z"]);
    assert_eq!(cur.position(), parts[1]["end"].as_u64().unwrap());
    let c: Arr2<i16> = from_reader(&mut cur).unwrap();
    assert_eq!(
        c,
        Arr2 {
            shape: vec![0, 3],
            data: vec![]
        }
    );
    assert_eq!(cur.position(), bytes.len() as u64);
    // Nothing left: the next read is an end-of-input error, not a panic.
    let err = from_reader::<_, Value>(&mut cur).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::UnexpectedEof { .. }),
        "{err:?}"
    );

    // Each part matches its .c.bin.
    let mut cur = Cursor::new(&bytes[..]);
    for p in parts {
        let want = read_rel(p["c_bin"].as_str().unwrap());
        let h = Header::from_reader(&mut cur).unwrap();
        assert_eq!(
            h.dtype.descr(),
            format!("'{}'", p["descr"].as_str().unwrap())
        );
        assert_eq!(
            h.data_offset as u64,
            p["data_offset"].as_u64().unwrap() - p["start"].as_u64().unwrap()
        );
        let mut data = vec![0; h.data_len().unwrap()];
        cur.read_exact(&mut data).unwrap();
        let mut file = Vec::new();
        file.extend_from_slice(
            &bytes[p["start"].as_u64().unwrap() as usize..p["end"].as_u64().unwrap() as usize],
        );
        let mut out = Vec::new();
        let mut de = serde_npy::Deserializer::from_slice(&file).unwrap();
        serde::de::DeserializeSeed::deserialize(
            Nest {
                dims: &h.shape,
                leaf: ByDtype::new(&h.dtype, RecordAs::Map),
                out: &mut out,
            },
            &mut de,
        )
        .unwrap();
        assert_eq!(out, want, "{}", p["name"]);
    }
}

#[test]
fn stream_of_arrays_take_from_slice() {
    let bytes = npy("two_arrays");
    let (a, rest): (Vec<Vec<f64>>, _) = take_from_slice(&bytes).unwrap();
    assert_eq!(a, vec![vec![0.0, 0.5], vec![1.0, 1.5]]);
    assert_eq!(rest.len(), bytes.len() - 160);
    let (b, rest): (Vec<String>, _) = take_from_slice(rest).unwrap();
    assert_eq!(b, ["x", "😀z"]);
    assert_eq!(rest.len(), bytes.len() - 304);
    let (c, rest): (Vec<Vec<i16>>, _) = take_from_slice(rest).unwrap();
    assert!(c.is_empty());
    assert!(rest.is_empty());
    // Borrowed values can come from any array in the stream.
    let (_, rest): (Value, _) = take_from_slice(&bytes).unwrap();
    let (j, _): (Value, _) = take_from_slice(rest).unwrap();
    assert_eq!(j, serde_json::json!(["x", "😀z"]));
}

#[test]
fn trailing_bytes_are_left_alone() {
    let bytes = npy("trailing_junk");
    let v: Vec<i32> = from_slice(&bytes).unwrap();
    assert_eq!(v, [0, 1, 2, 3]);
    let (_, rest): (Vec<i32>, _) = take_from_slice(&bytes).unwrap();
    assert_eq!(rest.len(), 12);
    assert_eq!(rest, &bytes[bytes.len() - 12..]);
    let mut cur = Cursor::new(&bytes[..]);
    let v: Vec<i32> = from_reader(&mut cur).unwrap();
    assert_eq!(v, [0, 1, 2, 3]);
    assert_eq!(cur.position() as usize, bytes.len() - 12);
}

/// A reader that hands out one byte per call still reads every fixture.
#[test]
fn short_reads() {
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }
    let mut n = 0;
    for e in fixtures().iter().filter(|e| e["category"] != "versions") {
        let bytes = read_rel(e["file"].as_str().unwrap());
        let want: Value = from_slice(&bytes).unwrap();
        let got: Value = from_reader(Trickle(&bytes)).unwrap();
        assert_eq!(got, want, "{}", e["name"]);
        n += 1;
    }
    assert!(n > 100);
}

// ---------------------------------------------------------------------------
// Handmade headers that NumPy accepts

#[test]
fn handmade_headers_read_like_numpy() {
    for e in fixtures().iter().filter(|e| e["category"] == "handmade") {
        let name = e["name"].as_str().unwrap();
        let bytes = npy(name);
        let h = Header::from_slice(&bytes).unwrap();
        if e["kind"] == "f4" && h.shape == [3] {
            let v: Vec<f32> = match from_slice(&bytes) {
                Ok(v) => v,
                Err(err) => panic!("{name}: {err}"),
            };
            assert_eq!(v, [1.5, -2.0, 3.25], "{name}");
        }
    }
    // '|i2', '=i4' and 'i4' mean native order; this machine is little-endian
    // like the one that made the fixtures.
    let h = Header::from_slice(&npy("hm_descr_pipe_i2")).unwrap();
    assert_eq!(h.dtype, Dtype::I16(ByteOrder::NATIVE));
    let h = Header::from_slice(&npy("hm_descr_gt_b1")).unwrap();
    assert_eq!(h.dtype, Dtype::Bool);
    let v: f32 = from_slice(&npy("hm_fortran_0d_true")).unwrap();
    assert_eq!(v, 1.5);
}
