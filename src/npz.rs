//! NumPy's `.npz` archives: a struct of arrays is an archive of `.npy` members.
//!
//! `np.savez(f, weights=w, step=7)` writes a zip archive with one member per
//! keyword, `weights.npy` and `step.npy`, each holding exactly what `np.save`
//! writes. Here a struct's fields (or a map's string keys) are those
//! keywords:
//!
//! ```
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, PartialEq, Debug)]
//! struct Layer {
//!     w: Vec<[f32; 2]>,
//!     b: Vec<f32>,
//! }
//!
//! #[derive(Serialize, Deserialize, PartialEq, Debug)]
//! struct Checkpoint {
//!     step: u64,
//!     enc: Layer,
//!     note: Option<String>,
//! }
//!
//! let ckpt = Checkpoint {
//!     step: 7,
//!     enc: Layer { w: vec![[0.5, 1.5]; 3], b: vec![0.0; 2] },
//!     note: None,
//! };
//! // Members step.npy, enc/w.npy, enc/b.npy: `np.load(f)["enc/w"]` in Python.
//! let bytes = serde_npy::npz::to_vec(&ckpt)?;
//! assert_eq!(serde_npy::npz::from_slice::<Checkpoint>(&bytes)?, ckpt);
//!
//! let archive = serde_npy::npz::Archive::new(&bytes)?;
//! assert_eq!(archive.names().collect::<Vec<_>>(), ["step", "enc/w", "enc/b"]);
//! # Ok::<(), serde_npy::Error>(())
//! ```
//!
//! # The mapping
//!
//! | Rust | archive |
//! |---|---|
//! | a struct, or a map with string keys | one member per field, in field order, named `field.npy`, holding [`crate::to_vec`] of the field (scalars and strings are 0-d arrays) |
//! | a field whose value is a struct that is not an array (not `shape` + `data`, not ndarray's serde form), or a map | a group: members `field/inner.npy`, to any depth |
//! | a top-level tuple | `arr_0.npy`, `arr_1.npy`, …, as `np.savez(f, a, b)` names them |
//! | an `Option` field that is `None` | no member; a missing member reads as `None` |
//!
//! Reading follows `np.load`: a map gets every member by NumPy's key (one
//! `.npy` removed; with nested names such as `enc/w` kept whole), a struct's
//! missing member is an [`ErrorKind::MissingMember`](crate::ErrorKind::MissingMember)
//! naming the archive's members, extra members are ignored (refused with
//! `#[serde(deny_unknown_fields)]`), duplicate names read as the last one,
//! and a member that is not a `.npy` reads as its raw bytes (a directory
//! entry as empty bytes).
//!
//! # NumPy's bytes
//!
//! [`to_vec`] and [`to_writer`] write exactly what `np.savez` writes on Unix
//! (CPython's `zipfile`: zip64 extras in every local header, date 1980-01-01,
//! no data descriptor), so archives are reproducible and equal to NumPy's
//! byte for byte. [`to_vec_compressed`] writes what `np.savez_compressed`
//! writes, with deflate from `miniz_oxide`: NumPy loads the same arrays,
//! though the compressed bytes may differ from zlib's.
//!
//! # Reading
//!
//! The reader accepts what `np.load` accepts, short of pickles: stored and
//! deflate members, zip64, data descriptors, archive comments, directory
//! entries, UTF-8 and CP437 names, archives from `zipfile` (seekable or not)
//! and Info-ZIP. bzip2, lzma and zstd members are refused with an error
//! naming the method. The central directory is the truth: every size and
//! offset is checked against the archive's length before use, overlapping
//! entries are refused, CRC-32 is verified, and inflating is bounded by the
//! directory's size and [`ReadOptions::max_inflated`].
//!
//! [`from_slice`] borrows stored members: an
//! [`ArrayView`](crate::ArrayView) or `&[u8]` field points into the
//! archive. [`WriteOptions::align`] places array data on a boundary so that
//! such views need no copy.

