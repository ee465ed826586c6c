//! Convert a `.npy` file to JSON: `cargo run --example npy2json -- FILE.npy`.
//!
//! With no argument it converts a small record array it writes itself, to
//! show the shape of the output: N-D arrays become nested lists, records become
//! objects, complex numbers `[re, im]` pairs.

use serde::Serialize;

#[derive(Serialize)]
struct Sample {
    t: f64,
    channel: [i16; 2],
    label: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bytes = match std::env::args_os().nth(1) {
        Some(path) => std::fs::read(path)?,
        None => serde_npy::to_vec(&vec![
            Sample {
                t: 0.0,
                channel: [1, -1],
                label: "start".into(),
            },
            Sample {
                t: 0.5,
                channel: [2, -2],
                label: "end".into(),
            },
        ])?,
    };
    let header = serde_npy::Header::from_slice(&bytes)?;
    eprintln!(
        "dtype {}, shape {:?}, fortran_order {}",
        header.dtype, header.shape, header.fortran_order
    );
    let value: serde_json::Value = serde_npy::from_slice(&bytes)?;
    println!("{}", serde_json::to_string_pretty(&value)?);
    Ok(())
}
