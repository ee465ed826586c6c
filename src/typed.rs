//! Slices written with their element type's dtype even when they are empty.
//!
//! serde shows a format the elements of a sequence, not its element type, so
//! [`crate::to_vec`] writes an empty `Vec<Point>` as `np.array([])` writes
//! it: `'<f8'`, shape `(0,)`. Python code that reads a batch with
//! `arr["x"]` then fails exactly when the batch happens to be empty. The
//! functions here take `T: Default` and, for an empty slice, plan
//! `T::default()` instead: the file gets the dtype and trailing axes a
//! non-empty slice of `T` would get, with a first axis of 0. A non-empty
//! slice is written exactly as [`crate::to_vec`] writes it.
//!
//! ```
//! use serde::Serialize;
//! use serde_npy::{ByteOrder, Dtype, Header};
//!
//! #[derive(Serialize, Default)]
//! struct Point {
//!     x: f32,
//!     id: u32,
//! }
//!
//! let bytes = serde_npy::typed::to_vec::<Point>(&[])?;
//! let header = Header::from_slice(&bytes)?;
//! assert_eq!(header.dtype.to_string(), "[('x', '<f4'), ('id', '<u4')]");
//! assert_eq!(header.shape, [0]);
//!
//! let rows = Header::from_slice(&serde_npy::typed::to_vec::<[u16; 3]>(&[])?)?;
//! assert_eq!((rows.dtype, rows.shape), (Dtype::U16(ByteOrder::Little), vec![0, 3]));
//! # Ok::<(), serde_npy::Error>(())
//! ```
//!
//! The layout is `T::default()`'s, so where it depends on values, the
//! default's applies: a `String` field is `'<U1'`, and a `Vec` field is as
//! long as its default (usually empty).
//!
//! `#[serde(with = "serde_npy::typed")]` does the same for a field embedded
//! in another format, as `#[serde(with = "serde_npy")]` does for any array
//! (see [`serialize`]).

use std::io::Write;

use serde::de::{Deserialize, Deserializer};
use serde::ser::{self, Serialize, Serializer};

use crate::error::Result;
use crate::header::write_preamble;
use crate::with::with_scratch;

/// Serializes `items` as a complete `.npy` file in memory, taking an empty
/// slice's dtype and trailing axes from `T::default()`.
///
/// A non-empty slice gives exactly the bytes of [`crate::to_vec`].
///
/// ```
/// let empty = serde_npy::typed::to_vec::<i32>(&[])?;
/// assert_eq!(serde_npy::Header::from_slice(&empty)?.dtype.to_string(), "'<i4'");
/// assert_eq!(serde_npy::typed::to_vec(&[1i32, 2])?, serde_npy::to_vec(&[1i32, 2])?);
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub fn to_vec<T: Serialize + Default>(items: &[T]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    to_vec_into(items, &mut out)?;
    Ok(out)
}

/// Serializes `items` as a complete `.npy` file into `writer`, taking an
/// empty slice's dtype and trailing axes from `T::default()`.
///
/// A non-empty slice is written by [`crate::to_writer`]. On error, part of
/// the output may already have been written.
///
/// ```
/// let mut out = Vec::new();
/// serde_npy::typed::to_writer(&mut out, &Vec::<[f32; 3]>::new())?;
/// assert_eq!(serde_npy::Header::from_slice(&out)?.shape, [0, 3]);
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub fn to_writer<W: Write, T: Serialize + Default>(mut writer: W, items: &[T]) -> Result<()> {
    if !items.is_empty() {
        return crate::to_writer(writer, items);
    }
    let mut header = Vec::new();
    write_empty(&mut header, T::default())?;
    writer.write_all(&header)?;
    Ok(())
}

/// Like [`to_vec`], into `out` (cleared first), reusing its allocation.
fn to_vec_into<T: Serialize + Default>(items: &[T], out: &mut Vec<u8>) -> Result<()> {
    if !items.is_empty() {
        return crate::ser::to_vec_into(items, out);
    }
    out.clear();
    write_empty(out, T::default())
}

/// Appends the file of an empty array of elements laid out as `one`: the
/// header alone, since there is no data.
fn write_empty<T: Serialize>(out: &mut Vec<u8>, one: T) -> Result<()> {
    let (dtype, axes) = crate::ser::element_layout(&one)?;
    let mut shape = Vec::with_capacity(1 + axes.len());
    shape.push(0);
    shape.extend_from_slice(&axes);
    write_preamble(&dtype, &shape, false, out);
    Ok(())
}

