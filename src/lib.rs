//! serde-npy (work in progress)
mod de;
mod dtype;
mod error;
mod header;
mod pylit;
mod pyrepr;
mod ser;

pub use de::{from_reader, from_reader_with, from_slice, take_from_slice, Deserializer};
pub use dtype::{ByteOrder, Dtype, Field, Record};
pub use error::{Error, Result};
pub use half;
pub use header::{Header, ReadOptions, Version, MAGIC};
pub use ser::{to_vec, to_writer, Serializer};
