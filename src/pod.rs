//! Record arrays at memory speed: slices of [`bytemuck::Pod`] types written
//! and read as the bytes they already are (with the `bytemuck` feature).
//!
//! serde hands a `Vec<Point>` to a format one record and one field at a time,
//! through calls too large to inline; for 4 Mi small records that costs about
//! twice the copy itself. A `#[repr(C)]` struct of numbers without padding is
//! already laid out as NumPy's packed record dtype, so these functions copy
//! the whole slice instead. The dtype still comes from the type's `Serialize`
//! (field names, nesting, array fields).
//!
//! ```
//! use bytemuck::{Pod, Zeroable};
//! use serde::{Deserialize, Serialize};
//!
//! #[repr(C)]
//! #[derive(Clone, Copy, Pod, Zeroable, Serialize, Deserialize, Debug, PartialEq)]
//! struct Point {
//!     x: f32,
//!     y: f32,
//!     id: u32,
//! }
//!
//! let points = vec![Point { x: 1.0, y: 2.0, id: 7 }; 1000];
//! let bytes = serde_npy::pod::to_vec(&points)?;
//! assert_eq!(bytes, serde_npy::to_vec(&points)?);
//! let back: Vec<Point> = serde_npy::pod::from_slice(&bytes)?;
//! assert_eq!(back, points);
//! # Ok::<(), serde_npy::Error>(())
//! ```
//!
//! # Plain types
//!
//! The speed comes from not calling `Serialize` and `Deserialize` per
//! record, so the results equal the crate's [`to_vec`](crate::to_vec) and
//! [`from_slice`](crate::from_slice) for *plain* types: whose `Serialize`
//! writes every field as stored, whatever the values, and whose
//! `Deserialize` reads back what it wrote. `#[derive]` without serde
//! attributes that act on values (`serialize_with`, `deserialize_with`,
//! `skip_serializing_if`, `skip_deserializing`, `try_from`, `into`, …) gives
//! plain types. For other types this module trusts memory: records are
//! written as their bytes, and read without running `Deserialize` (so a
//! validating `Deserialize` is not run either).
//!
//! What is checked, so that a type that is not plain usually takes the serde
//! path instead:
//! - on a type's first use on a thread, a zeroed value walked through its
//!   `Serialize` must write every number from the value's own field, by
//!   reference, in memory order, covering every byte. A `serialize_with` or
//!   skipped field, fields written out of memory order or from copies, and
//!   `f16` and `Complex` fields all fail this and go through serde;
//! - on every call, the first and last record must serialize as the bytes
//!   they hold (records in between are not checked);
//! - reading needs the file's dtype and trailing axes to be exactly the
//!   type's, little-endian, in C order. Other files (big-endian, reordered or
//!   padded fields, Fortran order) go through serde, and incompatible ones
//!   get serde's error.
//!
//! Big-endian hosts always take the serde path. An empty slice whose type
//! passes the check is written with the type's dtype and trailing axes
//! (`[u16; 3]`: `'<u2'`, shape `(0, 3)`), where serde, which sees no element,
//! writes `'<f8'`, shape `(0,)`.

mod field;
mod probe;

use std::any::TypeId;
use std::borrow::Cow;
use std::cell::RefCell;
use std::io::{Read, Write};
use std::mem::size_of;
use std::rc::Rc;

use bytemuck::Pod;
use serde::de::{Deserialize, DeserializeOwned};
use serde::Serialize;

use crate::de::{StreamDeserializer, Transient, View};
use crate::dtype::Dtype;
use crate::error::Result;
use crate::header::{read_full, Header, Preamble, ReadOptions};
use probe::holds_own_bytes;

pub use field::{deserialize, serialize, DeserializeRecords, SerializeRecords};

