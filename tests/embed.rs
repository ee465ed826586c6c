//! `#[serde(with = "serde_npy")]`: one field of a struct travels as a complete
//! `.npy` blob inside another serde format.
//!
//! Every supported field type goes through MessagePack (`rmp_serde::to_vec`
//! and `to_vec_named`), postcard, JSON and bincode 1.x, and each time the test
//! also checks that the field is carried as exactly `serde_npy::to_vec(&field)`
//! (as MessagePack `bin`, as a length-prefixed byte string in postcard and
//! bincode, as an array of numbers in JSON). The NumPy side is covered by the
//! committed fixture `tests/fixtures/msgpack/numpy_message.msgpack`, written by
//! `tests/fixtures/msgpack/generate.py` with `np.save` + `msgpack`.
//!
//! Also here: borrowing `&[u8]`, `&str` and [`serde_npy::ArrayView`] data
//! from the host's input buffer, malformed blobs surfacing as host errors that
//! carry this crate's message, and serde features that buffer the input
//! (internally tagged and untagged enums, `flatten`).

use std::fmt::Debug;
use std::path::PathBuf;

use half::f16;
use ndarray::{Array, Array2, ArrayD, IxDyn, ShapeBuilder};
use serde::de::{DeserializeOwned, IntoDeserializer};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use serde_json::Value;
use serde_npy::{ByteOrder, Dtype, Header};

// ---------------------------------------------------------------------------
// Host formats

#[derive(Clone, Copy, Debug, PartialEq)]
enum Host {
    /// `rmp_serde::to_vec`: structs as arrays.
    MsgpackCompact,
    /// `rmp_serde::to_vec_named`: structs as maps.
    MsgpackNamed,
    Postcard,
    Json,
    Bincode,
}

const HOSTS: [Host; 5] = [
    Host::MsgpackCompact,
    Host::MsgpackNamed,
    Host::Postcard,
    Host::Json,
    Host::Bincode,
];

impl Host {
    fn try_encode<T: Serialize + ?Sized>(self, value: &T) -> Result<Vec<u8>, String> {
        match self {
            Host::MsgpackCompact => rmp_serde::to_vec(value).map_err(|e| e.to_string()),
            Host::MsgpackNamed => rmp_serde::to_vec_named(value).map_err(|e| e.to_string()),
            Host::Postcard => postcard::to_stdvec(value).map_err(|e| e.to_string()),
            Host::Json => serde_json::to_vec(value).map_err(|e| e.to_string()),
            Host::Bincode => bincode::serialize(value).map_err(|e| e.to_string()),
        }
    }

    fn encode<T: Serialize + ?Sized>(self, value: &T) -> Vec<u8> {
        self.try_encode(value)
            .unwrap_or_else(|e| panic!("{self:?}: encoding failed: {e}"))
    }

    fn decode<'a, T: Deserialize<'a>>(self, bytes: &'a [u8]) -> Result<T, String> {
        match self {
            Host::MsgpackCompact | Host::MsgpackNamed => {
                rmp_serde::from_slice(bytes).map_err(|e| e.to_string())
            }
            Host::Postcard => postcard::from_bytes(bytes).map_err(|e| e.to_string()),
            Host::Json => serde_json::from_slice(bytes).map_err(|e| e.to_string()),
            Host::Bincode => bincode::deserialize(bytes).map_err(|e| e.to_string()),
        }
    }

    fn is_msgpack(self) -> bool {
        matches!(self, Host::MsgpackCompact | Host::MsgpackNamed)
    }

    /// postcard replaces every custom error message with a fixed text
    /// (`SerdeDeCustom` / `SerdeSerCustom` carry no string), so the crate's
    /// message cannot reach the caller through it.
    fn keeps_messages(self) -> bool {
        self != Host::Postcard
    }
}

/// A host message with one `.npy` field between two plain ones.
#[derive(Serialize, Deserialize, Debug)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: Deserialize<'de>"))]
struct Wrap<T> {
    id: u32,
    #[serde(with = "serde_npy")]
    field: T,
    tail: String,
}

fn wrap<T>(field: T) -> Wrap<T> {
    Wrap {
        id: 7,
        field,
        tail: "tail".into(),
    }
}

/// The same message with the field read as plain bytes.
#[derive(Serialize, Deserialize, Debug)]
struct Raw {
    id: u32,
    field: ByteBuf,
    tail: String,
}

