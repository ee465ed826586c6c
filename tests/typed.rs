//! `serde_npy::typed`: an empty slice is written with its element type's
//! dtype and trailing axes (from `T::default()`), a non-empty one exactly as
//! `serde_npy::to_vec` writes it, in a file and as a `with` field.

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_npy::{ByteOrder, Dtype, Header};

#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq)]
struct Point {
    x: f32,
    y: f32,
    id: u32,
}

#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq)]
struct Inner {
    a: i16,
    b: [u8; 2],
}

#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq)]
struct Outer {
    inner: Inner,
    pos: [[f64; 3]; 2],
    flag: bool,
    label: String,
}

fn header(bytes: &[u8]) -> Header {
    Header::from_slice(bytes).unwrap()
}

/// The empty slice's header has `one`'s dtype and trailing axes, with a first
/// axis of 0, and no data follows it; both writers agree.
fn check_empty_like<T: Serialize + Default>(one: T) -> Header {
    let empty = serde_npy::typed::to_vec::<T>(&[]).unwrap();
    let mut written = Vec::new();
    serde_npy::typed::to_writer(&mut written, &[] as &[T]).unwrap();
    assert_eq!(written, empty, "to_writer and to_vec differ");
    let h = header(&empty);
    assert_eq!(h.data_offset, empty.len(), "no data after the header");
    let full = header(&serde_npy::to_vec(&[one]).unwrap());
    assert_eq!(h.dtype, full.dtype);
    assert_eq!(h.shape[0], 0);
    assert_eq!(h.shape[1..], full.shape[1..]);
    // The header NumPy would write for `np.empty(shape, dtype)`.
    assert_eq!(
        empty,
        Header::new(h.dtype.clone(), h.shape.clone(), false).to_bytes()
    );
    h
}

#[test]
fn empty_records_have_the_records_dtype() {
    let h = check_empty_like(Point {
        x: 1.0,
        y: 2.0,
        id: 3,
    });
    assert_eq!(h.shape, [0]);
    assert_eq!(
        h.dtype.to_string(),
        "[('x', '<f4'), ('y', '<f4'), ('id', '<u4')]"
    );
    // Where plain `to_vec` has no element to go by.
    let plain = header(&serde_npy::to_vec(&Vec::<Point>::new()).unwrap());
    assert_eq!(plain.dtype, Dtype::F64(ByteOrder::Little));
}

#[test]
fn empty_numbers_have_their_type() {
    let h = check_empty_like(5i32);
    assert_eq!((h.dtype, h.shape), (Dtype::I32(ByteOrder::Little), vec![0]));
    let h = check_empty_like(true);
    assert_eq!(h.dtype, Dtype::Bool);
    let h = check_empty_like(serde_npy::half::f16::ONE);
    assert_eq!(h.dtype, Dtype::F16(ByteOrder::Little));
    let h = check_empty_like(serde_npy::Complex {
        re: 1.0f64,
        im: 2.0,
    });
    assert_eq!(h.dtype, Dtype::C128(ByteOrder::Little));
}

#[test]
fn empty_rows_keep_their_trailing_axes() {
    let h = check_empty_like([1.0f32, 2.0, 3.0]);
    assert_eq!(
        (h.dtype, h.shape),
        (Dtype::F32(ByteOrder::Little), vec![0, 3])
    );
    let h = check_empty_like([[1u8; 4]; 2]);
    assert_eq!((h.dtype, h.shape), (Dtype::U8, vec![0, 2, 4]));
}

#[test]
fn empty_nested_records() {
    let h = check_empty_like(Outer {
        label: "x".into(),
        ..Outer::default()
    });
    assert_eq!(
        h.dtype.to_string(),
        "[('inner', [('a', '<i2'), ('b', '|u1', (2,))]), ('pos', '<f8', (2, 3)), ('flag', '|b1'), ('label', '<U1')]"
    );
}

#[test]
fn values_of_the_default_decide_value_dependent_layouts() {
    // A default `String` is empty, stored as at least one character.
    let h = header(&serde_npy::typed::to_vec::<String>(&[]).unwrap());
    assert_eq!(
        (h.dtype, h.shape),
        (Dtype::Str(1, ByteOrder::Little), vec![0])
    );
    // A default `Vec` is empty: an axis of length 0, of `'<f8'`.
    let h = header(&serde_npy::typed::to_vec::<Vec<i32>>(&[]).unwrap());
    assert_eq!(
        (h.dtype, h.shape),
        (Dtype::F64(ByteOrder::Little), vec![0, 0])
    );
}