/// Serializes `records` as a complete `.npy` file, copying their bytes.
///
/// For plain types, the same bytes as [`crate::to_vec`] (see the
/// [module docs](self)), in one allocation of exactly the output size.
///
/// ```
/// let rows = vec![[1u16, 2, 3]; 2];
/// let bytes = serde_npy::pod::to_vec(&rows)?;
/// assert_eq!(bytes, serde_npy::to_vec(&rows)?);
/// // Empty, it still says what the rows are: '<u2', shape (0, 3).
/// let empty = serde_npy::Header::from_slice(&serde_npy::pod::to_vec::<[u16; 3]>(&[])?)?;
/// assert_eq!(empty.shape, [0, 3]);
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub fn to_vec<T: Pod + Serialize>(records: &[T]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    to_vec_into(records, &mut out)?;
    Ok(out)
}

/// Like [`to_vec`], into `out` (cleared first), reusing its allocation.
fn to_vec_into<T: Pod + Serialize>(records: &[T], out: &mut Vec<u8>) -> Result<()> {
    let Some((preamble, data)) = prepare(records) else {
        return crate::ser::to_vec_into(records, out);
    };
    out.clear();
    out.reserve_exact(preamble.len() + data.len());
    out.resize(preamble.len(), 0);
    preamble.write(out);
    out.extend_from_slice(data);
    Ok(())
}

/// Serializes `records` as a complete `.npy` file into `writer`.
///
/// See [`to_vec`]. When the bytes are copied, `writer` gets two unbuffered
/// `write_all` calls, the header and then all the records. On error, part of
/// the output may already have been written.
///
/// ```
/// let rows = vec![[0.5f64, 1.5]; 3];
/// let mut out = Vec::new(); // or a BufWriter<File>
/// serde_npy::pod::to_writer(&mut out, &rows)?;
/// assert_eq!(out, serde_npy::to_vec(&rows)?);
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub fn to_writer<W: Write, T: Pod + Serialize>(mut writer: W, records: &[T]) -> Result<()> {
    let Some((preamble, data)) = prepare(records) else {
        return crate::to_writer(writer, records);
    };
    let mut head = vec![0u8; preamble.len()];
    preamble.write(&mut head);
    writer.write_all(&head)?;
    writer.write_all(data)?;
    Ok(())
}

/// Whether `T` passes the type check of the [module docs](self) on this
/// host, so that its records are copied as bytes (when the first and last of
/// them serialize as their bytes, and, reading, when the file's dtype is
/// `T`'s). When `false`, every function here goes through serde.
///
/// ```
/// # use bytemuck::{Pod, Zeroable};
/// # use serde::Serialize;
/// #[repr(C)]
/// #[derive(Clone, Copy, Pod, Zeroable, Serialize)]
/// struct Sample {
///     t: f64,
///     v: [f32; 2],
/// }
///
/// assert_eq!(serde_npy::pod::copies::<Sample>(), cfg!(target_endian = "little"));
/// ```
pub fn copies<T: Pod + Serialize>() -> bool {
    ElementLayout::of::<T>().is_some()
}

/// The preamble for `records` and their bytes, when they can be copied.
fn prepare<T: Pod + Serialize>(records: &[T]) -> Option<(Preamble, &[u8])> {
    let layout = ElementLayout::of::<T>()?;
    if !ends_hold_own_bytes(records) {
        return None;
    }
    let mut shape = Vec::with_capacity(1 + layout.axes.len());
    shape.push(records.len());
    shape.extend_from_slice(&layout.axes);
    Some((
        Preamble::new(&layout.dtype, &shape, false),
        bytemuck::cast_slice(records),
    ))
}

