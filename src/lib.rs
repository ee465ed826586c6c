//! NumPy's `.npy` format as a [serde] data format.
//!
//! In Python, `arr.tobytes()` loses the shape and dtype; `np.save` keeps them.
//! This crate gives Rust the same: any array-shaped value becomes `.npy` bytes
//! that `np.load` reads exactly, and any file `np.save` wrote becomes Rust
//! values again, with shape, dtype, memory order and every bit kept.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct Point {
//!     x: f32,
//!     y: f32,
//!     id: u32,
//! }
//!
//! // A Vec of structs is a NumPy record array:
//! // dtype [('x', '<f4'), ('y', '<f4'), ('id', '<u4')], shape (2,).
//! let points = vec![Point { x: 1.0, y: 2.0, id: 7 }, Point { x: 3.0, y: 4.0, id: 8 }];
//! let bytes = serde_npy::to_vec(&points)?;
//! let back: Vec<Point> = serde_npy::from_slice(&bytes)?;
//! assert_eq!(back, points);
//!
//! // Nested sequences are N-D arrays.
//! let image = vec![[0u8; 3]; 4];
//! let header = serde_npy::Header::from_slice(&serde_npy::to_vec(&image)?)?;
//! assert_eq!(header.shape, [4, 3]);
//! # Ok::<(), serde_npy::Error>(())
//! ```
//!
//! # Writing: Rust value → `.npy`
//!
//! | Rust value (serde data model) | written as |
//! |---|---|
//! | `bool`, `i8`…`i64`, `u8`…`u64`, `f32`, `f64` | 0-d array: `\|b1`, `\|i1`, `\|u1`, `<i2` … `<f8` |
//! | [`half::f16`] | `<f2` |
//! | [`half::bf16`] | `<V2` with the bits, as `np.save` writes an `ml_dtypes.bfloat16` array (`.view(ml_dtypes.bfloat16)` after `np.load`) |
//! | [`datetime::DateTime64<U>`] / [`datetime::TimeDelta64<U>`] | `<M8[U]` / `<m8[U]`, every NumPy unit; [`datetime::NAT`] is NaT |
//! | `String`, `&str`, `char` | `<U{n}`, `n` = longest element in chars (at least 1) |
//! | bytes ([`serde_bytes::ByteBuf`], `#[serde(with = "serde_bytes")]`) | `\|S{n}`; trailing NUL bytes are padding and, as in NumPy, do not come back |
//! | a sequence of the above (`Vec<T>`, `&[T]`, `[T; N]`) | 1-D |
//! | nested sequences (`Vec<Vec<T>>`, `[[T; 3]; 4]`, `Vec<[f32; 3]>`) | N-D; ragged input is an error naming the first ragged index |
//! | a struct with fields `shape` (integers) and `data` (flat sequence), optionally `fortran_order: bool` | N-D of that shape, data in C order (Fortran order when the flag is true) |
//! | a struct or heterogeneous tuple as an element (`Vec<Point>`, `Vec<(i32, f64)>`) | structured dtype; tuples name fields `f0`, `f1`, …; nested struct → nested dtype; array field → subarray |
//! | `Option`, enums, maps, unit | an error naming what cannot be stored |
//!
//! Tuples and arrays look the same to serde, so a tuple whose elements all
//! have one type is an axis, as in `np.array([(1.0, 2.0)])` (shape `(1, 2)`);
//! only a tuple mixing types is a record. An empty sequence has no element
//! type, so it is written as `<f8`, like `np.array([])`; [`typed`] writes an
//! empty slice of `T: Default` with `T`'s dtype and trailing axes instead.
//!
//! The bytes are identical to NumPy ≥ 1.24 `np.save`: the same header text with
//! growth spaces and 64-byte alignment, and the same choice of format 1.0, 2.0
//! (header over 65535 bytes) or 3.0 (field names outside latin-1). Data is
//! always written little-endian.
//!
//! # Reading: `.npy` → Rust
//!
//! | `.npy` | read into |
//! |---|---|
//! | any file, through `deserialize_any` (so `serde_json::Value` works) | 0-d → the scalar; N-D → nested sequences in logical C order (Fortran files re-ordered); records → maps of field name → value; subarray → sequence; `U` → string; `S` → bytes; `<f2` → `f32` exactly; complex → `[re, im]`; datetime → `i64` |
//! | a struct with `shape` + `data` (+ optional `fortran_order`) | shape and flat data in C order; with a `fortran_order` field, data in file order and the flag set |
//! | `Vec<T>`, `[T; N]`, nested `Vec`s, `ndarray::Array` | dimensionality must match: "expected 1-D, found shape (3, 4)" |
//! | numbers | serde's own rules: an `<i4` file fills an `i64` field; narrowing below |
//! | big-endian or `=` data | converted to native |
//! | [`half::f16`] | bit-exact from `<f2` |
//! | [`half::bf16`] | bit-exact from `<V2`, `\|V2` or `'bfloat16'` (only a `bf16` target reads void bytes as bfloat16) |
//! | [`datetime::DateTime64<U>`] / [`datetime::TimeDelta64<U>`] | from `M8`/`m8` of unit `U` exactly (plain `i64` reads any unit) |
//!
//! Numbers convert as serde converts them in every format. An `<f8` file
//! read into `f32` rounds to the nearest `f32` (values beyond its range
//! become infinite): serde's `f32` accepts an `f64` and casts it. Integers
//! are range-checked: a value that does not fit the Rust type is an
//! [`ErrorKind::InvalidValue`] naming the element.
//!
//! ```
//! let doubles = serde_npy::to_vec(&[0.1f64, 1e300])?;
//! let floats: Vec<f32> = serde_npy::from_slice(&doubles)?;
//! assert_eq!(floats, [0.1f32, f32::INFINITY]);
//!
//! let ints = serde_npy::to_vec(&[1i32, 300])?;
//! let err = serde_npy::from_slice::<Vec<u8>>(&ints).unwrap_err();
//! assert_eq!(err.to_string(), "invalid value: integer `300`, expected u8 (at [1], file dtype '<i4')");
//! # Ok::<(), serde_npy::Error>(())
//! ```
//!
//! Everything `np.load` accepts is read: any key order, double quotes, no
//! trailing comma, 16-byte legacy padding, format 2.0 and 3.0, and `|`, `=`,
//! `<`, `>` byte orders. Object (`O`) arrays are refused: their data is a
//! pickle, which is never loaded.
//!
//! Arrays written back to back in one stream are read in turn by
//! [`from_slice_iter`] and [`from_reader_iter`], iterators that end exactly
//! at the end of the input and report an array cut short as an error.
//!
//! # Arrays inside other formats
//!
//! [`serialize`] and [`deserialize`] make `#[serde(with = "serde_npy")]` work
//! on any array field: it travels as one bytes value holding a complete
//! `.npy`, which Python reads with `np.load(io.BytesIO(blob))`.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, PartialEq, Debug)]
//! struct Message {
//!     id: u32,
//!     #[serde(with = "serde_npy")]
//!     samples: Vec<[f32; 2]>,
//!     #[serde(with = "serde_npy")]
//!     mask: Option<Vec<bool>>,
//! }
//!
//! let msg = Message { id: 1, samples: vec![[0.5, 1.5]; 3], mask: None };
//! let json = serde_json::to_string(&msg)?;
//! assert_eq!(serde_json::from_str::<Message>(&json)?, msg);
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! # Zero copy
//!
//! [`ArrayView`] borrows aligned native-endian data straight from the input;
//! data of its element type that is byte-swapped or misaligned is copied,
//! and a file of another element type is an error. [`Header`] reads only the
//! header.
//!
//! # ndarray
//!
//! With ndarray's `serde` feature, `ndarray::Array` is written and read
//! directly: written in C order whatever its memory layout, read from C- and
//! Fortran-order files alike. An [`ArrayView`] becomes an
//! `ndarray::ArrayView` over the same memory, `.f()` for Fortran order:
//!
//! ```
//! use ndarray::{array, Array2, ArrayView2, ShapeBuilder};
//!
//! let a: Array2<f32> = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
//! let bytes = serde_npy::to_vec(&a)?;
//! assert_eq!(serde_npy::from_slice::<Array2<f32>>(&bytes)?, a);
//!
//! let view: serde_npy::ArrayView<f32> = serde_npy::from_slice(&bytes)?;
//! let shape = (view.shape()[0], view.shape()[1]);
//! let nd = match view.fortran_order() {
//!     true => ArrayView2::from_shape(shape.f(), view.data())?,
//!     false => ArrayView2::from_shape(shape, view.data())?,
//! };
//! assert_eq!(nd, a);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The README's ndarray section and `examples/ndarray.rs` show Fortran
//! layouts both ways.
//!
//! # Speed
//!
//! Slices of plain numbers (`bool`, `i8`…`u64`, `f32`, `f64`) and of rows of
//! two to four of them (`[T; 3]`) take whole-slice paths, at memory speed:
//! writing a `Vec<T>`, `&[T]` or `Vec<[T; 3]>` copies the slice (on
//! little-endian hosts), and reading into a `Vec<T>` or `Vec<[T; 3]>` (or a
//! `Box<[T]>`, which serde reads through `Vec`) decodes the data in one pass,
//! into a `Vec` of exactly its size from a slice, or a window at a time from a
//! reader. Everything else goes element by element through serde, with the
//! same results.
//!
//! Record arrays (`Vec<Point>`) go through serde one record and one field at
//! a time, about twice the time of copying them. With the `bytemuck` feature,
//! `serde_npy::pod` writes and reads slices of `#[repr(C)]` `bytemuck::Pod`
//! records as the bytes they are, at memory speed, with the same results for
//! plain derived types.
//!
//! # Untrusted input
//!
//! Reading never panics and never allocates more than the input justifies: the
//! data length implied by the header is checked (with checked arithmetic)
//! against the bytes actually present before anything is decoded. Header size
//! and dtype nesting are limited by [`ReadOptions`].
//!
//! [serde]: https://serde.rs