/// Serializes a field as one bytes value holding a complete `.npy` file, for
/// `#[serde(with = "serde_npy::typed")]`, taking an empty slice's dtype and
/// trailing axes from `T::default()`.
///
/// Takes `Vec<T>`, `[T]`, `Box<[T]>` and `Option`s of them (see
/// [`SerializeTyped`]); `None` is the host format's none. A non-empty slice
/// gives the blob of [`crate::serialize`].
///
/// ```
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, Default, Debug, PartialEq)]
/// struct Point {
///     x: f32,
///     id: u32,
/// }
///
/// #[derive(Serialize, Deserialize, Debug, PartialEq)]
/// struct Batch {
///     seq: u64,
///     #[serde(with = "serde_npy::typed")]
///     points: Vec<Point>,
///     #[serde(with = "serde_npy::typed")]
///     labels: Option<Vec<i32>>,
/// }
///
/// let batch = Batch { seq: 1, points: vec![], labels: Some(vec![]) };
/// let json = serde_json::to_value(&batch)?;
/// assert_eq!(serde_json::from_value::<Batch>(json.clone())?, batch);
///
/// // The blob Python gets says what the points are, though there are none.
/// let blob: Vec<u8> = serde_json::from_value(json["points"].clone())?;
/// let header = serde_npy::Header::from_slice(&blob)?;
/// assert_eq!(header.dtype.to_string(), "[('x', '<f4'), ('id', '<u4')]");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn serialize<V, S>(value: &V, serializer: S) -> Result<S::Ok, S::Error>
where
    V: SerializeTyped + ?Sized,
    S: Serializer,
{
    value.serialize_typed(serializer)
}

/// Deserializes a field written by [`serialize`], or any `.npy` blob: the
/// same as [`crate::deserialize`], since the file says its own dtype.
///
/// An empty file of any dtype reads as an empty `Vec`, so files written
/// before this module (`'<f8'`, shape `(0,)`) read as well.
///
/// ```
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, Debug, PartialEq)]
/// struct Frame {
///     #[serde(with = "serde_npy::typed")]
///     rows: Vec<[u8; 3]>,
/// }
///
/// let frame = Frame { rows: vec![] };
/// let packed = rmp_serde::to_vec(&frame)?;
/// assert_eq!(rmp_serde::from_slice::<Frame>(&packed)?, frame);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn deserialize<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    crate::deserialize(deserializer)
}

/// What [`serialize`] writes: slices of `T: Serialize + Default`, what holds
/// them, and options of those.
///
/// ```
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, Debug, PartialEq)]
/// struct Batch {
///     #[serde(with = "serde_npy::typed")]
///     ids: Box<[u16]>,
///     #[serde(with = "serde_npy::typed")]
///     weights: Option<Vec<f32>>,
/// }
///
/// let batch = Batch { ids: Box::new([]), weights: Some(vec![]) };
/// let json = serde_json::to_value(&batch)?;
/// assert_eq!(serde_json::from_value::<Batch>(json.clone())?, batch);
/// let ids: Vec<u8> = serde_json::from_value(json["ids"].clone())?;
/// assert_eq!(serde_npy::Header::from_slice(&ids)?.dtype.to_string(), "'<u2'");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait SerializeTyped {
    /// Serializes `self` as one `.npy` blob (or none).
    ///
    /// ```
    /// use serde_npy::typed::SerializeTyped;
    /// let json = Vec::<u16>::new().serialize_typed(serde_json::value::Serializer)?;
    /// let blob: Vec<u8> = serde_json::from_value(json)?;
    /// assert_eq!(serde_npy::Header::from_slice(&blob)?.dtype.to_string(), "'<u2'");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn serialize_typed<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;
}

impl<T: Serialize + Default> SerializeTyped for [T] {
    fn serialize_typed<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        with_scratch(|blob| {
            to_vec_into(self, blob).map_err(ser::Error::custom)?;
            serializer.serialize_bytes(blob)
        })
    }
}

impl<T: Serialize + Default> SerializeTyped for Vec<T> {
    fn serialize_typed<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize_typed(serializer)
    }
}

impl<T: Serialize + Default> SerializeTyped for Box<[T]> {
    fn serialize_typed<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize_typed(serializer)
    }
}

impl<V: SerializeTyped + ?Sized> SerializeTyped for &V {
    fn serialize_typed<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize_typed(serializer)
    }
}

impl<V: SerializeTyped> SerializeTyped for Option<V> {
    fn serialize_typed<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(items) => serializer.serialize_some(&AsBlob(items)),
            None => serializer.serialize_none(),
        }
    }
}

/// A [`SerializeTyped`] value as a `serde::Serialize` one, for
/// `serialize_some`.
struct AsBlob<'a, V: ?Sized>(&'a V);

impl<V: SerializeTyped + ?Sized> Serialize for AsBlob<'_, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_typed(serializer)
    }
}
