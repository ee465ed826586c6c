//! Every row of the README's mapping tables, both directions: a Rust value is
//! written with the documented dtype and shape and reads back equal; a file
//! reads into the documented Rust values and writes back to the same bytes.

mod common;

use serde_npy::ErrorKind;
use std::collections::BTreeMap;
use std::fmt::Debug;

use common::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use serde_json::{json, Value};
use serde_npy::half::f16;
use serde_npy::{from_slice, to_vec, to_writer, ByteOrder, Complex, Dtype, Header, Serializer};

/// Writes `value` three ways (to_vec, to_writer, Serializer), which must
/// agree, and returns the bytes with their header.
#[track_caller]
fn write<T: Serialize + ?Sized>(value: &T) -> (Vec<u8>, Header) {
    let bytes = to_vec(value).unwrap_or_else(|e| panic!("to_vec: {e}"));
    let mut streamed = Vec::new();
    to_writer(&mut streamed, value).unwrap();
    assert!(
        streamed == bytes,
        "to_writer differs: {}",
        diff_bytes(&streamed, &bytes)
    );
    let mut driven = Vec::new();
    Serializer::new(&mut driven).serialize(value).unwrap();
    assert!(driven == bytes, "Serializer differs");
    let h = Header::from_slice(&bytes).unwrap();
    assert_eq!(h.data_offset % 64, 0);
    assert_eq!(bytes.len(), h.data_offset + h.data_len().unwrap());
    (bytes, h)
}

/// Writes `value`, checks its descr and shape, reads it back as `T` and
/// checks it equals; returns the bytes.
#[track_caller]
fn round_trip<T>(value: &T, descr: &str, shape: &[usize]) -> Vec<u8>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let (bytes, h) = write(value);
    assert_eq!(h.dtype.descr(), descr, "descr of {value:?}");
    assert_eq!(h.shape, shape, "shape of {value:?}");
    assert!(!h.fortran_order);
    let back: T = from_slice(&bytes).unwrap_or_else(|e| panic!("reading {value:?} back: {e}"));
    assert_eq!(&back, value);
    let back: T = serde_npy::from_reader(&bytes[..]).unwrap();
    assert_eq!(&back, value);
    // Reading then writing again gives the same bytes.
    assert_eq!(to_vec(&back).unwrap(), bytes);
    bytes
}

// ---------------------------------------------------------------------------
// Writing table

#[test]
fn row_scalars_are_0d_arrays() {
    round_trip(&true, "'|b1'", &[]);
    round_trip(&-5i8, "'|i1'", &[]);
    round_trip(&-500i16, "'<i2'", &[]);
    round_trip(&-70_000i32, "'<i4'", &[]);
    round_trip(&i64::MIN, "'<i8'", &[]);
    round_trip(&200u8, "'|u1'", &[]);
    round_trip(&u16::MAX, "'<u2'", &[]);
    round_trip(&4_000_000_000u32, "'<u4'", &[]);
    round_trip(&u64::MAX, "'<u8'", &[]);
    round_trip(&1.5f32, "'<f4'", &[]);
    round_trip(&-0.0f64, "'<f8'", &[]);
    // Bits survive: NaN payloads, signed zero, infinities, subnormals.
    for bits in [
        0x7ff8_0000_0000_0001u64,
        0xfff0_0000_0000_0000,
        0x8000_0000_0000_0000,
        1,
    ] {
        let (b, _) = write(&f64::from_bits(bits));
        assert_eq!(from_slice::<f64>(&b).unwrap().to_bits(), bits);
    }
    for bits in [0x7fc0_0001u32, 0xff80_0000, 0x8000_0000, 1] {
        let (b, _) = write(&vec![f32::from_bits(bits)]);
        assert_eq!(from_slice::<Vec<f32>>(&b).unwrap()[0].to_bits(), bits);
    }
}

