//! `&mut serde_npy::Serializer<W>` is a `serde::Serializer`: values given to
//! it through serde alone (`serde_transcode`, `value.serialize(&mut ser)`)
//! come out as the bytes `to_vec` gives the typed value.

use serde::{Deserialize, Serialize};
use serde_npy::{from_slice, to_vec, ErrorKind, Serializer};

/// JSON text transcoded to `.npy` with no Rust type in between.
fn transcode_json(json: &str) -> serde_npy::Result<Vec<u8>> {
    let mut ser = Serializer::new(Vec::new());
    let mut de = serde_json::Deserializer::from_str(json);
    serde_transcode::transcode(&mut de, &mut ser)?;
    Ok(ser.into_inner())
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Point {
    x: f32,
    y: f32,
    id: u32,
}

#[test]
fn json_transcodes_to_the_typed_bytes() {
    assert_eq!(
        transcode_json("[[1.5, 2.5], [3.5, 4.5]]").unwrap(),
        to_vec(&vec![vec![1.5f64, 2.5], vec![3.5, 4.5]]).unwrap()
    );
    // serde_json hands out non-negative integers as u64 and negative ones as i64.
    assert_eq!(
        transcode_json("[1, 2, 3]").unwrap(),
        to_vec(&vec![1u64, 2, 3]).unwrap()
    );
    assert_eq!(
        transcode_json("[-1, -2]").unwrap(),
        to_vec(&vec![-1i64, -2]).unwrap()
    );
    // A sequence mixing types is refused, as the same value typed is.
    let mixed: serde_json::Value = serde_json::from_str("[-1, 2]").unwrap();
    let typed = to_vec(&mixed).unwrap_err();
    assert!(
        matches!(typed.kind(), ErrorKind::MixedTypes { .. }),
        "{typed:?}"
    );
    let transcoded = transcode_json("[-1, 2]").unwrap_err();
    assert!(
        transcoded.to_string().starts_with(&typed.to_string()),
        "{transcoded}"
    );
    assert_eq!(
        transcode_json(r#"["a", "bcd"]"#).unwrap(),
        to_vec(&vec!["a", "bcd"]).unwrap()
    );
    assert_eq!(transcode_json("true").unwrap(), to_vec(&true).unwrap());
    assert_eq!(
        transcode_json("[]").unwrap(),
        to_vec(&Vec::<f64>::new()).unwrap()
    );
    let back: Vec<Vec<f64>> = from_slice(&transcode_json("[[1, 2], [3, 4]]").unwrap())
        .map(|v: Vec<Vec<u64>>| {
            v.into_iter()
                .map(|row| row.into_iter().map(|x| x as f64).collect())
                .collect()
        })
        .unwrap();
    assert_eq!(back, vec![vec![1.0, 2.0], vec![3.0, 4.0]]);
}

#[test]
fn json_objects_are_maps_and_refused_without_output() {
    // A JSON object reaches a serde::Serializer as a map, which has no
    // `.npy` form; nothing is written. (serde_transcode passes the error
    // through serde_json's, so only its message survives.)
    let mut ser = Serializer::new(Vec::new());
    let mut de = serde_json::Deserializer::from_str(r#"[{"x": 1.0}]"#);
    let err = serde_transcode::transcode(&mut de, &mut ser).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot store a map in a .npy array"),
        "{err}"
    );
    assert!(ser.into_inner().is_empty());
    // Given directly, the kind is kept.
    let mut ser = Serializer::new(Vec::new());
    let map = std::collections::BTreeMap::from([("x", 1.0)]);
    let err = map.serialize(&mut ser).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Unsupported { .. }),
        "{err:?}"
    );
}

#[test]
fn typed_values_through_the_serde_serializer_equal_to_vec() {
    let points = vec![
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
    let mut ser = Serializer::new(Vec::new());
    points.serialize(&mut ser).unwrap();
    assert_eq!(ser.into_inner(), to_vec(&points).unwrap());

    #[derive(Serialize)]
    struct Shaped {
        shape: Vec<usize>,
        data: Vec<i16>,
        fortran_order: bool,
    }
    let shaped = Shaped {
        shape: vec![2, 3],
        data: vec![1, 2, 3, 4, 5, 6],
        fortran_order: true,
    };
    let mut ser = Serializer::new(Vec::new());
    shaped.serialize(&mut ser).unwrap();
    assert_eq!(ser.into_inner(), to_vec(&shaped).unwrap());

    // skip_serializing_if fields are skipped by the record too.
    #[derive(Serialize)]
    struct Sparse {
        a: u8,
        #[serde(skip_serializing_if = "Option::is_none")]
        b: Option<u8>,
        c: f64,
    }
    let sparse = vec![Sparse {
        a: 1,
        b: None,
        c: 2.0,
    }];
    let mut ser = Serializer::new(Vec::new());
    sparse.serialize(&mut ser).unwrap();
    assert_eq!(ser.into_inner(), to_vec(&sparse).unwrap());

    let image = ndarray::Array2::<f32>::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f32);
    let mut ser = Serializer::new(Vec::new());
    image.serialize(&mut ser).unwrap();
    assert_eq!(ser.into_inner(), to_vec(&image).unwrap());

    let half = vec![serde_npy::half::f16::from_f32(0.5); 3];
    let mut ser = Serializer::new(Vec::new());
    half.serialize(&mut ser).unwrap();
    assert_eq!(ser.into_inner(), to_vec(&half).unwrap());
}

#[test]
fn each_top_level_value_is_one_array_back_to_back() {
    let mut ser = Serializer::new(Vec::new());
    vec![1u8, 2, 3].serialize(&mut ser).unwrap();
    ser.serialize(&[0.5f32; 2]).unwrap();
    "tail".serialize(&mut ser).unwrap();
    let out = ser.into_inner();

    let (a, rest): (Vec<u8>, _) = serde_npy::take_from_slice(&out).unwrap();
    let (b, rest): ([f32; 2], _) = serde_npy::take_from_slice(rest).unwrap();
    let (c, rest): (String, _) = serde_npy::take_from_slice(rest).unwrap();
    assert_eq!(
        (a, b, c.as_str(), rest.len()),
        (vec![1, 2, 3], [0.5, 0.5], "tail", 0)
    );
}

#[test]
fn errors_carry_their_path_through_the_serde_serializer() {
    #[derive(Serialize)]
    struct Tagged {
        x: f32,
        tag: Option<u8>,
    }
    let mut ser = Serializer::new(Vec::new());
    let err = vec![Tagged { x: 1.0, tag: None }]
        .serialize(&mut ser)
        .unwrap_err();
    assert_eq!(err.path().as_deref(), Some("[0].tag"));
    assert!(ser.get_ref().is_empty());
}
