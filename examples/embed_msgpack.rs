//! Arrays inside a MessagePack message: each annotated field travels as a
//! complete `.npy` blob (MessagePack `bin`), the rest of the struct stays
//! ordinary MessagePack. Python reads it with msgpack + numpy:
//!
//! ```python
//! import io, msgpack, numpy as np
//! msg = msgpack.unpackb(open("message.msgpack", "rb").read())
//! image = np.load(io.BytesIO(msg["image"]))   # uint8, shape (2, 3, 3)
//! ```

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Message {
    id: u32,
    source: String,
    #[serde(with = "serde_npy")]
    image: Vec<[[u8; 3]; 3]>,
    #[serde(with = "serde_npy")]
    features: Vec<f32>,
    #[serde(with = "serde_npy")]
    mask: Option<Vec<bool>>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let message = Message {
        id: 42,
        source: "camera-1".into(),
        image: vec![[[0, 64, 128], [255, 1, 2], [3, 4, 5]]; 2],
        features: vec![0.25, -1.0, 3.5],
        mask: None,
    };
    // Named fields make a MessagePack map, which Python sees as a dict.
    let packed = rmp_serde::to_vec_named(&message)?;
    let path = std::env::temp_dir().join("message.msgpack");
    std::fs::write(&path, &packed)?;
    let back: Message = rmp_serde::from_slice(&packed)?;
    assert_eq!(back, message);
    println!(
        "wrote {} ({} bytes); read back {:?}",
        path.display(),
        packed.len(),
        back.features
    );
    println!("in Python:");
    println!("    import io, msgpack, numpy as np");
    println!(
        "    msg = msgpack.unpackb(open({:?}, 'rb').read())",
        path.display().to_string()
    );
    println!("    print(np.load(io.BytesIO(msg['image'])).shape)  # (2, 3, 3)");
    Ok(())
}
