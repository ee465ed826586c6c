//! Arrays written back to back, read one after another as an iterator, in
//! the manner of serde_json's `StreamDeserializer`.
//!
//! The input may end only between arrays: an iterator gives `None` when no
//! byte is left, and an error for an array cut short anywhere (magic string,
//! header, data). After an error it gives `None`, since where the next array
//! would start is unknown.

use std::io::{self, Read};
use std::iter::FusedIterator;
use std::marker::PhantomData;

use serde::de::{Deserialize, DeserializeOwned};

use crate::de::deserialize_data;
use crate::de::Deserializer;
use crate::error::Result;
use crate::header::{Header, ReadOptions};

/// Iterates over the arrays written back to back in `bytes`, deserializing
/// each as `T`.
///
/// Borrowed types (`&str`, [`ArrayView`](crate::ArrayView)) borrow from
/// `bytes`. The iterator ends with `None` exactly at the end of `bytes`; an
/// array cut short is an error, after which the iterator gives `None`, and
/// [`SliceArrays::rest`] then starts at that array.
///
/// ```
/// let mut stream = serde_npy::to_vec(&[1.0f32, 2.0])?;
/// stream.extend(serde_npy::to_vec(&[3.0f32])?);
/// let batches = serde_npy::from_slice_iter::<Vec<f32>>(&stream).collect::<Result<Vec<_>, _>>()?;
/// assert_eq!(batches, [vec![1.0, 2.0], vec![3.0]]);
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub fn from_slice_iter<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> SliceArrays<'de, T> {
    from_slice_iter_with(bytes, &ReadOptions::default())
}

/// [`from_slice_iter`] with explicit limits, applied to every array.
///
/// ```
/// let stream = serde_npy::to_vec(&[1u8, 2])?;
/// let opts = serde_npy::ReadOptions::new().max_header_len(4096);
/// let mut arrays = serde_npy::from_slice_iter_with::<Vec<u8>>(&stream, &opts);
/// assert_eq!(arrays.next().transpose()?, Some(vec![1, 2]));
/// assert!(arrays.next().is_none());
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub fn from_slice_iter_with<'de, T: Deserialize<'de>>(
    bytes: &'de [u8],
    opts: &ReadOptions,
) -> SliceArrays<'de, T> {
    SliceArrays {
        rest: bytes,
        opts: *opts,
        failed: false,
        output: PhantomData,
    }
}

/// The arrays in a byte slice, as `Result<T>`s; made by [`from_slice_iter`].
///
/// Fused: after the end of the input or an error, always `None`.
///
/// ```
/// let mut stream = serde_npy::to_vec(&[1u8])?;
/// stream.extend(serde_npy::to_vec(&[2u8, 3])?);
/// let arrays: serde_npy::SliceArrays<Vec<u8>> = serde_npy::from_slice_iter(&stream);
/// let mut total = 0;
/// for batch in arrays {
///     total += batch?.len();
/// }
/// assert_eq!(total, 3);
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub struct SliceArrays<'de, T> {
    rest: &'de [u8],
    opts: ReadOptions,
    failed: bool,
    // `fn() -> T`: the iterator makes `T`s and holds none, so it is `Send`
    // and `Sync` whatever `T` is.
    output: PhantomData<fn() -> T>,
}

/// Where the iterator stands, not the bytes themselves; without `T: Debug`.
impl<T> std::fmt::Debug for SliceArrays<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SliceArrays")
            .field("rest_len", &self.rest.len())
            .field("opts", &self.opts)
            .field("failed", &self.failed)
            .finish()
    }
}

impl<'de, T> SliceArrays<'de, T> {
    /// The bytes not read yet: after the last array read, or, after an
    /// error, from the start of the array that failed.
    ///
    /// ```
    /// let mut stream = serde_npy::to_vec(&7u16)?;
    /// stream.extend_from_slice(b"trailer");
    /// let mut arrays = serde_npy::from_slice_iter::<u16>(&stream);
    /// assert_eq!(arrays.next().transpose()?, Some(7));
    /// assert!(arrays.next().unwrap().is_err()); // `trailer` is not an array
    /// assert!(arrays.next().is_none());
    /// assert_eq!(arrays.rest(), b"trailer");
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn rest(&self) -> &'de [u8] {
        self.rest
    }
}

impl<'de, T: Deserialize<'de>> Iterator for SliceArrays<'de, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        let read = Deserializer::from_slice_with(self.rest, &self.opts).and_then(|mut de| {
            let value = T::deserialize(&mut de)?;
            Ok((value, de.rest()))
        });
        Some(match read {
            Ok((value, rest)) => {
                self.rest = rest;
                Ok(value)
            }
            Err(e) => {
                self.failed = true;
                Err(e)
            }
        })
    }
}

impl<'de, T: Deserialize<'de>> FusedIterator for SliceArrays<'de, T> {}