/// Deserializes a `.npy` file into a `Vec` of records, copying their bytes.
///
/// For plain types, the same result as
/// [`crate::from_slice::<Vec<T>>`](crate::from_slice) (see the
/// [module docs](self)). `T: Serialize` is needed for the dtype the file is
/// compared with; a file of another dtype, such as a big-endian one or one
/// with fields in another order, is read through serde (and an incompatible
/// one refused with serde's error). Trailing bytes after the data are
/// ignored, as by [`crate::from_slice`].
///
/// ```
/// # use bytemuck::{Pod, Zeroable};
/// # use serde::{Deserialize, Serialize};
/// #[repr(C)]
/// #[derive(Clone, Copy, Pod, Zeroable, Serialize, Deserialize)]
/// struct Sample {
///     t: f64,
///     v: [f32; 2],
/// }
///
/// let bytes = serde_npy::to_vec(&vec![Sample { t: 0.5, v: [1.0, 2.0] }; 3])?;
/// let samples: Vec<Sample> = serde_npy::pod::from_slice(&bytes)?;
/// assert_eq!(samples[2].v, [1.0, 2.0]);
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub fn from_slice<T: Pod + Serialize + DeserializeOwned>(bytes: &[u8]) -> Result<Vec<T>> {
    view(bytes).map(Cow::into_owned)
}

/// Reads a `.npy` file's records in place when its data is aligned for `T`,
/// and copies them otherwise.
///
/// `Cow::Borrowed` costs no copy, whatever the file's size. Misaligned data
/// is copied, and a file that needs reading through serde (see
/// [`from_slice`]) is decoded; both come back `Cow::Owned`.
///
/// ```
/// let bytes = serde_npy::to_vec(&vec![[1u16, 2, 3]; 4])?;
/// let rows = serde_npy::pod::view::<[u16; 3]>(&bytes)?;
/// assert_eq!(rows[3], [1, 2, 3]);
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub fn view<T: Pod + Serialize + DeserializeOwned>(bytes: &[u8]) -> Result<Cow<'_, [T]>> {
    let mut npy = crate::Deserializer::from_slice(bytes)?;
    match copy_free(npy.header(), npy.data()) {
        Some(records) => Ok(records),
        None => Vec::<T>::deserialize(&mut npy).map(Cow::Owned),
    }
}

/// The records of `data`, when the file's element is exactly `T`.
fn copy_free<'a, T: Pod + Serialize>(header: &Header, data: &'a [u8]) -> Option<Cow<'a, [T]>> {
    if !ElementLayout::of::<T>()?.fits(header) {
        return None;
    }
    // The deserializer checked that `data` holds shape × itemsize bytes, and
    // the layout that one `T` is exactly one element of them.
    let records = match bytemuck::try_cast_slice(data) {
        Ok(records) => Cow::Borrowed(records),
        Err(_) => Cow::Owned(copy_records(data)),
    };
    ends_hold_own_bytes(&records).then_some(records)
}

/// The first and last record are checked on every call: a type that passed
/// on a zeroed value may still write other values than it holds.
fn ends_hold_own_bytes<T: Pod + Serialize>(records: &[T]) -> bool {
    records.first().map_or(true, holds_own_bytes) && records.last().map_or(true, holds_own_bytes)
}

/// Reads a `.npy` file's records from `reader`, copying their bytes, and
/// leaves it just after the data.
///
/// [`from_slice`] for a stream: the records are read straight into the
/// `Vec`, which grows as data arrives (never by what the header claims), and
/// other files are read through serde as by [`crate::from_reader`].
///
/// ```
/// # use std::io::Cursor;
/// let mut stream = Cursor::new(serde_npy::to_vec(&vec![[0.5f32, 1.5]; 3])?);
/// let rows: Vec<[f32; 2]> = serde_npy::pod::from_reader(&mut stream)?;
/// assert_eq!(rows, [[0.5, 1.5]; 3]);
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub fn from_reader<R: Read, T: Pod + Serialize + DeserializeOwned>(
    mut reader: R,
) -> Result<Vec<T>> {
    let opts = ReadOptions::default();
    let header = Header::from_reader_with(&mut reader, &opts)?;
    let len = header.data_len()?;
    opts.check_decode(&header, len)?;
    let fits = ElementLayout::of::<T>().is_some_and(|layout| layout.fits(&header));
    if !fits {
        return Vec::<T>::deserialize(StreamDeserializer::new(reader, &header, len));
    }
    // `fits`: the data is a whole number of `T`s.
    let records = read_records::<R, T>(&mut reader, len / size_of::<T>())?;
    if ends_hold_own_bytes(&records) {
        return Ok(records);
    }
    Vec::<T>::deserialize(View::top(
        &header,
        bytemuck::cast_slice(&records),
        Transient,
    ))
}

