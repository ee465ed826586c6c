//! Writes MessagePack messages with `#[serde(with = "serde_npy")]` fields for
//! the NumPy check in `.ci/run` (`tests/interop/check_msgpack.py`), which
//! unpacks each message with Python's `msgpack`, loads every array field with
//! `np.load(io.BytesIO(blob))` and compares dtype, shape, memory order and
//! values with the sidecar `expected.json` written here.
//!
//! The files go to `$CARGO_TARGET_TMPDIR/interop-msgpack`:
//! * `message.msgpack`: the five-array message (u8 image 2×3×3, f32 vector,
//!   `Vec<Vec<f64>>`, `Vec<f16>`, `ndarray::Array2<i32>`) plus an `Option`
//!   array field set to `Some`;
//! * `message_none.msgpack`: the same with the optional field `None`, which
//!   must arrive as MessagePack nil;
//! * `extras.msgpack`: a Fortran-order array, records, strings, complex
//!   numbers, an empty array and a 0-d scalar.

use std::path::{Path, PathBuf};

use half::f16;
use ndarray::{Array, Array2, ShapeBuilder};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use serde_json::{json, Value};
use serde_npy::Complex;

fn out_dir() -> PathBuf {
    // Files are overwritten, never deleted: the checker reads only those that
    // `expected.json` lists, and concurrent runs must not pull the directory
    // from under each other.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("interop-msgpack");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[derive(Serialize)]
struct Message {
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
    grid: Array2<i32>,
    #[serde(with = "serde_npy")]
    mask: Option<Vec<f32>>,
}

#[derive(Serialize)]
struct ShapedF<T> {
    shape: Vec<usize>,
    fortran_order: bool,
    data: Vec<T>,
}

#[derive(Serialize)]
struct Point {
    x: f32,
    id: u32,
    pos: [f64; 2],
    label: String,
}

#[derive(Serialize)]
struct Extras {
    #[serde(with = "serde_npy")]
    fortran: ShapedF<f64>,
    #[serde(with = "serde_npy")]
    records: Vec<Point>,
    #[serde(with = "serde_npy")]
    labels: Vec<String>,
    #[serde(with = "serde_npy")]
    spectrum: Vec<Complex<f64>>,
    #[serde(with = "serde_npy")]
    empty: Vec<f32>,
    #[serde(with = "serde_npy")]
    scalar: i64,
}

/// Writes through a temporary file and a rename, so that a concurrent run
/// never sees half a file.
fn write(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// What NumPy must find in one blob.
fn array(dtype: &str, shape: &[usize], fortran_order: bool, value: Value) -> Value {
    json!({ "dtype": dtype, "shape": shape, "fortran_order": fortran_order, "value": value })
}

fn message(mask: Option<Vec<f32>>) -> Message {
    let mut image = [[[0u8; 3]; 3]; 2];
    for (i, px) in image.iter_mut().flatten().flatten().enumerate() {
        *px = (i * 15) as u8;
    }
    Message {
        id: 7,
        name: "rust → numpy".into(),
        image,
        vector: vec![0.1, -2.5, 3.0e38, 1e-45, -0.0, 7.0],
        matrix: vec![
            vec![1.0, -0.5, 1.0 / 3.0],
            vec![1e300, -1e-300, 6.02214076e23],
        ],
        half: [0x3c00u16, 0x8000, 0x0001, 0x7bff, 0x7c00, 0xfc00, 0x7e00]
            .map(f16::from_bits)
            .to_vec(),
        // Fortran layout in memory; ndarray's serde form is in logical order.
        grid: Array::from_shape_vec((2, 3).f(), vec![1, 4, -2, i32::MAX, 3, i32::MIN]).unwrap(),
        mask,
    }
}

fn message_expected(m: &Message) -> Value {
    let grid: Vec<Vec<i32>> = m.grid.outer_iter().map(|r| r.to_vec()).collect();
    let mut arrays = json!({
        "image": array("|u1", &[2, 3, 3], false, json!(m.image)),
        "vector": array("<f4", &[6], false, json!(m.vector)),
        "matrix": array("<f8", &[2, 3], false, json!(m.matrix)),
        "half": {
            "dtype": "<f2",
            "shape": [m.half.len()],
            "fortran_order": false,
            "bits": m.half.iter().map(|h| h.to_bits()).collect::<Vec<_>>(),
        },
        "grid": array("<i4", &[2, 3], false, json!(grid)),
    });
    let mut none = Vec::new();
    match &m.mask {
        Some(mask) => arrays["mask"] = array("<f4", &[mask.len()], false, json!(mask)),
        None => none.push("mask"),
    }
    json!({
        "plain": { "id": m.id, "name": m.name },
        "none": none,
        "arrays": arrays,
    })
}

fn extras() -> (Extras, Value) {
    let e = Extras {
        fortran: ShapedF {
            shape: vec![2, 3],
            fortran_order: true,
            data: vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0],
        },
        records: vec![
            Point {
                x: 1.5,
                id: 1,
                pos: [0.5, -0.5],
                label: "a".into(),
            },
            Point {
                x: -2.0,
                id: u32::MAX,
                pos: [1e10, 2.0],
                label: "ünï".into(),
            },
        ],
        labels: vec!["".into(), "hello".into(), "😀 wide".into()],
        spectrum: vec![
            Complex { re: 1.0, im: -2.0 },
            Complex { re: 0.0, im: 1e300 },
        ],
        empty: Vec::new(),
        scalar: -42,
    };
    let expected = json!({
        "plain": {},
        "none": [],
        "arrays": {
            "fortran": array("<f8", &[2, 3], true, json!([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])),
            "records": array(
                "[('x', '<f4'), ('id', '<u4'), ('pos', '<f8', (2,)), ('label', '<U3')]",
                &[2],
                false,
                json!([
                    { "x": 1.5, "id": 1, "pos": [0.5, -0.5], "label": "a" },
                    { "x": -2.0, "id": u32::MAX, "pos": [1e10, 2.0], "label": "ünï" },
                ]),
            ),
            "labels": array("<U6", &[3], false, json!(e.labels)),
            "spectrum": array("<c16", &[2], false, json!([[1.0, -2.0], [0.0, 1e300]])),
            // An empty sequence has no element type: `<f8`, as `np.array([])`.
            "empty": array("<f8", &[0], false, json!([])),
            "scalar": array("<i8", &[], false, json!(-42)),
        },
    });
    (e, expected)
}

/// The message as MessagePack, after checking that every array field is a
/// `bin` value holding exactly `serde_npy::to_vec` of the field.
fn pack<T: Serialize>(value: &T, expected: &Value) -> Vec<u8> {
    let msg = rmp_serde::to_vec_named(value).unwrap();
    #[derive(Deserialize)]
    struct AnyMap(std::collections::BTreeMap<String, Field>);
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Field {
        Bytes(ByteBuf),
        Other(serde::de::IgnoredAny),
    }
    let AnyMap(fields) = rmp_serde::from_slice(&msg).unwrap();
    for name in expected["arrays"].as_object().unwrap().keys() {
        match fields.get(name) {
            Some(Field::Bytes(b)) => {
                serde_npy::Header::from_slice(b).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            _ => panic!("{name}: not a bytes value"),
        }
    }
    msg
}

#[test]
fn write_msgpack_interop() {
    let dir = out_dir();
    let some = message(Some(vec![0.0, 1.0, 0.5]));
    let none = message(None);
    let (extras, extras_expected) = extras();

    let mut messages = Vec::new();
    for (file, msg, expected) in [
        (
            "message.msgpack",
            pack(&some, &message_expected(&some)),
            message_expected(&some),
        ),
        (
            "message_none.msgpack",
            pack(&none, &message_expected(&none)),
            message_expected(&none),
        ),
        (
            "extras.msgpack",
            pack(&extras, &extras_expected),
            extras_expected.clone(),
        ),
    ] {
        write(&dir.join(file), &msg);
        let mut entry = expected;
        entry["file"] = json!(file);
        messages.push(entry);
    }
    // The None field is MessagePack nil.
    let bytes = rmp_serde::to_vec_named(&none).unwrap();
    assert!(bytes.windows(5).any(|w| w == b"mask\xc0"), "mask is nil");

    let side = json!({
        "about": "written by tests/interop_msgpack_write.rs; checked by tests/interop/check_msgpack.py",
        "messages": messages,
    });
    write(
        &dir.join("expected.json"),
        serde_json::to_string_pretty(&side).unwrap().as_bytes(),
    );
}
