//! A 64 MiB array written to a file with `to_writer` and read back with
//! `from_reader`. Run it under `/usr/bin/time -v` to see the peak memory: the
//! source array and the destination (2 × 64 MiB) plus small buffers, since
//! neither direction holds a third copy.
//!
//! ```sh
//! cargo build --release --example roundtrip_64mib
//! /usr/bin/time -v target/release/examples/roundtrip_64mib
//! ```

use std::fs::File;
use std::io::{BufReader, BufWriter};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n = 64 << 20 >> 2;
    let data: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let path = std::env::temp_dir().join("serde_npy_roundtrip_64mib.npy");

    serde_npy::to_writer(BufWriter::new(File::create(&path)?), &data)?;
    let back: Vec<f32> = serde_npy::from_reader(BufReader::new(File::open(&path)?))?;
    assert!(back == data);

    println!(
        "wrote and read {} ({} MiB of f32 data)",
        path.display(),
        (n * 4) >> 20
    );
    std::fs::remove_file(&path)?;
    Ok(())
}
