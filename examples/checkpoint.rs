//! Save a model checkpoint — a nested struct of arrays — as an `.npz`
//! archive, read it back (all of it, then one member), and print the Python
//! line that loads it.

use serde::{Deserialize, Serialize};

/// One dense layer: `w` is (inputs, outputs), `b` is (outputs,).
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Dense {
    w: Vec<[f32; 4]>,
    b: Vec<f32>,
}

/// The checkpoint: members `step.npy`, `lr.npy`, `encoder/w.npy`,
/// `encoder/b.npy`, `decoder/w.npy`, `decoder/b.npy` (and `ema.npy` when set).
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Checkpoint {
    step: u64,
    lr: f64,
    encoder: Dense,
    decoder: Dense,
    ema: Option<Vec<f32>>,
}

fn dense(inputs: usize, scale: f32) -> Dense {
    Dense {
        w: (0..inputs)
            .map(|i| std::array::from_fn(|j| scale * (i * 4 + j) as f32))
            .collect(),
        b: vec![scale; 4],
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ckpt = Checkpoint {
        step: 1000,
        lr: 3e-4,
        encoder: dense(8, 0.01),
        decoder: dense(4, -0.02),
        ema: None,
    };

    let path = std::env::temp_dir().join("serde_npy_checkpoint.npz");
    let file = std::io::BufWriter::new(std::fs::File::create(&path)?);
    serde_npy::npz::to_writer(file, &ckpt)?;

    // Everything back, reading only the members the struct names.
    let back: Checkpoint = serde_npy::npz::from_reader(std::fs::File::open(&path)?)?;
    assert_eq!(back, ckpt);

    // One member, without decoding the rest.
    let mut archive = serde_npy::npz::Reader::new(std::fs::File::open(&path)?)?;
    let names: Vec<String> = archive.names().map(String::from).collect();
    let w: Vec<[f32; 4]> = archive.get("decoder/w")?;
    assert_eq!(w, ckpt.decoder.w);

    println!("wrote {} ({names:?})", path.display());
    println!(
        "python3 -c \"import numpy as np; z = np.load('{}'); print(z.files, z['encoder/w'].shape, z['step'])\"",
        path.display()
    );
    Ok(())
}