#[derive(Serialize, Default)]
struct NotStorable {
    maybe: Option<i32>,
}

#[test]
fn a_default_that_cannot_be_stored_is_an_error() {
    let err = serde_npy::typed::to_vec::<NotStorable>(&[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot store"), "{err}");
    let err = serde_npy::typed::to_writer(Vec::new(), &[] as &[NotStorable])
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot store"), "{err}");
}

fn round_trip<T>(items: Vec<T>)
where
    T: Serialize + DeserializeOwned + Default + PartialEq + Debug,
{
    let bytes = serde_npy::typed::to_vec(&items).unwrap();
    assert_eq!(serde_npy::from_slice::<Vec<T>>(&bytes).unwrap(), items);
    assert_eq!(
        serde_npy::from_reader::<_, Vec<T>>(&bytes[..]).unwrap(),
        items
    );
    if !items.is_empty() {
        assert_eq!(bytes, serde_npy::to_vec(&items).unwrap());
        let mut written = Vec::new();
        serde_npy::typed::to_writer(&mut written, &items).unwrap();
        assert_eq!(written, bytes);
    }
}

#[test]
fn empty_and_full_slices_round_trip() {
    let p = Point {
        x: 0.5,
        y: -1.5,
        id: 9,
    };
    round_trip(Vec::<Point>::new());
    round_trip(vec![p.clone(), p]);
    round_trip(Vec::<i32>::new());
    round_trip(vec![i32::MIN, 0, i32::MAX]);
    round_trip(Vec::<[f32; 3]>::new());
    round_trip(vec![[1.0f32, 2.0, 3.0]; 4]);
    round_trip(Vec::<Outer>::new());
    round_trip(vec![
        Outer {
            label: "first".into(),
            ..Outer::default()
        };
        2
    ]);
    round_trip(Vec::<String>::new());
    round_trip(vec!["a".to_string(), "bcd".into()]);
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Batch {
    seq: u64,
    #[serde(with = "serde_npy::typed")]
    points: Vec<Point>,
    #[serde(with = "serde_npy::typed")]
    ids: Vec<i32>,
    #[serde(with = "serde_npy::typed")]
    rows: Vec<[f32; 3]>,
    #[serde(with = "serde_npy::typed")]
    previous: Option<Vec<Point>>,
}

/// The same fields through `#[serde(with = "serde_npy")]`.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct PlainBatch {
    seq: u64,
    #[serde(with = "serde_npy")]
    points: Vec<Point>,
    #[serde(with = "serde_npy")]
    ids: Vec<i32>,
    #[serde(with = "serde_npy")]
    rows: Vec<[f32; 3]>,
    #[serde(with = "serde_npy")]
    previous: Option<Vec<Point>>,
}

impl From<Batch> for PlainBatch {
    fn from(b: Batch) -> Self {
        PlainBatch {
            seq: b.seq,
            points: b.points,
            ids: b.ids,
            rows: b.rows,
            previous: b.previous,
        }
    }
}

fn empty_batch() -> Batch {
    Batch {
        seq: 1,
        points: vec![],
        ids: vec![],
        rows: vec![],
        previous: Some(vec![]),
    }
}

fn full_batch() -> Batch {
    let p = Point {
        x: 1.0,
        y: 2.0,
        id: 3,
    };
    Batch {
        seq: 2,
        points: vec![p.clone(); 3],
        ids: vec![4, 5],
        rows: vec![[0.5; 3]],
        previous: Some(vec![p]),
    }
}

/// The headers of the empty batch's blobs, in field order.
fn check_empty_blobs(blobs: [Vec<u8>; 4]) {
    let [points, ids, rows, previous] = blobs.map(|b| header(&b));
    let record = "[('x', '<f4'), ('y', '<f4'), ('id', '<u4')]";
    assert_eq!(
        (points.dtype.to_string(), points.shape),
        (record.into(), vec![0])
    );
    assert_eq!(
        (ids.dtype, ids.shape),
        (Dtype::I32(ByteOrder::Little), vec![0])
    );
    assert_eq!(
        (rows.dtype, rows.shape),
        (Dtype::F32(ByteOrder::Little), vec![0, 3])
    );
    assert_eq!(previous.dtype.to_string(), record);
}

#[test]
fn with_fields_in_json() {
    let json = serde_json::to_value(empty_batch()).unwrap();
    let blob = |field: &str| serde_json::from_value::<Vec<u8>>(json[field].clone()).unwrap();
    check_empty_blobs(["points", "ids", "rows", "previous"].map(blob));
    for batch in [
        empty_batch(),
        full_batch(),
        Batch {
            previous: None,
            ..empty_batch()
        },
    ] {
        let text = serde_json::to_string(&batch).unwrap();
        assert_eq!(serde_json::from_str::<Batch>(&text).unwrap(), batch);
        // Read back through the plain `with` too: the blob is any `.npy`.
        let plain = serde_json::from_str::<PlainBatch>(&text).unwrap();
        assert_eq!(plain, PlainBatch::from(batch.clone()));
        if !batch.points.is_empty() {
            assert_eq!(
                text,
                serde_json::to_string(&PlainBatch::from(batch)).unwrap()
            );
        }
    }
    let none = serde_json::to_value(Batch {
        previous: None,
        ..full_batch()
    })
    .unwrap();
    assert!(none["previous"].is_null());
}

#[test]
fn with_fields_in_messagepack() {
    #[derive(Deserialize)]
    struct Blobs {
        #[serde(with = "serde_bytes")]
        points: Vec<u8>,
        #[serde(with = "serde_bytes")]
        ids: Vec<u8>,
        #[serde(with = "serde_bytes")]
        rows: Vec<u8>,
        #[serde(with = "serde_bytes")]
        previous: Vec<u8>,
    }
    let packed = rmp_serde::to_vec_named(&empty_batch()).unwrap();
    let b: Blobs = rmp_serde::from_slice(&packed).unwrap();
    check_empty_blobs([b.points, b.ids, b.rows, b.previous]);
    for batch in [
        empty_batch(),
        full_batch(),
        Batch {
            previous: None,
            ..full_batch()
        },
    ] {
        for packed in [
            rmp_serde::to_vec(&batch).unwrap(),
            rmp_serde::to_vec_named(&batch).unwrap(),
        ] {
            assert_eq!(rmp_serde::from_slice::<Batch>(&packed).unwrap(), batch);
        }
        if !batch.points.is_empty() {
            // A non-empty batch is byte for byte the plain `with`'s.
            assert_eq!(
                rmp_serde::to_vec(&batch).unwrap(),
                rmp_serde::to_vec(&PlainBatch::from(batch)).unwrap()
            );
        }
    }
}

#[test]
fn with_takes_slices_boxes_and_references() {
    #[derive(Serialize)]
    struct Borrowing<'a> {
        #[serde(with = "serde_npy::typed")]
        slice: &'a [Point],
        #[serde(with = "serde_npy::typed")]
        boxed: Box<[u16]>,
        #[serde(with = "serde_npy::typed")]
        maybe: Option<&'a [[i8; 2]]>,
    }
    let value = serde_json::to_value(Borrowing {
        slice: &[],
        boxed: Box::new([]),
        maybe: Some(&[]),
    })
    .unwrap();
    let blob =
        |field: &str| header(&serde_json::from_value::<Vec<u8>>(value[field].clone()).unwrap());
    assert_eq!(
        blob("slice").dtype.to_string(),
        "[('x', '<f4'), ('y', '<f4'), ('id', '<u4')]"
    );
    assert_eq!(blob("boxed").dtype, Dtype::U16(ByteOrder::Little));
    assert_eq!(
        (blob("maybe").dtype, blob("maybe").shape),
        (Dtype::I8, vec![0, 2])
    );
}

#[test]
fn with_reports_a_default_that_cannot_be_stored() {
    #[derive(Serialize)]
    struct Host {
        #[serde(with = "serde_npy::typed")]
        items: Vec<NotStorable>,
    }
    let err = serde_json::to_string(&Host { items: vec![] })
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot store"), "{err}");
}
