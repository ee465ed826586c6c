//! Writes `.npz` archives for the NumPy check in `.ci/run`
//! (`tests/interop/check_npz.py`): each case stored (`NAME.npz`), compressed
//! (`NAME.compressed.npz`) and 64-byte aligned (`NAME.aligned.npz`), with a
//! `NAME.json` sidecar holding each member's `.npy` bytes as
//! `serde_npy::to_vec` writes them, in hex.
//!
//! The files go to `$CARGO_TARGET_TMPDIR/interop-npz`.
#![cfg(feature = "npz")]

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;
use serde_npy::npz::{self, WriteOptions};

fn out_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("interop-npz");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn case<T: Serialize>(name: &str, value: &T) {
    let dir = out_dir();
    let stored = npz::to_vec(value).unwrap_or_else(|e| panic!("{name}: {e}"));
    let compressed = npz::to_vec_compressed(value).unwrap();
    let aligned = npz::to_vec_with(value, &WriteOptions::new().align(64)).unwrap();
    let archive = npz::Archive::new(&stored).unwrap();
    // Pairs, in archive order (serde_json's maps sort their keys).
    let members: Vec<(String, String)> = archive
        .names()
        .map(|key| (key.to_owned(), hex(&archive.bytes(key).unwrap())))
        .collect();
    std::fs::write(dir.join(format!("{name}.npz")), &stored).unwrap();
    std::fs::write(dir.join(format!("{name}.compressed.npz")), &compressed).unwrap();
    std::fs::write(dir.join(format!("{name}.aligned.npz")), &aligned).unwrap();
    let side = serde_json::json!({ "members": members });
    std::fs::write(dir.join(format!("{name}.json")), side.to_string()).unwrap();
}

#[derive(Serialize)]
struct Layer {
    w: Vec<[f32; 3]>,
    b: Vec<f32>,
}

#[derive(Serialize)]
struct Checkpoint {
    step: u64,
    lr: f64,
    name: String,
    enc: Layer,
    dec: Layer,
    mask: Option<Vec<bool>>,
    missing: Option<Vec<bool>>,
}

#[derive(Serialize)]
struct Point {
    x: f32,
    y: f32,
    id: u32,
}

#[derive(Serialize)]
struct Shaped {
    shape: Vec<usize>,
    data: Vec<f64>,
    fortran_order: bool,
}

#[derive(Serialize)]
struct Misc {
    points: Vec<Point>,
    fortran: Shaped,
    #[serde(rename = "é/ü")]
    unicode: Vec<i16>,
    empty: Vec<f64>,
    big: Vec<u16>,
}

#[test]
fn write_npz_interop_cases() {
    let layer = |n: usize, s: f32| Layer {
        w: (0..n).map(|i| [i as f32 * s, 1.0, -s]).collect(),
        b: vec![s; n],
    };
    case(
        "checkpoint",
        &Checkpoint {
            step: 7,
            lr: 1e-3,
            name: "run-ü".into(),
            enc: layer(4, 0.5),
            dec: layer(2, -1.5),
            mask: Some(vec![true, false]),
            missing: None,
        },
    );
    case(
        "misc",
        &Misc {
            points: vec![
                Point {
                    x: 1.0,
                    y: 2.0,
                    id: 7,
                },
                Point {
                    x: f32::NAN,
                    y: f32::INFINITY,
                    id: 8,
                },
            ],
            fortran: Shaped {
                shape: vec![2, 3],
                data: (0..6).map(f64::from).collect(),
                fortran_order: true,
            },
            unicode: vec![-1, 2],
            empty: vec![],
            big: (0..200_000u32).map(|i| (i % 65_536) as u16).collect(),
        },
    );
    case("tuple", &(vec![1i8, 2, 3], 2.5f32, "text"));
    let mut map = BTreeMap::new();
    for i in 0..70 {
        map.insert(format!("m{i:02}"), vec![i; i as usize % 5]);
    }
    case("many", &map);
    case("empty", &());
}