mod de;
mod ser;
mod zip;

use std::borrow::Cow;
use std::io::{Read, Seek, Write};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use de::{find, key_of, no_such_member, MemberDeserializer, ReaderStore, SliceStore, Store};
pub use ser::Writer;

/// How an archive is written.
///
/// ```
/// let options = serde_npy::npz::WriteOptions::new().align(64);
/// let bytes = serde_npy::npz::to_vec_with(&(vec![1.0f32; 3],), &options)?;
/// let archive = serde_npy::npz::Archive::new(&bytes)?;
/// let view: serde_npy::ArrayView<f32> = archive.get("arr_0")?;
/// assert!(view.is_borrowed());
/// # Ok::<(), serde_npy::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct WriteOptions {
    compress: bool,
    align: Option<u16>,
}

impl WriteOptions {
    /// `np.savez`'s archive: stored members, NumPy's bytes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Deflate every member, as `np.savez_compressed` does.
    pub fn compress(mut self, compress: bool) -> Self {
        self.compress = compress;
        self
    }

    /// Start every stored member's data at a multiple of `boundary` bytes,
    /// through an alignment extra field (APPNOTE 4.6.11, as Android's
    /// `zipalign` writes it) in its local header. The `.npy` header is a
    /// multiple of 64 bytes long, so with 64 the array data is 64-byte
    /// aligned in the archive, and views of it (or of a memory-mapped
    /// archive) borrow instead of copying. NumPy and `zipfile` read such
    /// archives; the bytes are then no longer NumPy's. Compressed members are
    /// not aligned: their data is not the array's.
    pub fn align(mut self, boundary: u16) -> Self {
        self.align = Some(boundary);
        self
    }
}

/// Limits for reading untrusted archives.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    npy: crate::ReadOptions,
    max_inflated: u64,
    verify_crc: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            npy: crate::ReadOptions::default(),
            max_inflated: 1 << 34,
            verify_crc: true,
        }
    }
}

impl ReadOptions {
    /// The default limits: at most 16 GiB inflated in all, CRC-32 verified,
    /// and each member read with [`crate::ReadOptions::default`].
    pub fn new() -> Self {
        Self::default()
    }

    /// The limits for each member's `.npy` (header length, nesting, …).
    pub fn npy(mut self, options: crate::ReadOptions) -> Self {
        self.npy = options;
        self
    }

    /// At most `bytes` of compressed members are inflated in all, over one
    /// read of an archive (a zip bomb's defence; stored members do not
    /// count).
    pub fn max_inflated(mut self, bytes: u64) -> Self {
        self.max_inflated = bytes;
        self
    }

    /// Whether members are checked against their CRC-32 (on by default, as
    /// `zipfile` does). Checking reads every byte of a member; turn it off
    /// for O(1) views of stored members in a trusted archive.
    pub fn verify_crc(mut self, verify: bool) -> Self {
        self.verify_crc = verify;
        self
    }
}

/// Writes `value` as an `.npz` archive in memory, byte-identical to
/// `np.savez`.
///
/// ```
/// use std::collections::BTreeMap;
///
/// let mut arrays = BTreeMap::new();
/// arrays.insert("x", vec![1i64, 2, 3]);
/// let bytes = serde_npy::npz::to_vec(&arrays)?;
/// assert_eq!(&bytes[..4], b"PK\x03\x04");
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    to_vec_with(value, &WriteOptions::new())
}

/// Writes `value` as a deflated `.npz` archive in memory, as
/// `np.savez_compressed` does.
pub fn to_vec_compressed<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    to_vec_with(value, &WriteOptions::new().compress(true))
}

/// [`to_vec`] with explicit options.
pub fn to_vec_with<T: Serialize + ?Sized>(value: &T, options: &WriteOptions) -> Result<Vec<u8>> {
    ser::to_vec_with(value, options)
}