/// The same message with an optional field read as plain bytes.
#[derive(Serialize, Deserialize, Debug)]
struct RawOpt {
    id: u32,
    field: Option<ByteBuf>,
    tail: String,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `blob` sits in the MessagePack message as a `bin 8/16/32` value.
fn assert_msgpack_bin(msg: &[u8], blob: &[u8]) {
    let pos = find(msg, blob).expect("the blob appears verbatim in the message");
    let n = blob.len();
    let head: Vec<u8> = if n <= 0xff {
        vec![0xc4, n as u8]
    } else if n <= 0xffff {
        let mut h = vec![0xc5];
        h.extend((n as u16).to_be_bytes());
        h
    } else {
        let mut h = vec![0xc6];
        h.extend((n as u32).to_be_bytes());
        h
    };
    assert!(
        pos >= head.len() && msg[pos - head.len()..pos] == head[..],
        "the blob is not preceded by a bin marker {head:02x?}"
    );
}

/// Round-trips `value` as a field through every host format, checks how it
/// was carried, and returns its `.npy` blob.
fn check_field<T>(value: T, same: impl Fn(&T, &T) -> bool) -> Vec<u8>
where
    T: Serialize + DeserializeOwned + Debug,
{
    let blob = serde_npy::to_vec(&value).expect("serde_npy::to_vec");
    let w = wrap(value);
    for host in HOSTS {
        let msg = host.encode(&w);
        let back: Wrap<T> = host
            .decode(&msg)
            .unwrap_or_else(|e| panic!("{host:?}: decoding failed: {e}"));
        assert_eq!((back.id, back.tail.as_str()), (7, "tail"), "{host:?}");
        assert!(
            same(&back.field, &w.field),
            "{host:?}: read back {:?}, wrote {:?}",
            back.field,
            w.field
        );

        // The field is one bytes value holding exactly the `.npy` file.
        let raw: Raw = host
            .decode(&msg)
            .unwrap_or_else(|e| panic!("{host:?}: as bytes: {e}"));
        assert_eq!(raw.field.as_slice(), &blob[..], "{host:?}: field bytes");
        if host.is_msgpack() {
            assert_msgpack_bin(&msg, &blob);
        }
        if host == Host::Json {
            let v: Value = serde_json::from_slice(&msg).unwrap();
            let nums: Vec<u8> = serde_json::from_value(v["field"].clone())
                .expect("JSON carries the blob as an array of numbers");
            assert_eq!(nums, blob);
        }
    }
    blob
}

fn eq<T: PartialEq>(a: &T, b: &T) -> bool {
    a == b
}

fn header(blob: &[u8]) -> Header {
    Header::from_slice(blob).expect("header")
}

const LE: ByteOrder = ByteOrder::Little;

// ---------------------------------------------------------------------------
// Field types

#[test]
fn vec_f32() {
    let v = vec![
        1.5f32,
        -0.0,
        f32::MAX,
        f32::MIN_POSITIVE,
        1e-45,
        f32::NAN,
        f32::INFINITY,
    ];
    let bits = |v: &Vec<f32>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let blob = check_field(v, |a, b| bits(a) == bits(b));
    let h = header(&blob);
    assert_eq!((h.dtype, h.shape), (Dtype::F32(LE), vec![7]));
}

#[test]
fn vec_u8() {
    let blob = check_field((0..=255u8).collect::<Vec<u8>>(), eq);
    let h = header(&blob);
    assert_eq!((h.dtype, h.shape), (Dtype::U8, vec![256]));
}

#[test]
fn nested_vec_f64() {
    let v = vec![vec![1.0f64, 2.0, 3.0], vec![-4.0, 5.5, 1e300]];
    let blob = check_field(v, eq);
    let h = header(&blob);
    assert_eq!((h.dtype, h.shape), (Dtype::F64(LE), vec![2, 3]));
}

#[test]
fn fixed_size_arrays() {
    let a: [[u8; 3]; 3] = [[1, 2, 3], [4, 5, 6], [7, 8, 9]];
    assert_eq!(header(&check_field(a, eq)).shape, [3, 3]);

    let img: [[[u8; 3]; 3]; 2] = [
        [[0, 1, 2], [3, 4, 5], [6, 7, 8]],
        [[9, 10, 11], [12, 13, 14], [15, 16, 255]],
    ];
    assert_eq!(header(&check_field(img, eq)).shape, [2, 3, 3]);

    let rows: Vec<[i16; 2]> = vec![[1, -1], [2, -2], [3, -3]];
    let h = header(&check_field(rows, eq));
    assert_eq!((h.dtype, h.shape), (Dtype::I16(LE), vec![3, 2]));
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Shaped {
    shape: Vec<usize>,
    data: Vec<f64>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct ShapedF<T> {
    shape: Vec<usize>,
    fortran_order: bool,
    data: Vec<T>,
}

#[test]
fn shape_and_data_struct() {
    let c = Shaped {
        shape: vec![2, 3],
        data: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
    };
    let h = header(&check_field(c, eq));
    assert_eq!((h.shape, h.fortran_order), (vec![2, 3], false));

    // Data in file (column-major) order, kept as is.
    let f = ShapedF {
        shape: vec![2, 3],
        fortran_order: true,
        data: vec![1.0f64, 4.0, 2.0, 5.0, 3.0, 6.0],
    };
    let blob = check_field(f, eq);
    let h = header(&blob);
    assert_eq!((h.shape, h.fortran_order), (vec![2, 3], true));
    // A plain nested read gives the logical C order.
    let logical: Vec<Vec<f64>> = serde_npy::from_slice(&blob).unwrap();
    assert_eq!(logical, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);

    let f = ShapedF {
        shape: vec![2, 2],
        fortran_order: false,
        data: vec![1i32, 2, 3, 4],
    };
    assert!(!header(&check_field(f, eq)).fortran_order);
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Point {
    x: f32,
    y: f32,
    id: u32,
    pos: [f64; 3],
    label: String,
}

fn points() -> Vec<Point> {
    vec![
        Point {
            x: 1.0,
            y: 2.0,
            id: 7,
            pos: [0.5, 1.5, 2.5],
            label: "a".into(),
        },
        Point {
            x: -3.0,
            y: 4.25,
            id: u32::MAX,
            pos: [-1.0, 0.0, 1e-10],
            label: "ünïcödé".into(),
        },
    ]
}

#[test]
fn records() {
    let blob = check_field(points(), eq);
    let h = header(&blob);
    assert_eq!(h.shape, [2]);
    assert!(matches!(h.dtype, Dtype::Record(_)), "{}", h.dtype);
}

fn f16_bits(v: &[f16]) -> Vec<u16> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn vec_f16_bit_exact() {
    let v: Vec<f16> = [
        0x3c00u16, // 1.0
        0x8000,    // -0.0
        0x0001,    // smallest subnormal
        0x7bff,    // 65504
        0x7c00,    // inf
        0xfc00,    // -inf
        0x7e00,    // quiet NaN
        0x7d01,    // NaN with a payload
        0xfe42,    // negative NaN
    ]
    .into_iter()
    .map(f16::from_bits)
    .collect();
    let blob = check_field(v, |a, b| f16_bits(a) == f16_bits(b));
    let h = header(&blob);
    assert_eq!((h.dtype, h.shape), (Dtype::F16(LE), vec![9]));
}

#[test]
fn vec_string() {
    let v: Vec<String> = vec!["".into(), "hello".into(), "ünï 😀".into()];
    let h = header(&check_field(v, eq));
    assert_eq!((h.dtype, h.shape), (Dtype::Str(5, LE), vec![3]));
}

#[test]
fn option_some() {
    let v: Option<Vec<f32>> = Some(vec![1.0, 2.0]);
    let blob = check_field_opt(v, eq).expect("Some has a blob");
    assert_eq!(header(&blob).shape, [2]);
    let nested: Option<Vec<Vec<f64>>> = Some(vec![vec![1.0; 2]; 3]);
    check_field_opt(nested, eq);
}

#[test]
fn option_none_stays_host_none() {
    let v: Option<Vec<f32>> = None;
    assert!(check_field_opt(v, eq).is_none());

    let w = wrap(None::<Vec<f32>>);
    let json = serde_json::to_string(&w).unwrap();
    assert_eq!(json, r#"{"id":7,"field":null,"tail":"tail"}"#);
    // MessagePack nil (0xc0) right after the "field" key.
    let named = Host::MsgpackNamed.encode(&w);
    let key = find(&named, b"field").expect("field key");
    assert_eq!(named[key + 5], 0xc0);
    // rmp_serde::to_vec: [7, nil, "tail"].
    assert_eq!(
        Host::MsgpackCompact.encode(&w),
        [0x93, 0x07, 0xc0, 0xa4, b't', b'a', b'i', b'l']
    );
    // postcard: varint 7, Option tag 0, "tail".
    assert_eq!(Host::Postcard.encode(&w), [7, 0, 4, b't', b'a', b'i', b'l']);
    // bincode: u32, Option tag 0, u64 length, "tail".
    let bin = Host::Bincode.encode(&w);
    assert_eq!(&bin[..5], [7, 0, 0, 0, 0]);
}

/// The usual attributes for an optional field that may be left out.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Sparse {
    id: u32,
    #[serde(with = "serde_npy", default, skip_serializing_if = "Option::is_none")]
    mask: Option<Vec<bool>>,
}

#[test]
fn option_skipped_when_none() {
    let none = Sparse { id: 1, mask: None };
    let json = serde_json::to_string(&none).unwrap();
    assert_eq!(json, r#"{"id":1}"#);
    assert_eq!(serde_json::from_str::<Sparse>(&json).unwrap(), none);
    let msg = rmp_serde::to_vec_named(&none).unwrap();
    assert_eq!(rmp_serde::from_slice::<Sparse>(&msg).unwrap(), none);

    let some = Sparse {
        id: 1,
        mask: Some(vec![true, false, true]),
    };
    let msg = rmp_serde::to_vec_named(&some).unwrap();
    assert_eq!(rmp_serde::from_slice::<Sparse>(&msg).unwrap(), some);
    let blob = serde_npy::to_vec(&vec![true, false, true]).unwrap();
    assert_eq!(header(&blob).dtype, Dtype::Bool);
    assert_msgpack_bin(&msg, &blob);
}

/// [`check_field`] for `Option` fields: `Some` travels as the blob of the
/// inner value, `None` as the host's none.
fn check_field_opt<T>(value: Option<T>, same: impl Fn(&T, &T) -> bool) -> Option<Vec<u8>>
where
    T: Serialize + DeserializeOwned + Debug,
{
    let blob = value
        .as_ref()
        .map(|v| serde_npy::to_vec(v).expect("serde_npy::to_vec"));
    let w = wrap(value);
    for host in HOSTS {
        let msg = host.encode(&w);
        let back: Wrap<Option<T>> = host
            .decode(&msg)
            .unwrap_or_else(|e| panic!("{host:?}: decoding failed: {e}"));
        assert_eq!((back.id, back.tail.as_str()), (7, "tail"), "{host:?}");
        match (&back.field, &w.field) {
            (None, None) => {}
            (Some(a), Some(b)) => assert!(same(a, b), "{host:?}: read back {a:?}, wrote {b:?}"),
            (a, b) => panic!("{host:?}: read back {a:?}, wrote {b:?}"),
        }
        let raw: RawOpt = host.decode(&msg).unwrap();
        assert_eq!(
            raw.field.as_ref().map(|b| b.as_slice()),
            blob.as_deref(),
            "{host:?}: field bytes"
        );
        if let (true, Some(blob)) = (host.is_msgpack(), &blob) {
            assert_msgpack_bin(&msg, blob);
        }
        if host == Host::Json {
            let v: Value = serde_json::from_slice(&msg).unwrap();
            match &blob {
                None => assert_eq!(v["field"], Value::Null),
                Some(blob) => {
                    assert_eq!(
                        serde_json::from_value::<Vec<u8>>(v["field"].clone()).unwrap(),
                        *blob
                    )
                }
            }
        }
    }
    blob
}

#[test]
fn empty_arrays() {
    // An empty sequence has no element type: `<f8`, like `np.array([])`.
    let h = header(&check_field(Vec::<f32>::new(), eq));
    assert_eq!((h.dtype, h.shape), (Dtype::F64(LE), vec![0]));
    check_field(Vec::<u8>::new(), eq);
    let h = header(&check_field(vec![Vec::<f64>::new(); 3], eq));
    assert_eq!(h.shape, [3, 0]);
    check_field(Vec::<Vec<f64>>::new(), eq);
    check_field(Vec::<String>::new(), eq);
    check_field(Vec::<Point>::new(), eq);
    check_field(Vec::<f16>::new(), |a, b| f16_bits(a) == f16_bits(b));
    check_field(Vec::<serde_npy::Complex<f64>>::new(), eq);
    check_field_opt(Some(Vec::<f32>::new()), eq);
    let h = header(&check_field(Array2::<i32>::zeros((0, 3)), eq));
    assert_eq!(h.shape, [0, 3]);
    let h = header(&check_field(ArrayD::<f64>::zeros(IxDyn(&[2, 0, 4])), eq));
    assert_eq!(h.shape, [2, 0, 4]);
}

#[test]
fn ndarray_c_and_fortran_layout() {
    let c = Array2::from_shape_vec((2, 3), vec![1i32, 2, 3, 4, 5, 6]).unwrap();
    let c_blob = check_field(c.clone(), eq);
    let h = header(&c_blob);
    assert_eq!(
        (h.dtype, h.shape, h.fortran_order),
        (Dtype::I32(LE), vec![2, 3], false)
    );

    // Column-major memory, same logical array.
    let f = Array::from_shape_vec((2, 3).f(), vec![1i32, 4, 2, 5, 3, 6]).unwrap();
    assert!(f.t().is_standard_layout());
    assert_eq!(f, c);
    // ndarray's serde form lists elements in logical order, so the blob is
    // the C-order one.
    assert_eq!(check_field(f, eq), c_blob);

    // A transposed view: Fortran layout again, different logical array.
    let t = c.clone().reversed_axes();
    assert!(!t.is_standard_layout());
    let t_blob = check_field(t.clone(), eq);
    assert_eq!(header(&t_blob).shape, [3, 2]);
    let nested: Vec<Vec<i32>> = serde_npy::from_slice(&t_blob).unwrap();
    assert_eq!(nested, [[1, 4], [2, 5], [3, 6]]);
}

#[test]
fn ndarray_dyn() {
    let a = ArrayD::from_shape_vec(
        IxDyn(&[2, 1, 3]),
        vec![0.5f64, 1.5, -2.5, 3.0, 1e-300, f64::MAX],
    )
    .unwrap();
    let h = header(&check_field(a, eq));
    assert_eq!((h.dtype, h.shape), (Dtype::F64(LE), vec![2, 1, 3]));

    let zero_d = ArrayD::from_shape_vec(IxDyn(&[]), vec![42.0f64]).unwrap();
    let h = header(&check_field(zero_d, eq));
    assert!(h.shape.is_empty());

    let f =
        ArrayD::from_shape_vec(IxDyn(&[2, 3, 2]).f(), (0..12).map(f64::from).collect()).unwrap();
    check_field(f, eq);
}

#[test]
fn complex() {
    let z = vec![
        serde_npy::Complex {
            re: 1.0f64,
            im: -2.0,
        },
        serde_npy::Complex { re: 0.0, im: 1e300 },
    ];
    let h = header(&check_field(z, eq));
    assert_eq!((h.dtype, h.shape), (Dtype::C128(LE), vec![2]));

    let z8 = vec![serde_npy::Complex {
        re: 1.5f32,
        im: -0.25,
    }];
    let h = header(&check_field(z8, eq));
    assert_eq!(h.dtype, Dtype::C64(LE));
}

#[test]
fn num_complex_from_c8_blob() {
    let z = vec![
        serde_npy::Complex {
            re: 1.5f32,
            im: -0.25,
        },
        serde_npy::Complex { re: -3.0, im: 4.0 },
    ];
    let expected = vec![
        num_complex::Complex::new(1.5f32, -0.25),
        num_complex::Complex::new(-3.0, 4.0),
    ];
    let w = wrap(z);
    for host in HOSTS {
        let msg = host.encode(&w);
        let back: Wrap<Vec<num_complex::Complex<f32>>> = host
            .decode(&msg)
            .unwrap_or_else(|e| panic!("{host:?}: {e}"));
        assert_eq!(back.field, expected, "{host:?}");
        // Also as `[f32; 2]` pairs.
        let pairs: Wrap<Vec<[f32; 2]>> = host.decode(&msg).unwrap();
        assert_eq!(pairs.field, [[1.5, -0.25], [-3.0, 4.0]]);
    }
    let h = header(&serde_npy::to_vec(&w.field).unwrap());
    assert_eq!(h.dtype, Dtype::C64(LE));
}

#[cfg(feature = "num-complex")]
#[test]
fn num_complex_conversions() {
    let z: Vec<serde_npy::Complex<f32>> = vec![num_complex::Complex::new(1.0f32, 2.0).into()];
    let w = wrap(z);
    let msg = Host::MsgpackNamed.encode(&w);
    let back: Wrap<Vec<serde_npy::Complex<f32>>> = Host::MsgpackNamed.decode(&msg).unwrap();
    let n: Vec<num_complex::Complex<f32>> = back.field.into_iter().map(Into::into).collect();
    assert_eq!(n, [num_complex::Complex::new(1.0, 2.0)]);
}

// ---------------------------------------------------------------------------
// Accepted host representations

/// A host deserializer that hands out an owned byte buffer.
struct OwnedBytes(Vec<u8>);

impl<'de> serde::Deserializer<'de> for OwnedBytes {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        v.visit_byte_buf(self.0)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

#[test]
fn accepts_borrowed_transient_owned_bytes_and_u8_sequences() {
    type E = serde::de::value::Error;
    let value = vec![vec![1.0f64, 2.0], vec![3.0, 4.0]];
    let blob = serde_npy::to_vec(&value).unwrap();

    let borrowed: Vec<Vec<f64>> =
        serde_npy::deserialize(serde::de::value::BorrowedBytesDeserializer::<E>::new(&blob))
            .unwrap();
    let transient: Vec<Vec<f64>> =
        serde_npy::deserialize(serde::de::value::BytesDeserializer::<E>::new(&blob)).unwrap();
    let owned: Vec<Vec<f64>> = serde_npy::deserialize(OwnedBytes(blob.clone())).unwrap();
    let seq: Vec<Vec<f64>> =
        serde_npy::deserialize(IntoDeserializer::<E>::into_deserializer(blob.clone())).unwrap();
    for got in [borrowed, transient, owned, seq] {
        assert_eq!(got, value);
    }

    // A MessagePack array of ints (a `Vec<u8>` written without serde_bytes).
    #[derive(Serialize)]
    struct AsInts {
        id: u32,
        field: Vec<u8>,
        tail: String,
    }
    let msg = rmp_serde::to_vec(&AsInts {
        id: 7,
        field: blob.clone(),
        tail: "tail".into(),
    })
    .unwrap();
    assert!(find(&msg, &blob).is_none(), "written as an array, not bin");
    let back: Wrap<Vec<Vec<f64>>> = rmp_serde::from_slice(&msg).unwrap();
    assert_eq!(back.field, value);

    // From a reader: the host hands out bytes it does not lend.
    let msg = rmp_serde::to_vec(&wrap(value.clone())).unwrap();
    let back: Wrap<Vec<Vec<f64>>> = rmp_serde::from_read(&msg[..]).unwrap();
    assert_eq!(back.field, value);
    let msg = bincode::serialize(&wrap(value.clone())).unwrap();
    let back: Wrap<Vec<Vec<f64>>> = bincode::deserialize_from(&msg[..]).unwrap();
    assert_eq!(back.field, value);
}

// ---------------------------------------------------------------------------
// Errors carry this crate's messages

#[test]
fn malformed_blob_is_a_host_error_with_our_message() {
    let good = serde_npy::to_vec(&vec![1.0f32, 2.0, 3.0]).unwrap();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            b"definitely not npy".to_vec(),
            "not a .npy file: expected the magic string",
        ),
        (
            good[..good.len() - 4].to_vec(),
            "data is 8 bytes, shape (3,) of",
        ),
        (
            good[..20].to_vec(),
            "unexpected end of input while reading header",
        ),
        (Vec::new(), "unexpected end of input"),
    ];
    for (blob, message) in cases {
        let raw = Raw {
            id: 7,
            field: ByteBuf::from(blob.clone()),
            tail: "tail".into(),
        };
        let raw_opt = RawOpt {
            id: 7,
            field: Some(ByteBuf::from(blob)),
            tail: "tail".into(),
        };
        for host in HOSTS {
            let msg = host.encode(&raw);
            let err = host
                .decode::<Wrap<Vec<f32>>>(&msg)
                .expect_err("a malformed blob is an error");
            if host.keeps_messages() {
                assert!(err.contains(message), "{host:?}: {err:?} lacks {message:?}");
            }
            let msg = host.encode(&raw_opt);
            let err = host
                .decode::<Wrap<Option<Vec<f32>>>>(&msg)
                .expect_err("a malformed optional blob is an error");
            if host.keeps_messages() {
                assert!(err.contains(message), "{host:?}: {err:?} lacks {message:?}");
            }
        }
    }

    // A well-formed blob of the wrong dimensionality.
    let raw = Raw {
        id: 7,
        field: ByteBuf::from(good),
        tail: "tail".into(),
    };
    for host in HOSTS {
        let msg = host.encode(&raw);
        let err = host.decode::<Wrap<Vec<Vec<f32>>>>(&msg).unwrap_err();
        if host.keeps_messages() {
            assert!(err.contains("found shape (3,)"), "{host:?}: {err}");
        }
    }

    // Not bytes at all. (serde_json hands a JSON string to a bytes request as
    // its UTF-8 bytes, which then fail the magic check.)
    let err =
        serde_json::from_str::<Wrap<Vec<f32>>>(r#"{"id":7,"field":5,"tail":""}"#).unwrap_err();
    assert!(err.to_string().contains("expected a .npy blob"), "{err}");
    let err =
        serde_json::from_str::<Wrap<Vec<f32>>>(r#"{"id":7,"field":"abc","tail":""}"#).unwrap_err();
    assert!(err.to_string().contains("not a .npy file"), "{err}");
}

#[test]
fn unstorable_value_is_a_host_error_with_our_message() {
    let ragged = wrap(vec![vec![1.0f32, 2.0], vec![3.0]]);
    for host in HOSTS {
        let err = host
            .try_encode(&ragged)
            .expect_err("ragged input is an error");
        if host.keeps_messages() {
            assert!(err.contains("ragged array"), "{host:?}: {err}");
        }
    }
    let err = serde_json::to_string(&wrap(Some(vec![Some(1.0f32)]))).unwrap_err();
    assert!(err.to_string().contains("cannot store an Option"), "{err}");
}

// ---------------------------------------------------------------------------
// Borrowing from the host's input

#[derive(Serialize, Deserialize, Debug)]
struct Msg<'a> {
    id: u32,
    #[serde(with = "serde_npy", borrow)]
    raw: &'a [u8],
    #[serde(with = "serde_npy", borrow)]
    opt: Option<&'a [u8]>,
}

#[derive(Deserialize, Debug)]
struct MsgStr<'a> {
    #[serde(with = "serde_npy", borrow)]
    name: &'a str,
    #[serde(with = "serde_npy", borrow)]
    raw: &'a [u8],
}

fn inside(buf: &[u8], part: &[u8]) -> bool {
    let r = buf.as_ptr_range();
    !part.is_empty() && r.start <= part.as_ptr() && part.as_ptr_range().end <= r.end
}

#[test]
fn borrows_from_host_input() {
    let payload: Vec<u8> = (0..50).collect();
    let msg = Msg {
        id: 1,
        raw: &payload,
        opt: Some(&payload[10..20]),
    };
    // `&[u8]` serializes as a sequence of u8: a 1-D `|u1` array.
    let h = header(&serde_npy::to_vec(&msg.raw).unwrap());
    assert_eq!((h.dtype, h.shape), (Dtype::U8, vec![50]));

    for host in [
        Host::MsgpackCompact,
        Host::MsgpackNamed,
        Host::Postcard,
        Host::Bincode,
    ] {
        let buf = host.encode(&msg);
        let back: Msg = host
            .decode(&buf)
            .unwrap_or_else(|e| panic!("{host:?}: {e}"));
        assert_eq!(back.raw, &payload[..], "{host:?}");
        assert!(
            inside(&buf, back.raw),
            "{host:?}: not borrowed from the message"
        );
        let opt = back.opt.expect("Some");
        assert_eq!(opt, &payload[10..20], "{host:?}");
        assert!(inside(&buf, opt), "{host:?}: Option not borrowed");
    }
    // JSON carries numbers: nothing to borrow, and a clean error says so.
    let json = serde_json::to_vec(&msg).unwrap();
    let err = serde_json::from_slice::<Msg>(&json).unwrap_err();
    assert!(err.to_string().contains("borrowed"), "{err}");
}

#[test]
fn borrows_str_from_s_blob() {
    // `|S5`, as `np.save(f, np.bytes_(b"hello"))` writes.
    let name = serde_npy::to_vec(serde_bytes::Bytes::new(b"hello")).unwrap();
    assert_eq!(header(&name).dtype, Dtype::Bytes(5));
    let raw = serde_npy::to_vec(&[9u8, 8, 7]).unwrap();

    #[derive(Serialize)]
    struct Out {
        name: ByteBuf,
        raw: ByteBuf,
    }
    let out = Out {
        name: ByteBuf::from(name),
        raw: ByteBuf::from(raw),
    };
    for host in [
        Host::MsgpackCompact,
        Host::MsgpackNamed,
        Host::Postcard,
        Host::Bincode,
    ] {
        let buf = host.encode(&out);
        let back: MsgStr = host
            .decode(&buf)
            .unwrap_or_else(|e| panic!("{host:?}: {e}"));
        assert_eq!(
            (back.name, back.raw),
            ("hello", &[9u8, 8, 7][..]),
            "{host:?}"
        );
        assert!(
            inside(&buf, back.name.as_bytes()),
            "{host:?}: str not borrowed"
        );
        assert!(inside(&buf, back.raw), "{host:?}: bytes not borrowed");
    }
}

// ---------------------------------------------------------------------------
// README usage

/// The README's "Arrays inside other formats" example. (Its `[[u8; 3]; 640]`
/// rows are narrowed to 32 pixels: serde implements `Serialize` and
/// `Deserialize` for arrays of at most 32 elements.)
mod readme {
    use serde::{Deserialize, Serialize};
    use serde_npy as npy;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    pub struct Frame {
        pub id: u32,
        #[serde(with = "serde_npy")]
        pub image: Vec<[[u8; 3]; 32]>,
        #[serde(with = "npy")]
        pub mask: Option<Vec<bool>>,
    }
}

#[test]
fn readme_alias_usage() {
    for mask in [Some(vec![true, false]), None] {
        let frame = readme::Frame {
            id: 3,
            image: vec![[[255, 0, 0]; 32]; 2],
            mask,
        };
        let packed = rmp_serde::to_vec_named(&frame).unwrap();
        let back: readme::Frame = rmp_serde::from_slice(&packed).unwrap();
        assert_eq!(back, frame);
        let h = header(&serde_npy::to_vec(&frame.image).unwrap());
        assert_eq!((h.dtype, h.shape), (Dtype::U8, vec![2, 32, 3]));
        let json = serde_json::to_string(&frame).unwrap();
        assert_eq!(serde_json::from_str::<readme::Frame>(&json).unwrap(), frame);
    }
}

// ---------------------------------------------------------------------------
// The issue's "Done when": five array fields through every host format

#[derive(Serialize, Deserialize, Debug)]
struct Sample {
    id: u32,
    #[serde(with = "serde_npy")]
    image: [[[u8; 3]; 3]; 2],
    #[serde(with = "serde_npy")]
    vector: Vec<f32>,
    #[serde(with = "serde_npy")]
    matrix: Vec<Vec<f64>>,
    #[serde(with = "serde_npy")]
    half: Vec<f16>,
    #[serde(with = "serde_npy")]
    grid: Array2<i32>,
    name: String,
}

fn sample() -> Sample {
    let mut image = [[[0u8; 3]; 3]; 2];
    for (i, px) in image.iter_mut().flatten().flatten().enumerate() {
        *px = (i * 15) as u8;
    }
    Sample {
        id: 99,
        image,
        vector: vec![0.1, -2.5, 3.0e38, 7.0],
        matrix: vec![vec![1.0, -0.5, 1.0 / 3.0], vec![1e300, -1e-300, 6.02e23]],
        half: [1.0f32, -2.0, 0.1, 65504.0].map(f16::from_f32).to_vec(),
        grid: Array::from_shape_vec((2, 2).f(), vec![1, 3, -2, i32::MAX]).unwrap(),
        name: "sample".into(),
    }
}

fn assert_same_sample(a: &Sample, b: &Sample, what: &str) {
    assert_eq!(a.id, b.id, "{what}");
    assert_eq!(a.image, b.image, "{what}");
    assert_eq!(a.vector, b.vector, "{what}");
    assert_eq!(a.matrix, b.matrix, "{what}");
    assert_eq!(f16_bits(&a.half), f16_bits(&b.half), "{what}");
    assert_eq!(a.grid, b.grid, "{what}");
    assert_eq!(a.name, b.name, "{what}");
}

#[test]
fn five_array_fields_round_trip() {
    let s = sample();
    for host in HOSTS {
        let msg = host.encode(&s);
        let back: Sample = host
            .decode(&msg)
            .unwrap_or_else(|e| panic!("{host:?}: {e}"));
        assert_same_sample(&back, &s, &format!("{host:?}"));
    }
    // In MessagePack each array is one bin value holding its .npy file.
    let msg = rmp_serde::to_vec_named(&s).unwrap();
    for blob in [
        serde_npy::to_vec(&s.image).unwrap(),
        serde_npy::to_vec(&s.vector).unwrap(),
        serde_npy::to_vec(&s.matrix).unwrap(),
        serde_npy::to_vec(&s.half).unwrap(),
        serde_npy::to_vec(&s.grid).unwrap(),
    ] {
        assert_msgpack_bin(&msg, &blob);
    }
}

// ---------------------------------------------------------------------------
// A message written by Python (numpy + msgpack)

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/msgpack")
        .join(name)
}

#[derive(Deserialize, Debug)]
struct NumpyMessage {
    id: u32,
    name: String,
    #[serde(with = "serde_npy")]
    image: [[[u8; 3]; 3]; 2],
    #[serde(with = "serde_npy")]
    vector: Vec<f32>,
    #[serde(with = "serde_npy")]
    matrix: Vec<Vec<f64>>,
    #[serde(with = "serde_npy")]
    half: Vec<f16>,
    #[serde(with = "serde_npy")]
    fortran: Array2<i32>,
}

/// The same message with every array left as its `np.save` bytes.
#[derive(Deserialize, Debug)]
struct NumpyMessageRaw {
    image: ByteBuf,
    vector: ByteBuf,
    matrix: ByteBuf,
    half: ByteBuf,
    fortran: ByteBuf,
}

#[test]
fn reads_numpy_msgpack_fixture() {
    let bytes = std::fs::read(fixture("numpy_message.msgpack")).expect("fixture; see generate.py");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("numpy_message.json")).unwrap())
            .unwrap();
    let arrays = &expected["arrays"];
    let value = |name: &str| arrays[name]["value"].clone();

    let m: NumpyMessage = rmp_serde::from_slice(&bytes).expect("decode the NumPy message");
    assert_eq!(m.id as u64, expected["id"].as_u64().unwrap());
    assert_eq!(m.name, expected["name"].as_str().unwrap());
    assert_eq!(
        m.image,
        serde_json::from_value::<[[[u8; 3]; 3]; 2]>(value("image")).unwrap()
    );
    let vector: Vec<f32> = serde_json::from_value(value("vector")).unwrap();
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&m.vector), bits(&vector));
    assert_eq!(
        m.matrix,
        serde_json::from_value::<Vec<Vec<f64>>>(value("matrix")).unwrap()
    );
    let half_bits: Vec<u16> = serde_json::from_value(arrays["half"]["bits"].clone()).unwrap();
    assert_eq!(f16_bits(&m.half), half_bits);
    let fortran: Vec<Vec<i32>> = serde_json::from_value(value("fortran")).unwrap();
    assert_eq!(m.fortran.shape(), [fortran.len(), fortran[0].len()]);
    for (row, want) in m.fortran.outer_iter().zip(&fortran) {
        assert_eq!(row.to_vec(), *want);
    }

    // Each blob's header is what the sidecar says NumPy wrote.
    let raw: NumpyMessageRaw = rmp_serde::from_slice(&bytes).unwrap();
    let blobs = [
        ("image", &raw.image),
        ("vector", &raw.vector),
        ("matrix", &raw.matrix),
        ("half", &raw.half),
        ("fortran", &raw.fortran),
    ];
    for (name, blob) in blobs {
        let h = header(blob);
        let want = &arrays[name];
        let dtype: Dtype = want["dtype"].as_str().unwrap().parse().unwrap();
        assert_eq!(h.dtype, dtype, "{name}");
        assert_eq!(
            serde_json::to_value(&h.shape).unwrap(),
            want["shape"],
            "{name}"
        );
        assert_eq!(
            Value::Bool(h.fortran_order),
            want["fortran_order"],
            "{name}"
        );
    }
    assert!(header(&raw.fortran).fortran_order);

    // Writing the decoded values again gives NumPy's bytes exactly.
    assert_eq!(serde_npy::to_vec(&m.image).unwrap(), *raw.image);
    assert_eq!(serde_npy::to_vec(&m.vector).unwrap(), *raw.vector);
    assert_eq!(serde_npy::to_vec(&m.matrix).unwrap(), *raw.matrix);
    assert_eq!(serde_npy::to_vec(&m.half).unwrap(), *raw.half);
    let f: ShapedF<i32> = serde_npy::from_slice(&raw.fortran).unwrap();
    assert!(f.fortran_order);
    assert_eq!(serde_npy::to_vec(&f).unwrap(), *raw.fortran);
}

