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
pub fn from_reader<R: Read, T: DeserializeOwned>(reader: R) -> Result<T> {
    from_reader_with(reader, &ReadOptions::default())
}

/// [`from_reader`] with explicit limits.
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

impl<'de> Deserializer<'de> {
    /// Parses the header and checks that the data is all there.
    pub fn from_slice(bytes: &'de [u8]) -> Result<Self> {
        Self::from_slice_with(bytes, &ReadOptions::default())
    }

    /// [`Deserializer::from_slice`] with explicit limits.
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
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The raw data bytes, in file order and byte order.
    pub fn data(&self) -> &'de [u8] {
        self.data
    }

    /// The bytes after this array's data.
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
