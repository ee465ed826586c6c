//! `.npy` bytes → Rust values.
//!
//! The header is parsed and the data length checked (with checked arithmetic)
//! before anything is handed out. Values are then read straight from the byte
//! slice through a [`View`]: an array, or one element of it, described by a
//! byte offset, the dtype and the remaining axes. Fortran-order files are read
//! through strides, so nested sequences always come out in logical C order.
//!
//! Its parts, from the general to the particular: `view` (a [`View`] and its
//! `Deserializer`), `elem` (one plain number, read straight from its bytes),
//! `seq` (the elements along an axis), `run` (a contiguous last axis, record
//! fields included), `record` (a record's fields by name or in order),
//! `shaped` (`shape` + `data` structs and `ArrayView`'s raw parts) and
//! `stream` (`from_reader`, a window at a time).

use std::io::Read;

use serde::de::{self, DeserializeOwned, Visitor};
use serde::Deserialize;

use crate::error::{shape_repr, Error, ErrorKind, Result};
use crate::header::{Header, ReadOptions};

#[macro_use]
mod view;
#[macro_use]
mod elem;
mod record;
mod run;
mod seq;
mod shaped;
mod stream;

pub(crate) use shaped::is_shaped;
pub(crate) use stream::{deserialize_data, StreamDeserializer};
pub(crate) use view::{Borrowed, Lend, Transient, View};

/// Deserializes one array from the start of `bytes`; bytes after its data are
/// ignored, as NumPy ignores them.
///
/// Borrowed types (`&str` from `S` data, `&[u8]`) borrow from `bytes`.
///
/// ```
/// let bytes = serde_npy::to_vec(&vec![1.5f64, 2.5]).unwrap();
/// let v: Vec<f64> = serde_npy::from_slice(&bytes).unwrap();
/// assert_eq!(v, [1.5, 2.5]);
/// ```
pub fn from_slice<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T> {
    Ok(take_from_slice(bytes)?.0)
}

/// Deserializes one array from the start of `bytes` and returns the bytes
/// after it, so that arrays written back to back can be read in turn.
///
/// ```
/// let mut stream = serde_npy::to_vec(&[1u8, 2]).unwrap();
/// stream.extend(serde_npy::to_vec(&"hi").unwrap());
/// let (a, rest): (Vec<u8>, _) = serde_npy::take_from_slice(&stream).unwrap();
/// let (s, rest): (String, _) = serde_npy::take_from_slice(rest).unwrap();
/// assert_eq!((a, s.as_str(), rest.len()), (vec![1, 2], "hi", 0));
/// ```
pub fn take_from_slice<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<(T, &'de [u8])> {
    let mut de = Deserializer::from_slice(bytes)?;
    let value = T::deserialize(&mut de)?;
    Ok((value, de.rest))
}

/// Reads exactly one array from `reader` and leaves it just after the data, so
/// arrays written back to back can be read in turn. That holds even when
/// `T`'s `Deserialize` impl stops before the end of the data (say, it reads
/// only the `shape` of a `shape` + `data` struct): the rest is read and
/// dropped, and must all be there.
///
/// The data buffer grows as bytes actually arrive, never by the header's
/// claim, so a lying header cannot make it allocate. A stream that ends early
/// is an [`ErrorKind::UnexpectedEof`](crate::ErrorKind::UnexpectedEof) saying how many bytes were missing.
///
/// ```
/// use std::io::Cursor;
///
/// let mut bytes = serde_npy::to_vec(&[1.5f32, 2.5])?;
/// bytes.extend(serde_npy::to_vec(&7u64)?);
/// let mut reader = Cursor::new(bytes); // or a File, a socket, a pipe
/// let first: Vec<f32> = serde_npy::from_reader(&mut reader)?;
/// let second: u64 = serde_npy::from_reader(&mut reader)?;
/// assert_eq!((first, second), (vec![1.5, 2.5], 7));
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub fn from_reader<R: Read, T: DeserializeOwned>(reader: R) -> Result<T> {
    from_reader_with(reader, &ReadOptions::default())
}

/// [`from_reader`] with explicit limits.
///
/// ```
/// let bytes = serde_npy::to_vec(&vec![[0u8; 4]; 3])?;
/// let opts = serde_npy::ReadOptions::new().max_header_len(1024).max_depth(4);
/// let rows: Vec<[u8; 4]> = serde_npy::from_reader_with(&bytes[..], &opts)?;
/// assert_eq!(rows.len(), 3);
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub fn from_reader_with<R: Read, T: DeserializeOwned>(
    mut reader: R,
    opts: &ReadOptions,
) -> Result<T> {
    let header = Header::from_reader_with(&mut reader, opts)?;
    let len = header.data_len()?;
    opts.check_decode(&header, len)?;
    deserialize_data(reader, &header, len).map_err(|e| e.with_dtype(|| header.dtype.descr()))
}

/// A serde `Deserializer` over one `.npy` array in a byte slice.
///
/// ```
/// use serde::Deserialize;
/// let bytes = serde_npy::to_vec(&[[1u16, 2], [3, 4]]).unwrap();
/// let mut de = serde_npy::Deserializer::from_slice(&bytes).unwrap();
/// assert_eq!(de.header().shape, vec![2, 2]);
/// let v = Vec::<[u16; 2]>::deserialize(&mut de).unwrap();
/// assert_eq!(v, [[1, 2], [3, 4]]);
/// ```
pub struct Deserializer<'de> {
    header: Header,
    data: &'de [u8],
    rest: &'de [u8],
}