#[test]
fn row_f16() {
    let v = vec![
        f16::from_f32(1.5),
        f16::NEG_INFINITY,
        f16::from_bits(0x7e01),
        f16::MIN_POSITIVE_SUBNORMAL,
    ];
    let (b, h) = write(&v);
    assert_eq!(h.dtype, Dtype::F16(ByteOrder::Little));
    let back: Vec<f16> = from_slice(&b).unwrap();
    assert_eq!(
        back.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        v.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
    // `<f2` reads as f32 exactly.
    let wide: Vec<f32> = from_slice(&b).unwrap();
    assert_eq!(wide[0], 1.5);
    assert_eq!(wide[3], f16::MIN_POSITIVE_SUBNORMAL.to_f32());
    round_trip(&f16::from_f32(-2.25), "'<f2'", &[]);
}

#[test]
fn row_complex() {
    let z32 = vec![
        Complex {
            re: 1.0f32,
            im: -2.0,
        },
        Complex {
            re: f32::NAN,
            im: 0.5,
        },
    ];
    let (b, h) = write(&z32);
    assert_eq!(h.dtype.descr(), "'<c8'");
    let back: Vec<Complex<f32>> = from_slice(&b).unwrap();
    assert_eq!(back[0], z32[0]);
    assert!(back[1].re.is_nan());
    round_trip(
        &vec![
            Complex {
                re: 1.0f64,
                im: -2.0
            };
            3
        ],
        "'<c16'",
        &[3],
    );
    round_trip(
        &Complex {
            re: 0.25f64,
            im: 4.0,
        },
        "'<c16'",
        &[],
    );
    // Complex files read into pairs, arrays and num_complex too.
    let b = to_vec(&vec![Complex {
        re: 1.0f64,
        im: -2.0,
    }])
    .unwrap();
    assert_eq!(from_slice::<Vec<(f64, f64)>>(&b).unwrap(), [(1.0, -2.0)]);
    assert_eq!(from_slice::<Vec<[f64; 2]>>(&b).unwrap(), [[1.0, -2.0]]);
    assert_eq!(
        from_slice::<Vec<num_complex::Complex<f64>>>(&b).unwrap(),
        [num_complex::Complex::new(1.0, -2.0)]
    );
    // A bare pair is an axis, not a complex number (serde cannot tell them apart).
    let (_, h) = write(&vec![num_complex::Complex::new(1.0f64, -2.0)]);
    assert_eq!(
        (h.dtype.descr().as_str(), h.shape.as_slice()),
        ("'<f8'", &[1, 2][..])
    );
    // Complex in a record.
    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Z {
        z: Complex<f32>,
        k: u8,
    }
    round_trip(
        &vec![Z {
            z: Complex { re: 1.0, im: 2.0 },
            k: 3,
        }],
        "[('z', '<c8'), ('k', '|u1')]",
        &[1],
    );
}

#[test]
fn row_strings() {
    round_trip(
        &vec!["ab".to_string(), "cdef".to_string(), String::new()],
        "'<U4'",
        &[3],
    );
    round_trip(&"整數😀".to_string(), "'<U3'", &[]);
    round_trip(&'é', "'<U1'", &[]);
    round_trip(&vec!['a', '😀'], "'<U1'", &[2]);
    // At least one character, like NumPy.
    round_trip(&vec![String::new(), String::new()], "'<U1'", &[2]);
    round_trip(&String::new(), "'<U1'", &[]);
    // &str writes like String.
    let (b, _) = write(&["x", "yz"]);
    assert_eq!(b, to_vec(&vec!["x".to_string(), "yz".to_string()]).unwrap());
    // Embedded NULs stay; trailing ones are padding, as in NumPy.
    round_trip(&vec!["a\0b".to_string()], "'<U3'", &[1]);
}

#[test]
fn row_bytes() {
    round_trip(
        &vec![
            ByteBuf::from(b"abc".to_vec()),
            ByteBuf::from(vec![0xff, 0, 1]),
            ByteBuf::new(),
        ],
        "'|S3'",
        &[3],
    );
    let back: Vec<ByteBuf> =
        from_slice(&to_vec(&vec![ByteBuf::from(vec![1u8, 0, 0])]).unwrap()).unwrap();
    assert_eq!(back[0].as_slice(), [1], "trailing NULs are padding");
    round_trip(&ByteBuf::from(b"hello".to_vec()), "'|S5'", &[]);
    round_trip(&ByteBuf::new(), "'|S1'", &[]);
    // `#[serde(with = "serde_bytes")]` on a Vec<u8> field.
    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct R {
        #[serde(with = "serde_bytes")]
        raw: Vec<u8>,
        n: i32,
    }
    round_trip(
        &vec![
            R {
                raw: b"xy".to_vec(),
                n: 1,
            },
            R {
                raw: b"z".to_vec(),
                n: 2,
            },
        ],
        "[('raw', '|S2'), ('n', '<i4')]",
        &[2],
    );
    // Borrowed bytes and str from `S` data.
    let b = to_vec(&vec![serde_bytes::Bytes::new(b"ok")]).unwrap();
    let back: Vec<&serde_bytes::Bytes> = from_slice(&b).unwrap();
    assert_eq!(back[0].as_ref(), b"ok");
    let back: Vec<&str> = from_slice(&b).unwrap();
    assert_eq!(back, ["ok"]);
}

#[test]
fn row_sequences_are_1d() {
    round_trip(&vec![1u16, 2, 3], "'<u2'", &[3]);
    round_trip(&[1.0f32, 2.0], "'<f4'", &[2]);
    round_trip(&vec![true], "'|b1'", &[1]);
    let (b, _) = write(&[7i64, 8, 9][..]);
    assert_eq!(b, to_vec(&vec![7i64, 8, 9]).unwrap());
    // u8 sequences are numbers, not bytes.
    round_trip(&vec![1u8, 2, 3], "'|u1'", &[3]);
    let long: Vec<u32> = (0..100_000).collect();
    round_trip(&long, "'<u4'", &[100_000]);
}

#[test]
fn row_nested_sequences_are_nd() {
    round_trip(&vec![vec![1i32, 2, 3], vec![4, 5, 6]], "'<i4'", &[2, 3]);
    round_trip(&[[1.0f64; 3]; 4], "'<f8'", &[4, 3]);
    round_trip(&vec![[1.0f32, 2.0, 3.0]; 2], "'<f4'", &[2, 3]);
    round_trip(&vec![vec![vec![1u8; 4]; 3]; 2], "'|u1'", &[2, 3, 4]);
    round_trip(
        &vec![vec!["a".to_string(), "bcd".to_string()]],
        "'<U3'",
        &[1, 2],
    );
    // Nested through 5 levels of mixed Vec and arrays.
    round_trip(
        &vec![[vec![[[1i16, 2]]; 2]; 1]; 2],
        "'<i2'",
        &[2, 1, 2, 1, 2],
    );
    // Ragged input is an error (message checked in write_numpy.rs).
    assert!(matches!(
        to_vec(&vec![vec![1u8], vec![]])
            .as_ref()
            .map_err(serde_npy::Error::kind),
        Err(ErrorKind::Ragged { .. })
    ));
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Shaped<T> {
    shape: Vec<usize>,
    data: Vec<T>,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct FortranShaped<T> {
    shape: Vec<usize>,
    fortran_order: bool,
    data: Vec<T>,
}

#[test]
fn row_shape_and_data() {
    let m = Shaped {
        shape: vec![2, 3],
        data: vec![1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0],
    };
    let b = round_trip(&m, "'<f8'", &[2, 3]);
    assert_eq!(
        b,
        to_vec(&vec![vec![1.0f64, 2.0, 3.0], vec![4.0, 5.0, 6.0]]).unwrap()
    );
    round_trip(
        &Shaped {
            shape: vec![],
            data: vec![7u8],
        },
        "'|u1'",
        &[],
    );
    round_trip(
        &Shaped {
            shape: vec![2, 0, 3],
            data: Vec::<f64>::new(),
        },
        "'<f8'",
        &[2, 0, 3],
    );
    round_trip(
        &Shaped {
            shape: vec![2, 2],
            data: vec!["a".to_string(), "b".into(), "c".into(), "dd".into()],
        },
        "'<U2'",
        &[2, 2],
    );
    // shape as an array or a tuple, usize or u32 dims.
    #[derive(Serialize)]
    struct S2 {
        shape: [u32; 2],
        data: Vec<i8>,
    }
    let (b2, h) = write(&S2 {
        shape: [2, 1],
        data: vec![1, 2],
    });
    assert_eq!(h.shape, [2, 1]);
    assert_eq!(b2, to_vec(&vec![[1i8], [2]]).unwrap());

    // Fortran order: data in file (column-major) order, shape logical.
    let f = FortranShaped {
        shape: vec![2, 3],
        fortran_order: true,
        data: vec![0i32, 3, 1, 4, 2, 5],
    };
    let (b, h) = write(&f);
    assert!(h.fortran_order);
    assert_eq!(b, npy("e4"));
    let back: FortranShaped<i32> = from_slice(&b).unwrap();
    assert_eq!(back, f);
    // Without the flag, data comes in logical C order.
    let c: Shaped<i32> = from_slice(&b).unwrap();
    assert_eq!(c.data, [0, 1, 2, 3, 4, 5]);
    let rows: Vec<Vec<i32>> = from_slice(&b).unwrap();
    assert_eq!(rows, [[0, 1, 2], [3, 4, 5]]);
    // fortran_order: false is plain C order.
    let c = FortranShaped {
        shape: vec![2, 2],
        fortran_order: false,
        data: vec![1u8, 2, 3, 4],
    };
    let (b, h) = write(&c);
    assert!(!h.fortran_order);
    assert_eq!(from_slice::<FortranShaped<u8>>(&b).unwrap(), c);
    // A C file read with the flag reports false.
    let back: FortranShaped<f64> = from_slice(&to_vec(&vec![vec![1.0f64]]).unwrap()).unwrap();
    assert!(!back.fortran_order);
    // A (1, n) or 1-D "Fortran" array is C-contiguous: written with False, like NumPy.
    let (_, h) = write(&FortranShaped {
        shape: vec![1, 3],
        fortran_order: true,
        data: vec![1u8, 2, 3],
    });
    assert!(!h.fortran_order);
    // Lengths must agree.
    assert!(matches!(
        to_vec(&Shaped {
            shape: vec![3],
            data: vec![1u8]
        })
        .as_ref()
        .map_err(serde_npy::Error::kind),
        Err(ErrorKind::ShapeDataMismatch { .. })
    ));
}

#[test]
fn row_ndarray() {
    use ndarray::{arr2, Array1, Array2, Array3};
    let a = arr2(&[[1.0f64, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    let (b, h) = write(&a);
    assert_eq!(
        (h.dtype.descr().as_str(), h.shape.as_slice()),
        ("'<f8'", &[2, 3][..])
    );
    assert_eq!(
        b,
        to_vec(&vec![vec![1.0f64, 2.0, 3.0], vec![4.0, 5.0, 6.0]]).unwrap()
    );
    let back: Array2<f64> = from_slice(&b).unwrap();
    assert_eq!(back, a);
    let a3 = Array3::from_shape_fn((2, 3, 4), |(i, j, k)| (i * 100 + j * 10 + k) as i32);
    let (b, _) = write(&a3);
    assert_eq!(from_slice::<Array3<i32>>(&b).unwrap(), a3);
    let a1 = Array1::from(vec![1u8, 2, 3]);
    let (b, _) = write(&a1);
    assert_eq!(b, to_vec(&vec![1u8, 2, 3]).unwrap());
    assert_eq!(from_slice::<Array1<u8>>(&b).unwrap(), a1);
    // NumPy's own files read into ndarray, Fortran order included.
    let f: Array2<f64> = from_slice(&npy("fortran_2d_f8_be")).unwrap();
    assert_eq!(f[[1, 2]], 9.0);
    assert_eq!(f.shape(), [3, 4]);
    // A transposed (non-standard layout) ndarray is written in logical order.
    let t = a.t().to_owned();
    let (b, _) = write(&t);
    assert_eq!(
        from_slice::<Vec<Vec<f64>>>(&b).unwrap(),
        [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]
    );
}

#[derive(Serialize, Deserialize, PartialEq, Debug, Clone)]
struct Point {
    x: f32,
    y: f32,
    id: u32,
}

/// Reads one element of a sequence (as `Point`'s fields when `STRUCT`),
/// then leaks the sequence with `mem::forget`.
#[derive(Debug)]
struct Forgetful<const STRUCT: bool>;

impl<'de, const STRUCT: bool> Deserialize<'de> for Forgetful<STRUCT> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct One<const STRUCT: bool>;
        impl<'de, const STRUCT: bool> serde::de::Visitor<'de> for One<STRUCT> {
            type Value = Forgetful<STRUCT>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Forgetful<STRUCT>, A::Error> {
                a.next_element::<f64>()?;
                std::mem::forget(a);
                Ok(Forgetful)
            }
        }
        if STRUCT {
            d.deserialize_struct("Point", &["x", "y", "id"], One)
        } else {
            d.deserialize_seq(One)
        }
    }
}

/// Asks for `Point`'s fields by name, then reads only the first two.
#[derive(Debug)]
struct FirstTwo;

impl<'de> Deserialize<'de> for FirstTwo {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Two;
        impl<'de> serde::de::Visitor<'de> for Two {
            type Value = FirstTwo;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a point")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<FirstTwo, A::Error> {
                a.next_element::<f32>()?;
                a.next_element::<f32>()?;
                Ok(FirstTwo)
            }
        }
        d.deserialize_struct("Point", &["x", "y", "id"], Two)
    }
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Inner {
    a: i16,
    b: [u8; 2],
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Outer {
    label: String,
    inner: Inner,
    pos: [[f64; 3]; 2],
    t: (i8, f32),
}

#[test]
fn row_structs_and_tuples_are_records() {
    let pts = vec![
        Point {
            x: 1.0,
            y: 2.0,
            id: 7,
        },
        Point {
            x: 3.0,
            y: 4.0,
            id: 8,
        },
    ];
    round_trip(&pts, "[('x', '<f4'), ('y', '<f4'), ('id', '<u4')]", &[2]);
    round_trip(&pts[0], "[('x', '<f4'), ('y', '<f4'), ('id', '<u4')]", &[]);
    round_trip(
        &vec![pts.clone(), pts.clone(), pts],
        "[('x', '<f4'), ('y', '<f4'), ('id', '<u4')]",
        &[3, 2],
    );
    round_trip(
        &vec![Outer { label: "abc".into(), inner: Inner { a: -1, b: [1, 2] }, pos: [[1.0; 3], [2.0; 3]], t: (3, 4.5) }],
        "[('label', '<U3'), ('inner', [('a', '<i2'), ('b', '|u1', (2,))]), ('pos', '<f8', (2, 3)), ('t', [('f0', '|i1'), ('f1', '<f4')])]",
        &[1],
    );
    round_trip(
        &vec![(1i32, 2.5f64), (3, 4.5)],
        "[('f0', '<i4'), ('f1', '<f8')]",
        &[2],
    );
    round_trip(
        &(1u8, -1i64, true),
        "[('f0', '|u1'), ('f1', '<i8'), ('f2', '|b1')]",
        &[],
    );
    // A record with strings: the widest value of each field sets its width.
    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Named {
        name: String,
        tag: ByteBuf,
    }
    round_trip(
        &vec![
            Named {
                name: "a".into(),
                tag: ByteBuf::from(b"xyz".to_vec()),
            },
            Named {
                name: "bcde".into(),
                tag: ByteBuf::new(),
            },
        ],
        "[('name', '<U4'), ('tag', '|S3')]",
        &[2],
    );
    // A Vec field is a subarray too, when every record has the same length.
    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct V {
        v: Vec<u16>,
    }
    round_trip(
        &vec![V { v: vec![1, 2] }, V { v: vec![3, 4] }],
        "[('v', '<u2', (2,))]",
        &[2],
    );
    // Records read as tuples and as JSON maps too.
    let b = to_vec(&vec![Point {
        x: 1.0,
        y: 2.0,
        id: 7,
    }])
    .unwrap();
    assert_eq!(
        from_slice::<Vec<(f32, f32, u32)>>(&b).unwrap(),
        [(1.0, 2.0, 7)]
    );
    assert_eq!(
        from_slice::<Value>(&b).unwrap(),
        json!([{"x": 1.0, "y": 2.0, "id": 7}])
    );
}

#[test]
fn row_unstorable_values_are_errors() {
    assert!(matches!(
        to_vec(&Some(1u8)).as_ref().map_err(serde_npy::Error::kind),
        Err(ErrorKind::Unsupported { .. })
    ));
    assert!(matches!(
        to_vec(&None::<u8>).as_ref().map_err(serde_npy::Error::kind),
        Err(ErrorKind::Unsupported { .. })
    ));
    assert!(matches!(
        to_vec(&BTreeMap::from([(1, 2)]))
            .as_ref()
            .map_err(serde_npy::Error::kind),
        Err(ErrorKind::Unsupported { .. })
    ));
    assert!(matches!(
        to_vec(&()).as_ref().map_err(serde_npy::Error::kind),
        Err(ErrorKind::Unsupported { .. })
    ));
    #[derive(Serialize)]
    enum E {
        A,
    }
    assert!(matches!(
        to_vec(&E::A).as_ref().map_err(serde_npy::Error::kind),
        Err(ErrorKind::Unsupported { .. })
    ));
}

#[test]
fn rule_homogeneous_tuples_are_axes() {
    // As np.array([(1.0, 2.0)]): shape (1, 2).
    round_trip(&vec![(1.0f64, 2.0f64)], "'<f8'", &[1, 2]);
    round_trip(&(1i32, 2i32, 3i32), "'<i4'", &[3]);
    // Mixed: a record.
    round_trip(
        &vec![(1.0f64, 2.0f32)],
        "[('f0', '<f8'), ('f1', '<f4')]",
        &[1],
    );
    // Rows of Rust arrays, tuples and Vecs alike: after the first row, the
    // others are checked against its shape and kind rather than planned, and
    // any difference falls back to planning, with the same result.
    round_trip(&[[1u16, 2, 3]; 2], "'<u2'", &[2, 3]);
    round_trip(&([1i32, 2], (3i32, 4i32), vec![5i32, 6]), "'<i4'", &[3, 2]);
    round_trip(&[[[1i8, 2], [3, 4]], [[5, 6], [7, 8]]], "'|i1'", &[2, 2, 2]);
    fn header<T: Serialize>(value: &T) -> (String, Vec<usize>) {
        let (_, h) = write(value);
        (h.dtype.descr(), h.shape)
    }
    assert_eq!(
        header(&([1i32, 2], [1.0f64, 2.0])),
        ("[('f0', '<i4', (2,)), ('f1', '<f8', (2,))]".into(), vec![])
    );
    assert_eq!(
        header(&([1i32, 2], [3i32, 4, 5])),
        ("[('f0', '<i4', (2,)), ('f1', '<i4', (3,))]".into(), vec![])
    );
    assert_eq!(
        header(&([[1u8; 2]; 2], [[2u8; 2]; 2], [[3u8; 3]; 2])),
        (
            "[('f0', '|u1', (2, 2)), ('f1', '|u1', (2, 2)), ('f2', '|u1', (2, 3))]".into(),
            vec![]
        )
    );
    assert_eq!(
        header(&((1i32, 2i32), (3i32, 4i64))),
        (
            "[('f0', '<i4', (2,)), ('f1', [('f0', '<i4'), ('f1', '<i8')])]".into(),
            vec![]
        )
    );
}

#[test]
fn rule_empty_sequences_are_f8() {
    let (b, h) = write(&Vec::<i32>::new());
    assert_eq!((h.dtype, h.shape), (Dtype::F64(ByteOrder::Little), vec![0]));
    assert_eq!(b, npy("e7"));
    // Reads back as any element type: there are no elements.
    assert_eq!(from_slice::<Vec<i32>>(&b).unwrap(), Vec::<i32>::new());
    assert_eq!(from_slice::<Vec<String>>(&b).unwrap(), Vec::<String>::new());
    let (_, h) = write(&vec![Vec::<u8>::new(); 3]);
    assert_eq!(
        (h.dtype.descr().as_str(), h.shape.as_slice()),
        ("'<f8'", &[3, 0][..])
    );
    let (_, h) = write(&Vec::<Point>::new());
    assert_eq!(h.dtype.descr(), "'<f8'");
    // Empty strings are not empty sequences.
    let (_, h) = write(&vec![String::new()]);
    assert_eq!(h.dtype.descr(), "'<U1'");
}

// ---------------------------------------------------------------------------
// Reading table

#[test]
fn read_any_file_as_json() {
    let read = |name: &str| from_slice::<Value>(&npy(name)).unwrap();
    // 0-d: the scalar.
    assert_eq!(read("dtype_i4_be_0d"), json!(305419896));
    assert_eq!(read("dtype_b1_0d"), json!(true));
    // N-D: nested sequences in logical order, Fortran files re-ordered.
    assert_eq!(read("e4"), json!([[0, 1, 2], [3, 4, 5]]));
    assert_eq!(read("fortran_transpose_u1"), json!([[0, 2, 4], [1, 3, 5]]));
    // Records: maps; subarrays: sequences.
    assert_eq!(read("struct_simple_0d"), json!({"x": -1.25, "y": [14, 51]}));
    // U: strings; S: lists of u8 (JSON has no bytes).
    assert_eq!(read("e6"), json!(["ab", "cdef"]));
    assert_eq!(read("hm_descr_lt_s3"), json!([[97, 98], [120, 121, 122]]));
    // f2: f32 exactly.
    assert_eq!(read("e3"), json!(1.5));
    assert_eq!(read("dtype_f2_le")[4], json!(0.0999755859375));
    // complex: [re, im].
    assert_eq!(read("dtype_c16_be_0d"), json!([0.0, 3.25]));
    // datetime64 / timedelta64: i64 counts (NaT is i64::MIN).
    assert_eq!(
        read("dtype_datetime64_ns_be")[1],
        json!(1600000000123456789i64)
    );
    assert_eq!(read("dtype_timedelta64_s_le_0d"), json!(i64::MIN));
    // Empty shapes.
    assert_eq!(read("shape_2x0x3_f8_le"), json!([[], []]));
    assert_eq!(read("struct_empty"), json!([{}, {}, {}]));
}

#[test]
fn read_dimensionality_must_match() {
    let b = to_vec(&vec![vec![0.0f64; 4]; 3]).unwrap();
    let e = from_slice::<Vec<f64>>(&b).unwrap_err();
    assert_eq!(
        e.to_string(),
        "expected 1-D, found shape (3, 4) (file dtype '<f8')"
    );
    let e = from_slice::<Vec<f64>>(&npy("shape_2x3_f8_le")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "expected 1-D, found shape (2, 3) (file dtype '<f8')"
    );
    let e = from_slice::<Vec<Vec<f64>>>(&to_vec(&vec![1.0f64]).unwrap()).unwrap_err();
    assert!(e.to_string().contains("found shape (1,)"), "{e}");
    // Fixed-size arrays and tuples must match the length too: a longer array
    // is not cut short silently.
    let four = to_vec(&vec![1.0f64; 4]).unwrap();
    assert!(from_slice::<[f64; 4]>(&four).is_ok());
    assert!(from_slice::<[f64; 5]>(&four).is_err());
    let e = from_slice::<[f64; 3]>(&four).unwrap_err();
    assert_eq!(
        e.to_string(),
        "expected 3 elements along axis 0, found shape (4,) (file dtype '<f8')"
    );
    let e = from_slice::<(f64, f64)>(&four).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Dimension { .. }), "{e:?}");
    let e = from_slice::<Vec<[u8; 2]>>(&npy("shape_2x3_u1")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "expected 2 elements along axis 1, found shape (2, 3) (file dtype '|u1')"
    );
    // Records read as tuples must take every field.
    let b = to_vec(&vec![Point {
        x: 1.0,
        y: 2.0,
        id: 7,
    }])
    .unwrap();
    let e = from_slice::<Vec<(f32, f32)>>(&b).unwrap_err();
    assert!(e.to_string().contains("a sequence of 2 fields"), "{e}");
    // So must a struct visitor that names every field but stops early.
    let e = from_slice::<Vec<FirstTwo>>(&b).unwrap_err();
    assert!(e.to_string().contains("a sequence of 2 fields"), "{e}");
    // And visitors that leak the sequence instead of dropping it: a run, a
    // record's fields, a strided axis (Fortran order) and a flat `data`.
    assert!(from_slice::<Vec<Forgetful<true>>>(&b).is_err());
    assert!(from_slice::<Forgetful<false>>(&four).is_err());
    let fortran = npy("fortran_2d_f8_le");
    assert!(from_slice::<Vec<Vec<f64>>>(&fortran).is_ok());
    assert!(from_slice::<Vec<Forgetful<false>>>(&fortran).is_err());
    #[derive(Deserialize)]
    struct LeakyData {
        #[allow(dead_code)]
        shape: Vec<usize>,
        #[allow(dead_code)]
        data: Forgetful<false>,
    }
    assert!(from_slice::<LeakyData>(&fortran).is_err());
    assert!(from_slice::<LeakyData>(&npy("shape_2x3_f8_le")).is_err());
    // Complex numbers have two parts.
    let e = from_slice::<Vec<(f64,)>>(&npy("dtype_c16_le")).unwrap_err();
    assert!(e.to_string().contains("complex"), "{e}");
    // `data` of a shape + data struct must take every element.
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Fixed {
        shape: Vec<usize>,
        data: [f64; 5],
    }
    let e = from_slice::<Fixed>(&npy("shape_2x3_f8_le")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "expected 5 elements in `data`, found shape (2, 3) (at data, file dtype '<f8')"
    );
}

#[test]
fn read_mixed_requests_along_one_axis() {
    // Each element of a contiguous run may be asked for as a different type:
    // the ones that differ from the file's dtype take the general path, and
    // the run must still advance by exactly one element for each.
    let b = to_vec(&vec![1.5f32, 2.5, 3.5, 4.5]).unwrap();
    let t: (f32, f64, Value, f32) = from_slice(&b).unwrap();
    assert_eq!(t, (1.5, 2.5, json!(3.5), 4.5));
    let b = to_vec(&vec![vec![1u16, 2, 3], vec![4, 5, 6]]).unwrap();
    let t: Vec<(u16, u64, i32)> = from_slice(&b).unwrap();
    assert_eq!(t, [(1, 2, 3), (4, 5, 6)]);
    // Big-endian runs, through both paths.
    let be = npy("dtype_i4_be");
    let direct: Vec<i32> = from_slice(&be).unwrap();
    let widened: Vec<i64> = from_slice(&be).unwrap();
    assert_eq!(direct.len(), widened.len());
    assert!(direct
        .iter()
        .zip(&widened)
        .all(|(&a, &b)| i64::from(a) == b));
}

#[test]
fn read_records_every_way() {
    let points = vec![
        Point {
            x: 1.0,
            y: 2.0,
            id: 7,
        },
        Point {
            x: -1.0,
            y: 0.5,
            id: 8,
        },
    ];
    let b = to_vec(&points).unwrap();
    assert_eq!(from_slice::<Vec<Point>>(&b).unwrap(), points);
    // Fields in another order are matched by name.
    #[derive(Deserialize, PartialEq, Debug)]
    struct Reordered {
        id: u32,
        y: f32,
        x: f32,
    }
    let r: Vec<Reordered> = from_slice(&b).unwrap();
    assert_eq!(
        r[1],
        Reordered {
            id: 8,
            y: 0.5,
            x: -1.0
        }
    );
    // Wider field types take the general path, field by field.
    #[derive(Deserialize, PartialEq, Debug)]
    struct Wide {
        x: f64,
        y: f32,
        id: i64,
    }
    let w: Vec<Wide> = from_slice(&b).unwrap();
    assert_eq!(
        w[0],
        Wide {
            x: 1.0,
            y: 2.0,
            id: 7
        }
    );
    // Tuples take the fields in order; both kinds of request in one run.
    let t: (Point, (f32, f32, u32)) = from_slice(&b).unwrap();
    assert_eq!(t.1, (-1.0, 0.5, 8));
    // A 2-D record array: each row is a run.
    let grid = vec![
        [
            Point {
                x: 0.0,
                y: 0.0,
                id: 1
            },
            Point {
                x: 1.0,
                y: 1.0,
                id: 2
            }
        ];
        3
    ];
    let b = to_vec(&grid).unwrap();
    let back: Vec<Vec<Point>> = from_slice(&b).unwrap();
    assert_eq!(back.len(), 3);
    assert_eq!(back[2][1].id, 2);
}

#[test]
fn read_numbers_follow_serde_rules() {
    // An <i4 file fills i64 and f64 fields.
    let b = to_vec(&vec![-7i32, 8]).unwrap();
    assert_eq!(from_slice::<Vec<i64>>(&b).unwrap(), [-7, 8]);
    assert_eq!(from_slice::<Vec<f64>>(&b).unwrap(), [-7.0, 8.0]);
    assert!(from_slice::<Vec<u32>>(&b).is_err(), "-7 is not a u32");
    // Out of range is an error, in range is fine.
    assert!(from_slice::<Vec<i8>>(&to_vec(&vec![300i32]).unwrap()).is_err());
    assert_eq!(
        from_slice::<Vec<i8>>(&to_vec(&vec![100i32]).unwrap()).unwrap(),
        [100]
    );
    #[derive(Deserialize, PartialEq, Debug)]
    struct Wide {
        x: f64,
        y: f64,
        id: u64,
    }
    let b = to_vec(&vec![Point {
        x: 1.5,
        y: 2.5,
        id: 7,
    }])
    .unwrap();
    assert_eq!(
        from_slice::<Vec<Wide>>(&b).unwrap(),
        [Wide {
            x: 1.5,
            y: 2.5,
            id: 7
        }]
    );
}

#[test]
fn read_big_endian_and_native_order_as_native() {
    let pairs = [
        ("dtype_i2_le", "dtype_i2_be"),
        ("dtype_u8_le", "dtype_u8_be"),
        ("dtype_f8_le", "dtype_f8_be"),
        ("dtype_c8_le", "dtype_c8_be"),
        ("dtype_str_u5_le", "dtype_str_u5_be"),
        ("dtype_datetime64_ns_le", "dtype_datetime64_ns_be"),
        ("struct_mixed_le", "struct_mixed_be"),
        ("int_extremes_i8_le", "int_extremes_i8_be"),
    ];
    for (le, be) in pairs {
        assert_eq!(
            from_slice::<Value>(&npy(le)).unwrap(),
            from_slice::<Value>(&npy(be)).unwrap(),
            "{be}"
        );
    }
    // A big-endian file read and written again is its little-endian twin.
    let v: Vec<i16> = from_slice(&npy("dtype_i2_be")).unwrap();
    assert_eq!(to_vec(&v).unwrap(), npy("dtype_i2_le"));
    let v: Vec<Vec<f64>> = from_slice(&npy("fortran_2d_f8_be")).unwrap();
    let le = to_vec(&v).unwrap();
    let c: Vec<Vec<f64>> = from_slice(&le).unwrap();
    assert_eq!(c, v);
    // '=', '|' and no order character mean native.
    assert_eq!(
        from_slice::<Vec<i32>>(&npy("hm_descr_eq_i4")).unwrap(),
        [1, -2, 70000]
    );
    assert_eq!(
        from_slice::<Vec<i32>>(&npy("hm_descr_i4")).unwrap(),
        [1, -2, 70000]
    );
    assert_eq!(
        from_slice::<Vec<i16>>(&npy("hm_descr_pipe_i2")).unwrap(),
        [1, -2, 300]
    );
}

#[test]
fn read_f16_bit_exact() {
    let v: Vec<f16> = from_slice(&npy("float_specials_f2_le")).unwrap();
    let want = le_items(&c_bin("float_specials_f2_le"), |b: [u8; 2]| {
        u16::from_le_bytes(b)
    });
    assert_eq!(v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want);
    // And writes back to NumPy's bytes.
    assert_eq!(to_vec(&v).unwrap(), npy("float_specials_f2_le"));
}

/// NumPy files, read into the natural Rust type and written again, give
/// NumPy's bytes back (the reverse direction of the tables).
#[test]
fn numpy_files_survive_read_then_write() {
    fn again<T: Serialize + DeserializeOwned>(name: &str) {
        let b = npy(name);
        let v: T = from_slice(&b).unwrap();
        let w = to_vec(&v).unwrap();
        assert!(w == b, "{name}: {}", diff_bytes(&w, &b));
    }
    again::<Vec<f32>>("e1");
    again::<f16>("e3");
    again::<Vec<String>>("e6");
    again::<Vec<bool>>("e8");
    again::<Vec<[[u8; 4]; 3]>>("shape_2x3x4_u1");
    again::<Vec<Complex<f64>>>("complex_specials_c16_le");
    again::<Vec<ByteBuf>>("dtype_bytes_s5");
    again::<Vec<Vec<String>>>("str_u_2d");
    again::<FortranShaped<f64>>("fortran_2d_f8_le");
    again::<FortranShaped<String>>("fortran_2d_u4_strings");
    again::<FortranShaped<Complex<f32>>>("fortran_2d_c8");
    again::<Shaped<u8>>("shape_1x1000_u1_fortran_false");
    again::<Shaped<f64>>("shape_0x0_f8_le");
    again::<Vec<(i32, f64, u8)>>("struct_tuple_names");
    #[derive(Serialize, Deserialize)]
    struct Ab3 {
        a: u8,
        b: i16,
    }
    again::<Vec<Vec<Vec<Ab3>>>>("struct_3d");
    again::<i8>("dtype_i1_0d");
    again::<u64>("dtype_u8_le_0d");
}

#[test]
fn to_writer_matches_to_vec_for_records() {
    // Strings shorter than their field leave zero padding; the writer's
    // chunk is reused, so that padding must be cleared, not left over.
    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Named {
        name: String,
        v: f64,
    }
    let named: Vec<Named> = (0..20_000)
        .map(|i| Named {
            name: "x".repeat(if i == 0 { 12 } else { i % 13 }),
            v: i as f64,
        })
        .collect();
    let bytes = to_vec(&named).unwrap();
    let mut streamed = Vec::new();
    serde_npy::to_writer(&mut streamed, &named).unwrap();
    assert!(streamed == bytes);
    assert_eq!(from_slice::<Vec<Named>>(&bytes).unwrap(), named);
    // A record wider than the writer's 64 KiB chunk.
    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Wide {
        id: u32,
        samples: Vec<f32>,
    }
    let wide: Vec<Wide> = (0..3)
        .map(|i| Wide {
            id: i,
            samples: (0..20_000).map(|k| (k * (i + 1)) as f32).collect(),
        })
        .collect();
    let bytes = to_vec(&wide).unwrap();
    let mut streamed = Vec::new();
    serde_npy::to_writer(&mut streamed, &wide).unwrap();
    assert!(streamed == bytes);
    assert_eq!(from_slice::<Vec<Wide>>(&bytes).unwrap(), wide);
}

#[test]
fn a_serialize_impl_that_ignores_errors_gets_an_error_not_a_panic() {
    use serde::ser::{SerializeSeq, Serializer};
    use std::cell::Cell;
    // Rows of two f32; in the second (emitting) pass the first row fails
    // midway, and the outer impl ignores that and goes on.
    struct Rows {
        pass: Cell<u32>,
    }
    struct Row<'a> {
        fail: bool,
        _rows: &'a Rows,
    }
    impl Serialize for Row<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(2))?;
            seq.serialize_element(&1.0f32)?;
            if self.fail {
                seq.serialize_element("not a number")?;
            } else {
                seq.serialize_element(&2.0f32)?;
            }
            seq.end()
        }
    }
    impl Serialize for Rows {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let pass = self.pass.get();
            self.pass.set(pass + 1);
            let mut seq = s.serialize_seq(Some(3))?;
            for i in 0..3 {
                let row = Row {
                    fail: pass % 2 == 1 && i == 0,
                    _rows: self,
                };
                let r = seq.serialize_element(&row);
                if pass % 2 == 0 {
                    r?;
                }
            }
            seq.end()
        }
    }
    let rows = Rows { pass: Cell::new(0) };
    assert!(to_vec(&rows).is_err());
    let mut out = Vec::new();
    assert!(serde_npy::to_writer(&mut out, &rows).is_err());
}