/// Writes `value` as an `.npz` archive into `writer`, byte-identical to
/// `np.savez`. Each member is written once, straight into `writer`, and its
/// local header patched afterwards (hence `Seek`); `writer` need not be
/// buffered for large arrays, but small members write small pieces.
pub fn to_writer<W: Write + Seek, T: Serialize + ?Sized>(writer: W, value: &T) -> Result<()> {
    to_writer_with(writer, value, &WriteOptions::new())
}

/// Writes `value` as a deflated `.npz` archive into `writer`, as
/// `np.savez_compressed` does.
pub fn to_writer_compressed<W: Write + Seek, T: Serialize + ?Sized>(
    writer: W,
    value: &T,
) -> Result<()> {
    to_writer_with(writer, value, &WriteOptions::new().compress(true))
}

/// [`to_writer`] with explicit options.
pub fn to_writer_with<W: Write + Seek, T: Serialize + ?Sized>(
    writer: W,
    value: &T,
    options: &WriteOptions,
) -> Result<()> {
    ser::to_writer_with(writer, value, options)
}

/// Reads an archive in memory into `T`; stored members are borrowed where
/// `T` borrows.
pub fn from_slice<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T> {
    from_slice_with(bytes, &ReadOptions::default())
}

/// [`from_slice`] with explicit limits.
pub fn from_slice_with<'de, T: Deserialize<'de>>(
    bytes: &'de [u8],
    options: &ReadOptions,
) -> Result<T> {
    de::from_store(&SliceStore::new(bytes, options)?)
}

/// Reads an archive from `reader` into `T`, reading only the central
/// directory and the members `T` asks for (never the whole archive at once).
/// The archive fills the reader from its first byte to its last.
///
/// ```
/// use std::io::Cursor;
///
/// let bytes = serde_npy::npz::to_vec(&(vec![1u8, 2], "label"))?;
/// let (a, s): (Vec<u8>, String) = serde_npy::npz::from_reader(Cursor::new(bytes))?;
/// assert_eq!((a, s.as_str()), (vec![1, 2], "label"));
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub fn from_reader<R: Read + Seek, T: DeserializeOwned>(reader: R) -> Result<T> {
    from_reader_with(reader, &ReadOptions::default())
}

/// [`from_reader`] with explicit limits.
pub fn from_reader_with<R: Read + Seek, T: DeserializeOwned>(
    reader: R,
    options: &ReadOptions,
) -> Result<T> {
    de::from_reader_with(reader, options)
}

/// An archive in memory, member by member: names, one member's bytes or
/// value, without decoding the rest.
///
/// ```
/// let bytes = serde_npy::npz::to_vec(&(vec![1.5f64, 2.5], vec![7u8]))?;
/// let archive = serde_npy::npz::Archive::new(&bytes)?;
/// assert_eq!(archive.names().collect::<Vec<_>>(), ["arr_0", "arr_1"]);
/// let x: Vec<f64> = archive.get("arr_0")?;          // with or without ".npy"
/// let npy = archive.bytes("arr_1.npy")?;            // the member's .npy bytes
/// assert_eq!((x, &npy[..6]), (vec![1.5, 2.5], &b"\x93NUMPY"[..]));
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub struct Archive<'a> {
    store: SliceStore<'a>,
}

// The members' names are what tells one archive from another in a log;
// their bytes would only flood it.
impl std::fmt::Debug for Archive<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive")
            .field("names", &self.names().collect::<Vec<_>>())
            .finish()
    }
}

impl<'a> Archive<'a> {
    /// Reads the archive's central directory.
    pub fn new(bytes: &'a [u8]) -> Result<Self> {
        Self::with_options(bytes, &ReadOptions::default())
    }

    /// [`Archive::new`] with explicit limits.
    pub fn with_options(bytes: &'a [u8], options: &ReadOptions) -> Result<Self> {
        Ok(Archive {
            store: SliceStore::new(bytes, options)?,
        })
    }