/// Reads `count` records, growing the `Vec` only as data arrives.
fn read_records<R: Read, T: Pod>(reader: &mut R, count: usize) -> Result<Vec<T>> {
    const CHUNK_BYTES: usize = 1 << 20;
    let chunk = (CHUNK_BYTES / size_of::<T>()).max(1);
    let mut records: Vec<T> = Vec::with_capacity(count.min(chunk));
    while records.len() < count {
        let filled = records.len();
        let want = (count - filled).min(chunk.max(filled));
        records.resize(filled + want, T::zeroed());
        let dst = bytemuck::cast_slice_mut(&mut records[filled..]);
        read_full(reader, dst, "array data").map_err(|e| {
            let size = size_of::<T>() as u64;
            e.eof_within("array data", count as u64 * size, filled as u64 * size)
        })?;
    }
    Ok(records)
}

/// Copies whole records out of `data`, whose length is a multiple of
/// `size_of::<T>()`, into a fresh `Vec`.
fn copy_records<T: Pod>(data: &[u8]) -> Vec<T> {
    // A zeroed allocation comes from `calloc`, whose fresh pages are free,
    // so this is one pass over the data.
    let mut records: Vec<T> = bytemuck::allocation::zeroed_vec(data.len() / size_of::<T>());
    bytemuck::cast_slice_mut(&mut records).copy_from_slice(data);
    records
}

/// How an array of `T`s is laid out in `.npy`, once proven to be `T`'s own
/// memory.
struct ElementLayout {
    dtype: Dtype,
    /// Axes after the first: `[3]` for `[f32; 3]`, none for a struct.
    axes: Vec<usize>,
}

thread_local! {
    /// Layouts already learnt, by type. Learning plans a zeroed value and
    /// walks it through serde, about a microsecond: twice what a whole view
    /// of records costs with the layout known (0.5 µs).
    static LEARNT: RefCell<Vec<(TypeId, Option<Rc<ElementLayout>>)>> =
        const { RefCell::new(Vec::new()) };
}

impl ElementLayout {
    /// Whether an array described by `header` is exactly a sequence of
    /// elements of this layout, in memory order.
    fn fits(&self, header: &Header) -> bool {
        let Some((_, axes)) = header.shape.split_first() else {
            return false;
        };
        let c_order = !header.fortran_order || axes.is_empty();
        header.dtype == self.dtype && axes == self.axes && c_order
    }

    /// `T`'s layout, when its bytes are its `.npy` element on this host.
    fn of<T: Pod + Serialize>() -> Option<Rc<ElementLayout>> {
        let id = TypeId::of::<T>();
        // `try_with`: during thread teardown the cache may be gone; learn
        // again rather than panic.
        let known = LEARNT
            .try_with(|learnt| {
                let learnt = learnt.borrow();
                learnt
                    .iter()
                    .find(|(t, _)| *t == id)
                    .map(|(_, l)| l.clone())
            })
            .ok()
            .flatten();
        if let Some(layout) = known {
            return layout;
        }
        // Not borrowed while `T`'s `Serialize` runs, which may use this
        // module itself.
        let layout = Self::learn::<T>().map(Rc::new);
        let _ = LEARNT.try_with(|learnt| learnt.borrow_mut().push((id, layout.clone())));
        layout
    }

    fn learn<T: Pod + Serialize>() -> Option<ElementLayout> {
        // `.npy` data is written little-endian.
        if cfg!(target_endian = "big") || size_of::<T>() == 0 {
            return None;
        }
        let zero = T::zeroed();
        let (dtype, axes) = crate::ser::element_layout(&zero).ok()?;
        let element_len = axes
            .iter()
            .try_fold(dtype.itemsize(), |a, &d| a.checked_mul(d))?;
        (element_len == size_of::<T>() && holds_own_bytes(&zero))
            .then_some(ElementLayout { dtype, axes })
    }
}