/// Iterates over the arrays written back to back in `reader`, deserializing
/// each as `T`.
///
/// Each array is read as [`from_reader`](crate::from_reader) reads it, and
/// the reader is never read past the array just returned, so
/// [`ReaderArrays::into_inner`] gives it back positioned after the last
/// array read. The iterator ends with `None` when the reader reports its
/// end (a read of zero bytes) where the next array would start; an array
/// cut short is an error. After an error the iterator gives `None`: the
/// reader is then somewhere inside the bad array.
///
/// ```
/// use std::io::Cursor;
///
/// let mut bytes = serde_npy::to_vec(&[1i64, 2])?;
/// bytes.extend(serde_npy::to_vec(&[3i64])?);
/// let mut arrays = serde_npy::from_reader_iter::<_, Vec<i64>>(Cursor::new(bytes));
/// assert_eq!(arrays.next().transpose()?, Some(vec![1, 2]));
/// assert_eq!(arrays.next().transpose()?, Some(vec![3]));
/// assert!(arrays.next().is_none());
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub fn from_reader_iter<R: Read, T: DeserializeOwned>(reader: R) -> ReaderArrays<R, T> {
    from_reader_iter_with(reader, &ReadOptions::default())
}

/// [`from_reader_iter`] with explicit limits, applied to every array.
///
/// ```
/// let stream = serde_npy::to_vec(&[1u8, 2])?;
/// let opts = serde_npy::ReadOptions::new().max_depth(8);
/// let mut arrays = serde_npy::from_reader_iter_with::<_, Vec<u8>>(&stream[..], &opts);
/// assert_eq!(arrays.next().transpose()?, Some(vec![1, 2]));
/// assert!(arrays.next().is_none());
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub fn from_reader_iter_with<R: Read, T: DeserializeOwned>(
    reader: R,
    opts: &ReadOptions,
) -> ReaderArrays<R, T> {
    ReaderArrays {
        reader,
        opts: *opts,
        done: false,
        output: PhantomData,
    }
}

/// The arrays in a reader, as `Result<T>`s; made by [`from_reader_iter`].
///
/// Fused: after the end of the input or an error, always `None`.
///
/// ```
/// let mut stream = Vec::new(); // or a File, a socket, a pipe
/// for pair in [[1.0f32, 2.0], [3.0, 4.0]] {
///     serde_npy::to_writer(&mut stream, &pair)?;
/// }
/// let arrays: serde_npy::ReaderArrays<_, [f32; 2]> = serde_npy::from_reader_iter(&stream[..]);
/// let sums = arrays.map(|a| a.map(|[x, y]| x + y)).collect::<Result<Vec<_>, _>>()?;
/// assert_eq!(sums, [3.0, 7.0]);
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub struct ReaderArrays<R, T> {
    reader: R,
    opts: ReadOptions,
    /// The input ended, or an array failed.
    done: bool,
    // See `SliceArrays::output`.
    output: PhantomData<fn() -> T>,
}

/// Without `T: Debug`: the iterator holds no `T`.
impl<R: std::fmt::Debug, T> std::fmt::Debug for ReaderArrays<R, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReaderArrays")
            .field("reader", &self.reader)
            .field("opts", &self.opts)
            .field("done", &self.done)
            .finish()
    }
}

impl<R, T> ReaderArrays<R, T> {
    /// Gives back the reader, positioned just after the last array read (or
    /// inside the array that failed, after an error).
    ///
    /// ```
    /// use std::io::{Cursor, Read};
    ///
    /// let mut bytes = serde_npy::to_vec(&[1u8, 2, 3])?;
    /// let array_len = bytes.len() as u64;
    /// bytes.extend_from_slice(b"not an array");
    /// let mut arrays = serde_npy::from_reader_iter::<_, Vec<u8>>(Cursor::new(bytes));
    /// assert_eq!(arrays.next().transpose()?, Some(vec![1, 2, 3]));
    /// let mut reader = arrays.into_inner();
    /// assert_eq!(reader.position(), array_len);
    /// let mut trailer = String::new();
    /// reader.read_to_string(&mut trailer)?;
    /// assert_eq!(trailer, "not an array");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_inner(self) -> R {
        self.reader
    }
}

impl<R: Read, T: DeserializeOwned> ReaderArrays<R, T> {
    /// The next byte, or `None` at the end of the input.
    fn next_byte(&mut self) -> Result<Option<u8>> {
        let mut byte = [0u8];
        loop {
            match self.reader.read(&mut byte) {
                Ok(0) => return Ok(None),
                Ok(_) => return Ok(Some(byte[0])),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Reads the array whose first byte, already taken from the reader, is
    /// `first`.
    fn read_array(&mut self, first: u8) -> Result<T> {
        // The byte is handed back in front of the reader; everything after
        // it goes straight from the reader to the deserializer.
        let first = [first];
        let mut stream = (&first[..]).chain(&mut self.reader);
        let header = Header::from_reader_with(&mut stream, &self.opts)?;
        let len = header.data_len()?;
        self.opts.check_decode(&header, len)?;
        // Leaves the reader after the array even if `T` stops early.
        deserialize_data(stream, &header, len).map_err(|e| e.with_dtype(|| header.dtype.descr()))
    }
}

impl<R: Read, T: DeserializeOwned> Iterator for ReaderArrays<R, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        if self.done {
            return None;
        }
        let read = match self.next_byte() {
            Ok(None) => {
                self.done = true;
                return None;
            }
            Ok(Some(first)) => self.read_array(first),
            Err(e) => Err(e),
        };
        self.done = read.is_err();
        Some(read)
    }
}

impl<R: Read, T: DeserializeOwned> FusedIterator for ReaderArrays<R, T> {}
