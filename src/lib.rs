//! serde-npy (work in progress)
#![allow(dead_code)]
mod dtype;
mod error;
mod header;
mod pylit;
mod pyrepr;

pub use dtype::{ByteOrder, Dtype, Field, Record};
pub use error::{Error, Result};
pub use header::{Header, ReadOptions, Version, MAGIC};
pub use half;
