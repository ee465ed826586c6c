//! Write an array to `quickstart.npy`, read it back, and print the Python line
//! that loads it.

use serde::{Deserialize, Serialize};

/// A 2-D array with its shape, as NumPy stores it.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Matrix {
    shape: Vec<usize>,
    data: Vec<f32>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let matrix = Matrix {
        shape: vec![2, 3],
        data: vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5],
    };

    let path = "quickstart.npy";
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    serde_npy::to_writer(file, &matrix)?;

    // Read it back, as a shape + data struct and as nested rows.
    let bytes = std::fs::read(path)?;
    let back: Matrix = serde_npy::from_slice(&bytes)?;
    assert_eq!(back, matrix);
    let rows: Vec<Vec<f32>> = serde_npy::from_slice(&bytes)?;

    let header = serde_npy::Header::from_slice(&bytes)?;
    println!(
        "wrote {path}: dtype {}, shape {:?}, {} bytes",
        header.dtype,
        header.shape,
        bytes.len()
    );
    println!("rows read back: {rows:?}");
    println!("load it in Python with:");
    println!("    python3 -c \"import numpy as np; print(np.load('{path}'))\"");
    Ok(())
}