/// The header and where the reader stands, not the bytes themselves.
impl std::fmt::Debug for Deserializer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deserializer")
            .field("header", &self.header)
            .field("data_len", &self.data.len())
            .field("rest_len", &self.rest.len())
            .finish()
    }
}

impl<'de> Deserializer<'de> {
    /// Parses the header and checks that the data is all there.
    ///
    /// ```
    /// let bytes = serde_npy::to_vec(&[1.0f64, 2.0, 3.0])?;
    /// let de = serde_npy::Deserializer::from_slice(&bytes)?;
    /// assert_eq!(de.header().shape, [3]);
    /// // A file cut short is refused before anything is read.
    /// assert!(serde_npy::Deserializer::from_slice(&bytes[..bytes.len() - 1]).is_err());
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn from_slice(bytes: &'de [u8]) -> Result<Self> {
        Self::from_slice_with(bytes, &ReadOptions::default())
    }

    /// [`Deserializer::from_slice`] with explicit limits.
    ///
    /// ```
    /// use serde::Deserialize;
    /// use serde_npy::{Deserializer, ErrorKind, ReadOptions};
    ///
    /// let bytes = serde_npy::to_vec(&[[1u8, 2], [3, 4]])?;
    /// let mut de = Deserializer::from_slice_with(&bytes, &ReadOptions::new().max_depth(2))?;
    /// assert_eq!(Vec::<[u8; 2]>::deserialize(&mut de)?, [[1, 2], [3, 4]]);
    /// // Two axes are more than a depth of 1 allows.
    /// let err = Deserializer::from_slice_with(&bytes, &ReadOptions::new().max_depth(1))
    ///     .and_then(|mut de| Vec::<[u8; 2]>::deserialize(&mut de))
    ///     .unwrap_err();
    /// assert!(matches!(err.kind(), ErrorKind::TooDeep { limit: 1 }), "{err}");
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn from_slice_with(bytes: &'de [u8], opts: &ReadOptions) -> Result<Self> {
        let header = Header::from_slice_with(bytes, opts)?;
        let len = header.data_len()?;
        let available = bytes.len() - header.data_offset;
        if available < len {
            return Err(ErrorKind::DataLength {
                shape: shape_repr(&header.shape),
                descr: header.dtype.to_string(),
                expected: len as u64,
                found: available as u64,
            }
            .into());
        }
        opts.check_decode(&header, len)?;
        let end = header.data_offset + len;
        Ok(Deserializer {
            data: &bytes[header.data_offset..end],
            rest: &bytes[end..],
            header,
        })
    }

    /// The parsed header.
    ///
    /// ```
    /// let bytes = serde_npy::to_vec(&vec![[1i16, 2, 3]; 2])?;
    /// let de = serde_npy::Deserializer::from_slice(&bytes)?;
    /// let header = de.header();
    /// assert_eq!(header.dtype, serde_npy::Dtype::I16(serde_npy::ByteOrder::Little));
    /// assert_eq!(header.shape, [2, 3]);
    /// assert!(!header.fortran_order);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The raw data bytes, in file order and byte order.
    ///
    /// ```
    /// let bytes = serde_npy::to_vec(&[1u16, 0x0203])?;
    /// let de = serde_npy::Deserializer::from_slice(&bytes)?;
    /// assert_eq!(de.data(), [1, 0, 3, 2]); // little-endian `<u2`
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn data(&self) -> &'de [u8] {
        self.data
    }

    /// The bytes after this array's data.
    ///
    /// ```
    /// let mut bytes = serde_npy::to_vec(&1.5f32)?;
    /// bytes.extend_from_slice(b"trailer");
    /// let de = serde_npy::Deserializer::from_slice(&bytes)?;
    /// assert_eq!(de.rest(), b"trailer");
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn rest(&self) -> &'de [u8] {
        self.rest
    }

    fn view<'m>(&'m self) -> View<'de, 'm, Borrowed> {
        View::top(&self.header, self.data, Borrowed)
    }
}

macro_rules! forward_to_view {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value> {
            let header = &self.header;
            self.view()
                .$method($($arg,)* visitor)
                .map_err(|e| e.with_dtype(|| header.dtype.descr()))
        }
    )*};
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = Error;

    forward_to_view! {
        deserialize_any(); deserialize_bool(); deserialize_i8(); deserialize_i16(); deserialize_i32();
        deserialize_i64(); deserialize_u8(); deserialize_u16(); deserialize_u32(); deserialize_u64();
        deserialize_f32(); deserialize_f64(); deserialize_char(); deserialize_str(); deserialize_string();
        deserialize_bytes(); deserialize_byte_buf(); deserialize_option(); deserialize_unit();
        deserialize_unit_struct(name: &'static str); deserialize_newtype_struct(name: &'static str);
        deserialize_seq(); deserialize_tuple(len: usize); deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map(); deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier(); deserialize_ignored_any(); deserialize_i128(); deserialize_u128();
    }
}