#[test]
fn a_record_field_whose_error_was_ignored_is_zero_not_earlier_output() {
    use serde::ser::{SerializeStruct, Serializer};
    // Enough records to wrap `to_writer`'s 64 KiB chunk; the last one
    // ignores the error of its first field and writes the second.
    struct Pair {
        broken: bool,
        a: f64,
    }
    impl Serialize for Pair {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut st = s.serialize_struct("Pair", 2)?;
            if self.broken {
                let _ = st.serialize_field("a", "not a number");
            } else {
                st.serialize_field("a", &self.a)?;
            }
            st.serialize_field("b", &1.0f64)?;
            st.end()
        }
    }
    let pairs: Vec<Pair> = (0..5000)
        .map(|i| Pair {
            broken: i == 4999,
            a: i as f64 + 0.5,
        })
        .collect();
    // Planning stops at the first record, a good one.
    let mut bytes = Vec::new();
    to_writer(&mut bytes, &pairs).unwrap();
    let back: Vec<(f64, f64)> = from_slice(&bytes).unwrap();
    assert_eq!(back[4998], (4998.5, 1.0));
    assert_eq!(back[4999], (0.0, 1.0));
}

#[test]
fn to_vec_allocates_exactly_the_output_size() {
    #[derive(Serialize, Clone)]
    struct Wide {
        a_field_with_a_long_name: f64,
        another_field_with_a_long_name: [i16; 3],
        label: String,
    }
    // Small (malloc, then cleared) and large (zeroed by calloc) outputs,
    // plain numbers and records, short and long headers.
    let outputs = [
        to_vec(&[[1.0f32, 2.0, 3.0, 4.0]; 4]).unwrap(),
        to_vec(&vec![0.5f32; 1 << 20]).unwrap(),
        to_vec(&vec![
            Wide {
                a_field_with_a_long_name: 1.0,
                another_field_with_a_long_name: [1, 2, 3],
                label: "x".into(),
            };
            3
        ])
        .unwrap(),
        to_vec(&vec!["a string"; 1000]).unwrap(),
    ];
    for (i, v) in outputs.iter().enumerate() {
        assert_eq!(v.capacity(), v.len(), "case {i}");
    }
    // The record's header is longer than the common 128-byte preamble.
    assert!(Header::from_slice(&outputs[2]).unwrap().data_offset > 128);
}

