//! A record array written and read two ways: through serde, record by record,
//! and as bytes with `serde_npy::pod` (the `bytemuck` feature). Both give the
//! same file; the second is a copy. Writes `records.npy` and prints the
//! Python line that loads it.
//!
//! Timings mean something only in a release build:
//! `cargo run --release --example records`.

#[cfg(feature = "bytemuck")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    use std::time::Instant;

    use bytemuck::{Pod, Zeroable};
    use serde::{Deserialize, Serialize};

    /// One point of a cloud; `#[repr(C)]` and no padding make it `Pod`.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, Serialize, Deserialize)]
    struct Point {
        x: f32,
        y: f32,
        z: f32,
        id: u32,
    }

    let points: Vec<Point> = (0..1u32 << 20)
        .map(|i| Point {
            x: i as f32,
            y: (i % 7) as f32,
            z: -0.5,
            id: i,
        })
        .collect();
    assert!(serde_npy::pod::copies::<Point>() || cfg!(target_endian = "big"));

    let t = Instant::now();
    let by_serde = serde_npy::to_vec(&points)?;
    let serde_write = t.elapsed();
    let t = Instant::now();
    let by_pod = serde_npy::pod::to_vec(&points)?;
    let pod_write = t.elapsed();
    assert_eq!(by_pod, by_serde);

    let t = Instant::now();
    let back: Vec<Point> = serde_npy::from_slice(&by_serde)?;
    let serde_read = t.elapsed();
    let t = Instant::now();
    let copied: Vec<Point> = serde_npy::pod::from_slice(&by_pod)?;
    let pod_read = t.elapsed();
    assert_eq!(back, points);
    assert_eq!(copied, points);

    let path = "records.npy";
    std::fs::write(path, &by_pod)?;
    let mib = by_pod.len() as f64 / (1 << 20) as f64;
    println!("{} records, {mib:.1} MiB:", points.len());
    println!("  write: serde {serde_write:?}, pod {pod_write:?}");
    println!("  read:  serde {serde_read:?}, pod {pod_read:?}");
    let header = serde_npy::Header::from_slice(&by_pod)?;
    println!("dtype {}, shape {:?}", header.dtype, header.shape);
    println!("python3 -c \"import numpy as np; a = np.load('{path}'); print(a.dtype, a[:2])\"");
    Ok(())
}

#[cfg(not(feature = "bytemuck"))]
fn main() {
    eprintln!("this example needs the `bytemuck` feature: cargo run --features bytemuck --example records");
}