#![deny(missing_docs)]
#![warn(missing_debug_implementations)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod append;
mod bulk;
mod complex;
pub mod datetime;
mod de;
mod descr;
mod dtype;
mod error;
mod header;
mod iter;
#[cfg(feature = "npz")]
#[cfg_attr(docsrs, doc(cfg(feature = "npz")))]
pub mod npz;
#[cfg(feature = "bytemuck")]
#[cfg_attr(docsrs, doc(cfg(feature = "bytemuck")))]
pub mod pod;
mod pylit;
mod pyrepr;
mod recorded;
mod ser;
pub mod typed;
mod view;
mod with;

pub use append::{AppendFile, AppendOptions, Appender};
pub use complex::Complex;
pub use de::{from_reader, from_reader_with, from_slice, take_from_slice, Deserializer};
pub use dtype::{ByteOrder, Dtype, Field, Record};
pub use error::{Error, ErrorKind, Result};
pub use header::{Header, ReadOptions, Version, MAGIC};
pub use iter::{
    from_reader_iter, from_reader_iter_with, from_slice_iter, from_slice_iter_with, ReaderArrays,
    SliceArrays,
};
pub use ser::{to_vec, to_writer, Recording, Serializer};
pub use view::{ArrayView, Element};
pub use with::{deserialize, serialize};

/// The `half` crate, whose [`f16`](half::f16) maps to NumPy's `float16`.
pub use half;