#[test]
fn a_serialize_impl_that_ignores_errors_gets_the_planners_answer() {
    use serde::ser::{SerializeSeq, SerializeTuple, Serializer};
    // Each hint is one short; the errors for "x" and for the extra element
    // are ignored. The allocation-free first pass must not then answer
    // where the full planner would not: both cases were errors before it.
    struct SloppyTuple;
    impl Serialize for SloppyTuple {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut t = s.serialize_tuple(2)?;
            let _ = t.serialize_element("x");
            let _ = t.serialize_element(&1.0f32);
            let _ = t.serialize_element(&2.0f32);
            t.end()
        }
    }
    struct SloppySeq;
    impl Serialize for SloppySeq {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut t = s.serialize_seq(Some(2))?;
            let _ = t.serialize_element("x");
            let _ = t.serialize_element(&1.0f32);
            let _ = t.serialize_element(&2.0f32);
            t.end()
        }
    }
    assert!(to_vec(&SloppyTuple).is_err());
    assert!(to_vec(&SloppySeq).is_err());
    let mut out = Vec::new();
    assert!(to_writer(&mut out, &SloppyTuple).is_err());
}

#[test]
fn every_record_must_have_the_first_ones_field_names() {
    #[derive(Serialize)]
    struct Xy {
        x: f32,
        y: f32,
    }
    #[derive(Serialize)]
    struct Xz {
        x: f32,
        z: f32,
    }
    // Long names that differ only after their eighth byte.
    #[derive(Serialize)]
    struct Long {
        position_x: f32,
    }
    #[derive(Serialize)]
    struct Longer {
        position_y: f32,
    }
    #[derive(Serialize)]
    #[serde(untagged)]
    enum Either<A, B> {
        A(A),
        B(B),
    }
    let short = vec![
        Either::A(Xy { x: 1.0, y: 2.0 }),
        Either::B(Xz { x: 1.0, z: 2.0 }),
    ];
    let long = vec![
        Either::A(Long { position_x: 1.0 }),
        Either::B(Longer { position_y: 2.0 }),
    ];
    for err in [
        to_vec(&short).unwrap_err(),
        serde_npy::to_writer(Vec::new(), &short).unwrap_err(),
    ] {
        let msg = err.to_string();
        assert!(msg.contains("\"y\"") && msg.contains("\"z\""), "{msg}");
    }
    for err in [
        to_vec(&long).unwrap_err(),
        serde_npy::to_writer(Vec::new(), &long).unwrap_err(),
    ] {
        let msg = err.to_string();
        assert!(msg.contains("position_y"), "{msg}");
    }
}

/// Counts the calls of its `Serialize` impl.
struct Counted<T> {
    calls: std::cell::Cell<u32>,
    value: T,
}

impl<T: Serialize> Serialize for Counted<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.calls.set(self.calls.get() + 1);
        self.value.serialize(s)
    }
}

/// How often `to_vec` and `to_writer` call `value`'s `Serialize` impl.
fn serialize_calls<T: Serialize>(value: T) -> (u32, u32) {
    let counted = Counted {
        calls: std::cell::Cell::new(0),
        value,
    };
    to_vec(&counted).unwrap();
    let by_vec = counted.calls.replace(0);
    serde_npy::to_writer(Vec::new(), &counted).unwrap();
    (by_vec, counted.calls.get())
}

#[test]
fn a_value_is_walked_once_to_plan_and_once_to_write() {
    // Not one slice: planned, then written, by both.
    assert_eq!(serialize_calls(vec![vec![1.0f32, 2.0]]), (2, 2));
    assert_eq!(serialize_calls([[1u8, 2], [3, 4]]), (2, 2));
    // One slice of numbers: `to_vec` writes it in its first pass.
    assert_eq!(serialize_calls(vec![1.0f32, 2.0]), (1, 2));
}