    /// NumPy's keys (`NpzFile.files`): each member's name with one `.npy`
    /// removed, in archive order, duplicates included.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.store.entries().iter().map(|e| key_of(&e.name))
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.store.entries().len()
    }

    /// Whether the archive has no members.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A member's bytes (for a `.npy` member, the whole `.npy` file),
    /// borrowed when stored. `name` is NumPy's key or the full name.
    pub fn bytes(&self, name: &str) -> Result<Cow<'a, [u8]>> {
        let index = self.index(name)?;
        let entry = &self.store.entries()[index];
        self.store.open(index).map_err(|e| e.in_field(&entry.name))
    }

    /// Deserializes one member; an [`ArrayView`](crate::ArrayView) of a
    /// stored member borrows from the archive.
    pub fn get<T: Deserialize<'a>>(&self, name: &str) -> Result<T> {
        let index = self.index(name)?;
        T::deserialize(MemberDeserializer {
            store: &self.store,
            index,
        })
    }

    /// Deserializes the whole archive, as [`from_slice`] does.
    pub fn deserialize<T: Deserialize<'a>>(&self) -> Result<T> {
        de::from_store(&self.store)
    }

    fn index(&self, name: &str) -> Result<usize> {
        let entries = self.store.entries();
        find(entries, name).ok_or_else(|| no_such_member(entries, name))
    }
}

/// An archive behind a reader, member by member: only the central directory
/// is read up front, and each member when asked for. The archive fills the
/// reader from its first byte to its last, as a file does.
///
/// ```
/// use std::io::Cursor;
///
/// let bytes = serde_npy::npz::to_vec_compressed(&(vec![3i32; 100],))?;
/// let mut reader = serde_npy::npz::Reader::new(Cursor::new(bytes))?;
/// assert_eq!(reader.names().collect::<Vec<_>>(), ["arr_0"]);
/// let x: Vec<i32> = reader.get("arr_0")?;
/// assert_eq!(x, vec![3; 100]);
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub struct Reader<R> {
    store: ReaderStore<R>,
}

// Without `R: Debug`, so that a reader over any source can be logged.
impl<R: Read + Seek> std::fmt::Debug for Reader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("names", &self.names().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl<R: Read + Seek> Reader<R> {
    /// Reads the archive's central directory.
    pub fn new(reader: R) -> Result<Self> {
        Self::with_options(reader, &ReadOptions::default())
    }

    /// [`Reader::new`] with explicit limits.
    pub fn with_options(reader: R, options: &ReadOptions) -> Result<Self> {
        Ok(Reader {
            store: ReaderStore::new(reader, options)?,
        })
    }

    /// NumPy's keys, as [`Archive::names`] gives them.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        Store::<'static>::entries(&self.store)
            .iter()
            .map(|e| key_of(&e.name))
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        Store::<'static>::entries(&self.store).len()
    }

    /// Whether the archive has no members.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A member's bytes, uncompressed and checked.
    pub fn bytes(&mut self, name: &str) -> Result<Vec<u8>> {
        let index = self.index(name)?;
        let entry = &Store::<'static>::entries(&self.store)[index];
        Store::<'static>::open(&self.store, index)
            .map(Cow::into_owned)
            .map_err(|e| e.in_field(&entry.name))
    }

    /// Deserializes one member.
    pub fn get<T: DeserializeOwned>(&mut self, name: &str) -> Result<T> {
        let index = self.index(name)?;
        T::deserialize(MemberDeserializer {
            store: &self.store,
            index,
        })
    }

    /// Deserializes the whole archive, reading only the members `T` asks for.
    pub fn deserialize<T: DeserializeOwned>(&mut self) -> Result<T> {
        de::from_store(&self.store)
    }

    /// Gives the reader back.
    pub fn into_inner(self) -> R {
        self.store.into_inner()
    }

    fn index(&self, name: &str) -> Result<usize> {
        let entries = Store::<'static>::entries(&self.store);
        find(entries, name).ok_or_else(|| no_such_member(entries, name))
    }
}
