use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Point {
    x: f32,
    y: u16,
    pos: [f64; 3],
    name: String,
}

#[test]
fn smoke() {
    let b = serde_npy::to_vec(&vec![0f32, 1., 2.]).unwrap();
    assert_eq!(b.len(), 140);
    let v: Vec<f32> = serde_npy::from_slice(&b).unwrap();
    assert_eq!(v, vec![0., 1., 2.]);
    let pts = vec![
        Point {
            x: 1.0,
            y: 2,
            pos: [1., 2., 3.],
            name: "ab".into(),
        },
        Point {
            x: 3.0,
            y: 4,
            pos: [4., 5., 6.],
            name: "xyz".into(),
        },
    ];
    let b = serde_npy::to_vec(&pts).unwrap();
    let h = serde_npy::Header::from_slice(&b).unwrap();
    println!("{}", h.dtype);
    let back: Vec<Point> = serde_npy::from_slice(&b).unwrap();
    assert_eq!(back, pts);
    let j: serde_json::Value = serde_npy::from_slice(&b).unwrap();
    println!("{j}");
    let e = serde_npy::from_slice::<Vec<f32>>(&serde_npy::to_vec(&vec![vec![1f32; 4]; 3]).unwrap())
        .unwrap_err();
    println!("{e}");
    let e = serde_npy::to_vec(&vec![vec![1f32; 4], vec![1f32; 3]]).unwrap_err();
    println!("{e}");
}

#[test]
fn view_smoke() {
    let b = serde_npy::to_vec(&vec![1.0f32, 2.0, 3.0]).unwrap();
    let v: serde_npy::ArrayView<f32> = serde_npy::from_slice(&b).unwrap();
    assert!(v.is_borrowed());
    assert_eq!(v.data(), [1.0, 2.0, 3.0]);
    let mis = [&[0u8][..], &b].concat();
    let v: serde_npy::ArrayView<f32> = serde_npy::from_slice(&mis[1..]).unwrap();
    assert_eq!(v.data(), [1.0, 2.0, 3.0]);
    assert!(serde_npy::from_slice::<serde_npy::ArrayView<f64>>(&b).is_err());
    let j = serde_json::to_string(&v).unwrap();
    let back: serde_npy::ArrayView<f32> = serde_json::from_str(&j).unwrap();
    assert_eq!(back, v);
}