// ---------------------------------------------------------------------------
// serde features that buffer or reshape the host's input

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(tag = "type")]
enum Tagged {
    Frame {
        #[serde(with = "serde_npy")]
        data: Vec<f32>,
        #[serde(with = "serde_npy")]
        mask: Option<Vec<u8>>,
    },
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(untagged)]
enum Untagged {
    Matrix {
        #[serde(with = "serde_npy")]
        m: Vec<Vec<f64>>,
    },
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Outer {
    id: u8,
    #[serde(flatten)]
    inner: Inner,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Inner {
    #[serde(with = "serde_npy")]
    v: Vec<i64>,
    #[serde(with = "serde_npy")]
    o: Option<Vec<i64>>,
}

/// Self-describing hosts only: serde buffers the input of tagged, untagged
/// and flattened types, which postcard and bincode cannot do.
fn self_describing<T>(value: &T)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    for host in [Host::MsgpackNamed, Host::Json] {
        let msg = host.encode(value);
        let back: T = host
            .decode(&msg)
            .unwrap_or_else(|e| panic!("{host:?}: {e}"));
        assert_eq!(back, *value, "{host:?}");
    }
    let v = serde_json::to_value(value).unwrap();
    assert_eq!(
        serde_json::from_value::<T>(v).unwrap(),
        *value,
        "serde_json::Value"
    );
}

#[test]
fn tagged_untagged_and_flattened() {
    for mask in [None, Some(vec![1u8, 0])] {
        self_describing(&Tagged::Frame {
            data: vec![1.0, 2.0],
            mask,
        });
    }
    self_describing(&Untagged::Matrix {
        m: vec![vec![1.0, 2.0]; 2],
    });
    for o in [None, Some(vec![3i64])] {
        self_describing(&Outer {
            id: 1,
            inner: Inner { v: vec![1, 2], o },
        });
    }
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Scalars {
    #[serde(with = "serde_npy")]
    a: f64,
    #[serde(with = "serde_npy")]
    b: f16,
    #[serde(with = "serde_npy")]
    c: serde_npy::Complex<f32>,
    #[serde(with = "serde_npy")]
    d: String,
    #[serde(with = "serde_npy")]
    e: bool,
    #[serde(with = "serde_npy")]
    f: (i32, f64),
    #[serde(with = "serde_npy")]
    g: Option<f16>,
    #[serde(with = "serde_npy")]
    h: char,
    #[serde(with = "serde_npy")]
    i: ByteBuf,
    #[serde(with = "serde_npy")]
    j: Option<Array2<f32>>,
}

#[test]
fn zero_d_fields() {
    let s = Scalars {
        a: 1.5,
        b: f16::from_f32(0.5),
        c: serde_npy::Complex { re: 1.0, im: 2.0 },
        d: "hé".into(),
        e: true,
        f: (3, 4.5),
        g: Some(f16::ONE),
        h: 'x',
        i: ByteBuf::from(b"ab\0c".to_vec()),
        j: Some(Array2::zeros((2, 2))),
    };
    for host in HOSTS {
        let msg = host.encode(&s);
        let back: Scalars = host
            .decode(&msg)
            .unwrap_or_else(|e| panic!("{host:?}: {e}"));
        assert_eq!(back, s, "{host:?}");
    }
    assert!(header(&serde_npy::to_vec(&s.a).unwrap()).shape.is_empty());
}

// ---------------------------------------------------------------------------
// ArrayView: zero-copy through the host's buffer when the data is aligned

/// Whether `ArrayView<T>` can borrow the data of `blob` where it sits in `msg`.
fn data_aligned_in<T>(msg: &[u8], blob: &[u8]) -> Option<bool> {
    let pos = find(msg, blob)?;
    let data = msg.as_ptr() as usize + pos + header(blob).data_offset;
    Some(data % std::mem::align_of::<T>() == 0)
}

#[test]
fn array_view_borrows_from_host_when_aligned() {
    /// Returns how many hosts lent the data.
    fn check<T>(data: Vec<T>) -> usize
    where
        T: serde_npy::Element + Serialize + DeserializeOwned + PartialEq + Debug,
    {
        let view = serde_npy::ArrayView::new(vec![data.len() / 2, 2], data.clone()).unwrap();
        let blob = serde_npy::to_vec(&view).unwrap();
        assert_eq!(
            blob,
            serde_npy::to_vec(&data.chunks(2).map(|c| c.to_vec()).collect::<Vec<_>>()).unwrap()
        );
        let w = wrap(view);
        let mut borrowed = 0;
        for host in HOSTS {
            let msg = host.encode(&w);
            let back: Wrap<serde_npy::ArrayView<T>> = host
                .decode(&msg)
                .unwrap_or_else(|e| panic!("{host:?}: {e}"));
            assert_eq!(back.field.shape(), [data.len() / 2, 2], "{host:?}");
            assert_eq!(back.field.data(), &data[..], "{host:?}");
            // Only hosts that lend their bytes can be borrowed from, and only
            // where the data lands aligned for `T` (checked, not assumed).
            let lends = host != Host::Json;
            let aligned = data_aligned_in::<T>(&msg, &blob).unwrap_or(false);
            assert_eq!(back.field.is_borrowed(), lends && aligned, "{host:?}");
            if back.field.is_borrowed() {
                borrowed += 1;
                let d = back.field.data();
                let (start, end) = (
                    d.as_ptr() as usize,
                    d.as_ptr() as usize + std::mem::size_of_val(d),
                );
                let r = msg.as_ptr_range();
                assert!(
                    r.start as usize <= start && end <= r.end as usize,
                    "{host:?}: not borrowed from the message"
                );
            }
        }
        borrowed
    }
    // Bytes are always aligned: every host but JSON lends them.
    assert_eq!(check(vec![1u8, 2, 3, 4]), 4);
    // Wider types borrow or copy depending on where the blob lands.
    check(vec![1.0f32, 2.0, 3.0, 4.0]);
    check(vec![1.0f64, -2.0, 3.5, 4.0, 5.0, 6.0]);
    check(vec![1u16, 2, 3, 4]);
}

#[test]
fn scratch_reuse_across_sizes_and_kinds() {
    // The helper reuses one buffer per thread; plain numbers overwrite it in
    // place. Blobs after longer ones, and padded kinds after plain numbers,
    // must still be exactly `to_vec`'s bytes.
    fn blob_of<T: Serialize>(field: T) -> Vec<u8> {
        let msg = rmp_serde::to_vec_named(&wrap(field)).unwrap();
        let raw: Raw = rmp_serde::from_slice(&msg).unwrap();
        raw.field.into_vec()
    }
    let long: Vec<f64> = (0..5000).map(|i| i as f64 * 1.5).collect();
    let short = vec![-1i16, 2, -3];
    let strings = vec!["a".to_string(), "much longer".to_string()];
    let points = points();
    for _ in 0..2 {
        assert_eq!(blob_of(&long), serde_npy::to_vec(&long).unwrap());
        assert_eq!(blob_of(&short), serde_npy::to_vec(&short).unwrap());
        assert_eq!(blob_of(&strings), serde_npy::to_vec(&strings).unwrap());
        assert_eq!(blob_of(&points), serde_npy::to_vec(&points).unwrap());
        assert_eq!(blob_of(&long), serde_npy::to_vec(&long).unwrap());
    }
}
