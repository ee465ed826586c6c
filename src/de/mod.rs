//! `.npy` bytes → Rust values.
//!
//! The header is parsed and the data length checked (with checked arithmetic)
//! before anything is handed out. Values are then read straight from the byte
//! slice through a [`View`]: an array, or one element of it, described by a
//! byte offset, the dtype and the remaining axes. Fortran-order files are read
//! through strides, so nested sequences always come out in logical C order.

use std::cell::Cell;
use std::io::Read;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use serde::Deserialize;

use crate::dtype::{
    same_name, ByteOrder, Dtype, Leaf, LeafKind, Record, COMPLEX_PAIR, F16_NEWTYPE,
};
use crate::error::{shape_repr, Error, ErrorKind, Result};
use crate::header::{read_full, Header, ReadOptions};
use crate::view::VIEW_NEWTYPE;

mod stream;

pub(crate) use stream::StreamDeserializer;

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
/// arrays written back to back can be read in turn.
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
    T::deserialize(StreamDeserializer::new(reader, &header, len))
        .map_err(|e| e.with_dtype(|| header.dtype.descr()))
}

/// Reads `len` bytes, growing the buffer only as data arrives.
pub(crate) fn read_data<R: Read>(reader: &mut R, len: usize) -> Result<Vec<u8>> {
    const CHUNK: usize = 1 << 20;
    let mut data = Vec::with_capacity(len.min(CHUNK));
    while data.len() < len {
        let filled = data.len();
        let want = (len - filled).min(CHUNK.max(filled));
        data.resize(filled + want, 0);
        read_full(reader, &mut data[filled..], "array data")
            .map_err(|e| e.eof_within("array data", len as u64, filled as u64))?;
    }
    Ok(data)
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

// ---------------------------------------------------------------------------
// Lending: borrowed input hands out borrowed bytes; a transient buffer copies.

/// How string and byte data reach a visitor.
pub(crate) trait Lend<'d, 'de>: Copy {
    fn bytes<V: Visitor<'de>>(self, b: &'d [u8], v: V) -> Result<V::Value>;
    fn str<V: Visitor<'de>>(self, s: &'d str, v: V) -> Result<V::Value>;
}

/// The data outlives the deserializer's `'de`: lend it.
#[derive(Clone, Copy)]
pub(crate) struct Borrowed;

impl<'d: 'de, 'de> Lend<'d, 'de> for Borrowed {
    fn bytes<V: Visitor<'de>>(self, b: &'d [u8], v: V) -> Result<V::Value> {
        v.visit_borrowed_bytes(b)
    }
    fn str<V: Visitor<'de>>(self, s: &'d str, v: V) -> Result<V::Value> {
        v.visit_borrowed_str(s)
    }
}

/// The data lives in a temporary buffer: the visitor must copy.
#[derive(Clone, Copy)]
pub(crate) struct Transient;

impl<'d, 'de> Lend<'d, 'de> for Transient {
    fn bytes<V: Visitor<'de>>(self, b: &'d [u8], v: V) -> Result<V::Value> {
        v.visit_bytes(b)
    }
    fn str<V: Visitor<'de>>(self, s: &'d str, v: V) -> Result<V::Value> {
        v.visit_str(s)
    }
}

// ---------------------------------------------------------------------------
// Views

/// An array (or one element, when no axes remain) inside the data bytes.
#[derive(Clone, Copy)]
pub(crate) struct View<'d, 'm, L> {
    data: &'d [u8],
    /// Byte offset of the first element of this view.
    offset: usize,
    dtype: &'m Dtype,
    /// Shape of the whole array this view belongs to.
    shape: &'m [usize],
    /// Axes of `shape` already descended.
    axis: usize,
    fortran: bool,
    /// The outermost view of a file, where `shape` + `data` structs apply.
    top: bool,
    lend: L,
}

impl<'d, 'm, L> View<'d, 'm, L> {
    /// Invariant: `data.len() >= header.data_len()` (checked by the callers).
    pub(crate) fn top(header: &'m Header, data: &'d [u8], lend: L) -> Self {
        View {
            data,
            offset: 0,
            dtype: &header.dtype,
            shape: &header.shape,
            axis: 0,
            fortran: header.fortran_order,
            top: true,
            lend,
        }
    }

    /// One block of a C-order array: the element (or sub-array) at some index
    /// along `axis - 1`, whose bytes are exactly `data`.
    pub(crate) fn block(
        data: &'d [u8],
        dtype: &'m Dtype,
        shape: &'m [usize],
        axis: usize,
        lend: L,
    ) -> Self {
        View {
            data,
            offset: 0,
            dtype,
            shape,
            axis,
            fortran: false,
            top: false,
            lend,
        }
    }

    fn is_leaf(&self) -> bool {
        self.axis == self.shape.len()
    }

    /// Deserializes this view, through the [`Elem`] fast path when it is one
    /// plain number of `kind` (the caller's cached `LeafKind::of(dtype)`).
    pub(crate) fn deserialize_seed<'de, T: DeserializeSeed<'de>>(
        self,
        kind: LeafKind,
        seed: T,
    ) -> Result<T::Value>
    where
        L: Lend<'d, 'de>,
    {
        if kind != LeafKind::Other && self.is_leaf() {
            if let Some(bytes) = self
                .data
                .get(self.offset..self.offset + self.dtype.itemsize())
            {
                return seed.deserialize(Elem {
                    bytes,
                    kind,
                    origin: Origin::Axis {
                        parent: &self,
                        offset: self.offset,
                    },
                });
            }
        }
        seed.deserialize(self)
    }

    /// Byte distance between consecutive indices along `axis`.
    fn stride(&self, axis: usize) -> usize {
        let others = if self.fortran {
            &self.shape[..axis]
        } else {
            &self.shape[axis + 1..]
        };
        // The product of the whole shape times itemsize was checked against
        // overflow when the data length was validated, so this saturates only
        // when another axis is 0, and then no element is ever visited.
        others
            .iter()
            .fold(self.dtype.itemsize(), |a, &d| a.saturating_mul(d))
    }

    fn dimension_error(&self, wanted_seq: bool) -> Error {
        let expected = if wanted_seq {
            format!("at least {}-D", self.axis + 1)
        } else if self.axis == 0 {
            "0-D (a single value)".to_string()
        } else {
            format!("{}-D", self.axis)
        };
        ErrorKind::Dimension {
            expected,
            shape: shape_repr(self.shape),
        }
        .into()
    }

    /// The bytes of the element at this (leaf) view.
    fn bytes(&self) -> Result<&'d [u8]> {
        let n = self.dtype.itemsize();
        self.offset
            .checked_add(n)
            .and_then(|end| self.data.get(self.offset..end))
            .ok_or_else(|| {
                ErrorKind::Custom("element out of bounds (internal error)".into()).into()
            })
    }

    fn sub(&self, dtype: &'m Dtype, shape: &'m [usize], offset: usize) -> Self
    where
        L: Copy,
    {
        View {
            data: self.data,
            offset,
            dtype,
            shape,
            axis: 0,
            fortran: false,
            top: false,
            lend: self.lend,
        }
    }
}

/// Reads a fixed-size value in the given byte order.
macro_rules! read_num {
    ($ty:ty, $bytes:expr, $order:expr) => {{
        let mut a = [0u8; std::mem::size_of::<$ty>()];
        a.copy_from_slice(&$bytes[..std::mem::size_of::<$ty>()]);
        match $order {
            ByteOrder::Little => <$ty>::from_le_bytes(a),
            ByteOrder::Big => <$ty>::from_be_bytes(a),
        }
    }};
}

impl<'d, 'm, 'de, L: Lend<'d, 'de>> View<'d, 'm, L> {
    /// Visits the element at this leaf view according to its dtype.
    fn visit_leaf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let b = self.bytes()?;
        match self.dtype {
            Dtype::Bool => visitor.visit_bool(b[0] != 0),
            Dtype::I8 => visitor.visit_i8(b[0] as i8),
            Dtype::U8 => visitor.visit_u8(b[0]),
            Dtype::I16(o) => visitor.visit_i16(read_num!(i16, b, o)),
            Dtype::I32(o) => visitor.visit_i32(read_num!(i32, b, o)),
            Dtype::I64(o) | Dtype::DateTime(_, o) | Dtype::TimeDelta(_, o) => {
                visitor.visit_i64(read_num!(i64, b, o))
            }
            Dtype::U16(o) => visitor.visit_u16(read_num!(u16, b, o)),
            Dtype::U32(o) => visitor.visit_u32(read_num!(u32, b, o)),
            Dtype::U64(o) => visitor.visit_u64(read_num!(u64, b, o)),
            Dtype::F16(o) => visitor.visit_f32(f16_to_f32(read_num!(u16, b, o))),
            Dtype::F32(o) => visitor.visit_f32(read_num!(f32, b, o)),
            Dtype::F64(o) => visitor.visit_f64(read_num!(f64, b, o)),
            Dtype::C64(_) | Dtype::C128(_) => self.visit_complex(visitor),
            // Self-describing targets such as `serde_json::Value` have no bytes
            // type, so raw bytes reach `deserialize_any` as a sequence of `u8`;
            // `deserialize_bytes` lends them as bytes.
            Dtype::Bytes(_) => visitor.visit_seq(de::value::SeqDeserializer::new(
                trim_nuls(b, 1).iter().copied(),
            )),
            Dtype::Void(_) => visitor.visit_seq(de::value::SeqDeserializer::new(b.iter().copied())),
            Dtype::Str(_, o) => visitor.visit_string(decode_ucs4(b, *o)?),
            Dtype::Record(r) => visitor.visit_map(RecordAccess::new(self, r)),
        }
    }

    fn visit_complex<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // Invariant: only called for complex dtypes, which have a part type.
        let part = self.dtype.complex_part().expect("complex dtype");
        let parts = self.sub(part, &COMPLEX_PAIR, self.offset);
        match visit_axis(&parts, visitor)? {
            (value, 0) => Ok(value),
            (_, unread) => Err(ErrorKind::TypeMismatch {
                expected: format!("{} value(s)", 2 - unread),
                found: format!("a complex number {} (re, im)", self.dtype),
            }
            .into()),
        }
    }

    /// A scalar was asked for: only a leaf can give one.
    fn scalar<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if !self.is_leaf() {
            return Err(self.dimension_error(false));
        }
        self.visit_leaf(visitor)
    }

    /// A sequence was asked for: the next axis, or the parts of a leaf that
    /// has them (complex, record fields, bytes).
    fn sequence<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if !self.is_leaf() {
            return self.axis_elements(visitor);
        }
        match self.dtype {
            Dtype::C64(_) | Dtype::C128(_) => self.visit_complex(visitor),
            Dtype::Record(r) => visit_whole(visitor, RecordAccess::new(self, r)),
            Dtype::Bytes(_) | Dtype::Void(_) => self.visit_leaf(visitor),
            _ => Err(self.dimension_error(true)),
        }
    }

    /// Visits the elements along the next axis: a contiguous last axis of
    /// plain numbers or records as a [`RunAccess`], anything else as an
    /// [`AxisAccess`].
    fn axis_elements<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if crate::bulk::may_collect::<V>() {
            if let Some(values) = self.collect_rows::<V>() {
                return values;
            }
        }
        if let Some(RowShape { len, size, kind }) = self.run_shape() {
            let run = self
                .offset
                .checked_add(size)
                .and_then(|end| self.data.get(self.offset..end));
            if let Some(run) = run {
                return visit_run(visitor, &self, run, len, kind, false);
            }
        }
        match visit_axis(&self, visitor)? {
            (value, 0) => Ok(value),
            (_, unread) => Err(ErrorKind::Dimension {
                expected: format!(
                    "{} elements along axis {}",
                    self.shape[self.axis] - unread,
                    self.axis
                ),
                shape: shape_repr(self.shape),
            }
            .into()),
        }
    }

    /// The last two axes read whole as a `Vec<[T; N]>`, when they are
    /// contiguous rows of plain numbers (see [`crate::bulk::collect_vec`]).
    fn collect_rows<V: Visitor<'de>>(&self) -> Option<Result<V::Value>> {
        let &[rows, row] = self.shape.get(self.axis..)? else {
            return None;
        };
        let kind = LeafKind::of(self.dtype);
        let itemsize = self.dtype.itemsize();
        let contiguous = self.stride(self.axis + 1) == itemsize
            && self.stride(self.axis) == row.checked_mul(itemsize)?;
        if kind == LeafKind::Other || !contiguous {
            return None;
        }
        let size = rows.checked_mul(row)?.checked_mul(itemsize)?;
        let run = self.data.get(self.offset..self.offset.checked_add(size)?)?;
        crate::bulk::collect_vec::<V, _>(kind, Some(row), Some(run))
    }

    /// The length, size and element kind of the next axis when it is a
    /// contiguous last axis of plain numbers or records, read as a
    /// [`RunAccess`].
    fn run_shape(&self) -> Option<RowShape> {
        let kind = LeafKind::of(self.dtype);
        let itemsize = self.dtype.itemsize();
        let runs =
            kind != LeafKind::Other || matches!(self.dtype, Dtype::Record(_)) && itemsize > 0;
        // The last axis of a C-order array is contiguous; of a Fortran-order
        // one, only when the other axes are all 1.
        let contiguous = !self.fortran || self.stride(self.axis) == itemsize;
        if runs && self.axis + 1 == self.shape.len() && contiguous {
            let len = self.shape[self.axis];
            let size = len.checked_mul(itemsize)?;
            Some(RowShape { len, size, kind })
        } else {
            None
        }
    }

    /// A contiguous run of one-byte elements along the last axis, if this is one.
    fn byte_run(&self) -> Option<&'d [u8]> {
        let one_byte = matches!(self.dtype, Dtype::U8 | Dtype::I8 | Dtype::Bool);
        if one_byte && self.axis + 1 == self.shape.len() && self.stride(self.axis) == 1 {
            self.data
                .get(self.offset..self.offset.checked_add(self.shape[self.axis])?)
        } else {
            None
        }
    }
}

fn trim_nuls(b: &[u8], unit: usize) -> &[u8] {
    let mut end = b.len();
    while end >= unit && b[end - unit..end].iter().all(|&x| x == 0) {
        end -= unit;
    }
    &b[..end]
}

fn decode_ucs4(b: &[u8], order: ByteOrder) -> Result<String> {
    let b = trim_nuls(b, 4);
    let mut s = String::with_capacity(b.len() / 4);
    for unit in b.chunks_exact(4) {
        let code = read_num!(u32, unit, order);
        let c = char::from_u32(code).ok_or_else(|| {
            Error::from(ErrorKind::TypeMismatch {
                expected: "a string".into(),
                found: format!("invalid code point 0x{code:X} in U data"),
            })
        })?;
        s.push(c);
    }
    Ok(s)
}

/// The three sequence requests (`seq`, `tuple`, `tuple_struct`), all
/// answered by `self.$via(visitor)`.
macro_rules! sequence_requests {
    ($via:ident) => {
        fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            self.$via(visitor)
        }
        fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
            self.$via(visitor)
        }
        fn deserialize_tuple_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _len: usize,
            visitor: V,
        ) -> Result<V::Value> {
            self.$via(visitor)
        }
    };
}

macro_rules! scalar_methods {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            self.scalar(visitor)
        }
    )*};
}

impl<'d, 'm, 'de, L: Lend<'d, 'de>> de::Deserializer<'de> for View<'d, 'm, L> {
    type Error = Error;

    // Elements on the last axis and scalar record fields take the `Elem`
    // fast path; a `View` reaching a scalar request is the general case.
    scalar_methods! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_f32
        deserialize_f64 deserialize_char
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.is_leaf() {
            self.visit_leaf(visitor)
        } else {
            self.axis_elements(visitor)
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.is_leaf() {
            if let Dtype::Bytes(_) = self.dtype {
                let b = trim_nuls(self.bytes()?, 1);
                if let Ok(s) = std::str::from_utf8(b) {
                    return self.lend.str(s, visitor);
                }
            }
        }
        self.scalar(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if let Some(run) = self.byte_run() {
            return self.lend.bytes(run, visitor);
        }
        if self.is_leaf() {
            match self.dtype {
                Dtype::Bytes(_) => return self.lend.bytes(trim_nuls(self.bytes()?, 1), visitor),
                Dtype::Void(_) => return self.lend.bytes(self.bytes()?, visitor),
                _ => {}
            }
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // `.npy` has no missing values: everything present is `Some`.
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value> {
        Err(ErrorKind::TypeMismatch {
            expected: "()".into(),
            found: format!("an array of {}", self.dtype),
        }
        .into())
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        if name == F16_NEWTYPE && self.is_leaf() {
            if let Dtype::F16(o) = self.dtype {
                let bits = read_num!(u16, self.bytes()?, o);
                return visitor.visit_newtype_struct(bits.into_deserializer());
            }
        }
        if name == VIEW_NEWTYPE && self.top {
            return visitor.visit_map(RawPartsAccess {
                view: self,
                next: 0,
            });
        }
        visitor.visit_newtype_struct(self)
    }

    sequence_requests!(sequence);

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.dtype {
            Dtype::Record(r) if self.is_leaf() => visitor.visit_map(RecordAccess::new(self, r)),
            _ if !self.is_leaf() => Err(self.dimension_error(false)),
            other => Err(ErrorKind::TypeMismatch {
                expected: "a map (a record dtype)".into(),
                found: other.to_string(),
            }
            .into()),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        if self.top && is_shaped(fields) {
            return visitor.visit_map(ShapedAccess::new(self, fields));
        }
        match self.dtype {
            // Fields in declaration order: derived visitors take a sequence,
            // which skips matching each key by name.
            Dtype::Record(r) if self.is_leaf() && in_order(r, fields) => {
                visit_whole(visitor, RecordAccess::new(self, r))
            }
            Dtype::Record(r) if self.is_leaf() => visitor.visit_map(RecordAccess::new(self, r)),
            _ if !self.is_leaf() => Err(self.dimension_error(false)),
            other => Err(ErrorKind::TypeMismatch {
                expected: format!("a struct with fields {fields:?}"),
                found: format!(
                    "{other} (structs read records, or `shape` + `data` at the top level)"
                ),
            }
            .into()),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        _variants: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value> {
        Err(ErrorKind::TypeMismatch {
            expected: format!("enum {name}"),
            found: format!("{} (.npy has no enums)", self.dtype),
        }
        .into())
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}

/// The struct's fields are the record's, in the same order.
fn in_order(record: &Record, fields: &[&str]) -> bool {
    record.fields().len() == fields.len()
        && record
            .fields()
            .iter()
            .zip(fields)
            .all(|(f, n)| same_name(&f.name, n))
}

pub(crate) fn is_shaped(fields: &[&str]) -> bool {
    fields.contains(&"data") && (fields.contains(&"shape") || fields.contains(&"dim"))
}

/// Elements a sequence visitor left unread.
pub(crate) trait Leftover {
    /// The error for a visitor that stopped early, if it did.
    fn leftover(&self) -> Option<Error>;
}

/// Visits `access` as a sequence, then checks that the visitor took every
/// element: serde's `[T; N]` and tuple visitors stop after `N`, and the rest
/// of a longer array must not be dropped silently.
#[inline]
pub(crate) fn visit_whole<'de, V, A>(visitor: V, mut access: A) -> Result<V::Value>
where
    V: Visitor<'de>,
    A: de::SeqAccess<'de, Error = Error> + Leftover,
{
    let value = visitor.visit_seq(&mut access)?;
    match access.leftover() {
        None => Ok(value),
        Some(e) => Err(e),
    }
}

/// The elements along one axis, taken by value by the visitor (as a
/// [`RunAccess`] is) so that its cursor stays in registers.
struct AxisAccess<'a, 'd, 'm, L> {
    /// The view of the axis, in the caller's frame: an element's view is
    /// built from it without taking the access's address.
    parent: &'a View<'d, 'm, L>,
    /// `parent.data`, held apart so that it stays in registers.
    data: &'d [u8],
    /// Offset in `data` of the next element.
    offset: usize,
    stride: usize,
    remaining: usize,
    /// The element kind when this is the last axis, else `Other`.
    kind: LeafKind,
    /// When the elements are rows of a contiguous last axis (as in an `(n,
    /// 3)` array read as `Vec<[f32; 3]>`): each row's length, size in bytes
    /// and element kind, worked out once for the axis rather than per row.
    row: Option<RowShape>,
    /// Where the count of unread elements goes when the access is dropped.
    unread: &'a Cell<usize>,
}

/// See [`AxisAccess::row`].
#[derive(Clone, Copy)]
struct RowShape {
    len: usize,
    size: usize,
    kind: LeafKind,
}

impl<L> Drop for AxisAccess<'_, '_, '_, L> {
    #[inline(always)]
    fn drop(&mut self) {
        self.unread.set(self.remaining);
    }
}

/// Visits the elements along `view`'s next axis; returns the value and how
/// many elements the visitor left unread.
#[inline]
fn visit_axis<'d, 'm, 'de, L: Lend<'d, 'de>, V: Visitor<'de>>(
    view: &View<'d, 'm, L>,
    visitor: V,
) -> Result<(V::Value, usize)> {
    let len = view.shape[view.axis];
    // All unread until the access, dropped, says otherwise (see `visit_run`).
    let unread = Cell::new(len);
    let value = visitor.visit_seq(AxisAccess {
        parent: view,
        data: view.data,
        offset: view.offset,
        stride: view.stride(view.axis),
        remaining: len,
        kind: if view.axis + 1 == view.shape.len() {
            LeafKind::of(view.dtype)
        } else {
            LeafKind::Other
        },
        row: if view.axis + 2 == view.shape.len() {
            sub_axis(view, view.offset).run_shape()
        } else {
            None
        },
        unread: &unread,
    })?;
    Ok((value, unread.get()))
}

impl<'a, 'd, 'm, 'de, L: Lend<'d, 'de>> de::SeqAccess<'de> for AxisAccess<'a, 'd, 'm, L> {
    type Error = Error;

    #[inline(always)]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.remaining == 0 {
            return Ok(None);
        }
        self.remaining -= 1;
        let offset = self.offset;
        self.offset = offset.wrapping_add(self.stride);
        let (parent, remaining) = (self.parent, self.remaining);
        let at = move |e: Error| e.at_index(parent.shape[parent.axis] - remaining - 1);
        if self.kind != LeafKind::Other {
            // Every element lies within the data (checked against the shape
            // when the data length was).
            return seed
                .deserialize(Elem {
                    bytes: self.data.get(offset..).unwrap_or_default(),
                    kind: self.kind,
                    origin: Origin::Axis {
                        parent: self.parent,
                        offset,
                    },
                })
                .map(Some)
                .map_err(at);
        }
        if let Some(shape) = self.row {
            if let Some(run) = self.data.get(offset..offset.wrapping_add(shape.size)) {
                let row = Row {
                    parent: self.parent,
                    offset,
                    run,
                    shape,
                };
                return seed.deserialize(row).map(Some).map_err(at);
            }
        }
        seed.deserialize(sub_axis(self.parent, offset))
            .map(Some)
            .map_err(at)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.remaining)
    }
}

/// The element of `parent`'s axis at byte `offset`: the view one axis down.
#[inline]
fn sub_axis<'d, 'm, L: Copy>(parent: &View<'d, 'm, L>, offset: usize) -> View<'d, 'm, L> {
    View {
        offset,
        axis: parent.axis + 1,
        top: false,
        ..*parent
    }
}

/// The fields of one record, as a map (by name) or a sequence (in order).
struct RecordAccess<'d, 'm, L> {
    view: View<'d, 'm, L>,
    record: &'m Record,
    next: usize,
}

impl<'d, 'm, L> RecordAccess<'d, 'm, L> {
    fn new(view: View<'d, 'm, L>, record: &'m Record) -> Self {
        RecordAccess {
            view,
            record,
            next: 0,
        }
    }
}

impl<'d, 'm, 'de, L: Lend<'d, 'de>> RecordAccess<'d, 'm, L> {
    /// Deserializes the next field: scalar fields through the [`Elem`] fast
    /// path, the rest (subarrays, strings, nested records) through a [`View`].
    #[inline(always)]
    fn field<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value> {
        let index = self.next;
        let f = &self.record.fields()[index];
        self.next += 1;
        let offset = self.view.offset + f.offset;
        let at = |e: Error| e.in_field(&f.name);
        if let Some(leaf) = self.record.leaf(index) {
            if leaf.kind != LeafKind::Other {
                if let Some(bytes) = self.view.data.get(offset..) {
                    return seed
                        .deserialize(Elem {
                            bytes,
                            kind: leaf.kind,
                            origin: Origin::Field {
                                parent: &self.view,
                                record: self.record,
                                index,
                                offset,
                            },
                        })
                        .map_err(at);
                }
            }
        }
        seed.deserialize(self.view.sub(&f.dtype, &f.shape, offset))
            .map_err(at)
    }
}

impl<'d, 'm, 'de, L: Lend<'d, 'de>> de::MapAccess<'de> for RecordAccess<'d, 'm, L> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        match self.record.fields().get(self.next) {
            None => Ok(None),
            Some(f) => seed
                .deserialize(f.name.as_str().into_deserializer())
                .map(Some),
        }
    }

    #[inline]
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value> {
        self.field(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.record.fields().len() - self.next)
    }
}

impl<L> Leftover for RecordAccess<'_, '_, L> {
    fn leftover(&self) -> Option<Error> {
        let n = self.record.fields().len();
        (self.next < n).then(|| {
            ErrorKind::TypeMismatch {
                expected: format!("a sequence of {} fields", self.next),
                found: format!("a record of {n} fields {}", self.view.dtype),
            }
            .into()
        })
    }
}

impl<'d, 'm, 'de, L: Lend<'d, 'de>> de::SeqAccess<'de> for RecordAccess<'d, 'm, L> {
    type Error = Error;

    #[inline(always)]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.next == self.record.fields().len() {
            return Ok(None);
        }
        self.field(seed).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.record.fields().len() - self.next)
    }
}

/// A top-level struct with `shape` and `data` (and optionally `fortran_order`;
/// ndarray's `v` and `dim` are understood too).
struct ShapedAccess<'d, 'm, L> {
    view: View<'d, 'm, L>,
    fields: &'static [&'static str],
    next: usize,
    /// The struct has a `fortran_order` field: data comes in file order.
    file_order: bool,
}

impl<'d, 'm, L> ShapedAccess<'d, 'm, L> {
    fn new(view: View<'d, 'm, L>, fields: &'static [&'static str]) -> Self {
        ShapedAccess {
            view,
            fields,
            next: 0,
            file_order: fields.contains(&"fortran_order"),
        }
    }

    /// The next requested field this reader can fill.
    fn current(&self) -> Option<&'static str> {
        self.fields.get(self.next).copied()
    }
}

impl<'d, 'm, 'de, L: Lend<'d, 'de>> de::MapAccess<'de> for ShapedAccess<'d, 'm, L> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        while let Some(f) = self.current() {
            if is_shaped_field(f) {
                return seed.deserialize(f.into_deserializer()).map(Some);
            }
            self.next += 1;
        }
        Ok(None)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value> {
        let field = self.current().unwrap_or("");
        self.next += 1;
        if field == "data" {
            return seed
                .deserialize(FlatData {
                    view: self.view,
                    file_order: self.file_order,
                })
                .map_err(|e| e.in_field("data"));
        }
        shaped_meta(
            field,
            self.view.dtype,
            self.view.shape,
            self.view.fortran,
            seed,
        )
    }
}

/// Is `field` one that a `shape` + `data` struct reader fills?
pub(crate) fn is_shaped_field(field: &str) -> bool {
    matches!(
        field,
        "shape" | "dim" | "data" | "fortran_order" | "descr" | "v"
    )
}

/// The value of a metadata field of a `shape` + `data` struct (not `data`).
pub(crate) fn shaped_meta<'de, T: DeserializeSeed<'de>>(
    field: &str,
    dtype: &Dtype,
    shape: &[usize],
    fortran: bool,
    seed: T,
) -> Result<T::Value> {
    match field {
        "shape" | "dim" => seed.deserialize(ShapeDeserializer(shape)),
        "fortran_order" => seed.deserialize(fortran.into_deserializer()),
        "descr" => seed.deserialize(
            dtype
                .typestr()
                .unwrap_or_else(|| dtype.descr())
                .into_deserializer(),
        ),
        // ndarray's format version.
        _ => seed.deserialize(1u8.into_deserializer()),
    }
}

/// All elements of an array as one flat sequence.
struct FlatData<'d, 'm, L> {
    view: View<'d, 'm, L>,
    file_order: bool,
}

impl<'d, 'm, 'de, L: Lend<'d, 'de>> de::Deserializer<'de> for FlatData<'d, 'm, L> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let count: usize = self.view.shape.iter().product();
        let c_order = self.file_order || !self.view.fortran;
        let kind = LeafKind::of(self.view.dtype);
        if c_order && kind != LeafKind::Other {
            let run = count.checked_mul(self.view.dtype.itemsize()).and_then(|n| {
                self.view
                    .data
                    .get(self.view.offset..self.view.offset.checked_add(n)?)
            });
            if let Some(run) = run {
                return visit_run(visitor, &self.view, run, count, kind, true);
            }
        }
        // Storage order steps one item at a time: one axis of `count` items.
        // A Fortran-order file read in logical C order steps along the last
        // axis, whose stride in the file is the product of the axes before
        // it, and carries into the earlier axes when it wraps.
        let shape = self.view.shape;
        let itemsize = self.view.dtype.itemsize();
        let (mut counter, strides, last_len, last_stride) = match shape.split_last() {
            Some((&last, earlier)) if !c_order => {
                let strides: Vec<usize> = earlier
                    .iter()
                    .scan(itemsize, |s, &d| {
                        let stride = *s;
                        *s = s.saturating_mul(d);
                        Some(stride)
                    })
                    .collect();
                let last_stride = strides
                    .last()
                    .zip(earlier.last())
                    .map_or(itemsize, |(&s, &d)| s.saturating_mul(d));
                (vec![0; earlier.len()], strides, last, last_stride)
            }
            _ => (Vec::new(), Vec::new(), count, itemsize),
        };
        // All unread until the access, dropped, says otherwise (see `visit_run`).
        let unread = Cell::new(count);
        let value = visitor.visit_seq(FlatAccess {
            parent: &self.view,
            data: self.view.data,
            kind,
            count,
            remaining: count,
            offset: self.view.offset,
            last: 0,
            last_len,
            last_stride,
            counter: &mut counter,
            strides: &strides,
            unread: &unread,
        })?;
        match unread.get() {
            0 => Ok(value),
            n => Err(ErrorKind::Dimension {
                expected: format!("{} elements in `data`", count - n),
                shape: shape_repr(shape),
            }
            .into()),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The elements of a [`FlatData`], taken by value by the visitor (as a
/// [`RunAccess`] is) so that its cursor stays in registers.
struct FlatAccess<'a, 'd, 'm, L> {
    parent: &'a View<'d, 'm, L>,
    /// `parent.data`, held apart so that it stays in registers.
    data: &'d [u8],
    kind: LeafKind,
    count: usize,
    remaining: usize,
    /// Offset in `data` of the next element.
    offset: usize,
    /// Position of the next element along the last axis, its length and
    /// its stride in the file (storage order: one axis of every item).
    last: usize,
    last_len: usize,
    last_stride: usize,
    /// For a Fortran-order file read in logical C order, the position along
    /// each earlier axis and its stride in the file. Borrowed, so that the
    /// access has no drop glue of its own, which would keep it in memory.
    counter: &'a mut [usize],
    strides: &'a [usize],
    /// Where the count of unread elements goes when the access is dropped.
    unread: &'a Cell<usize>,
}

impl<L> Drop for FlatAccess<'_, '_, '_, L> {
    #[inline(always)]
    fn drop(&mut self) {
        self.unread.set(self.remaining);
    }
}

/// The last axis of a [`FlatAccess`] wrapped: moves `offset` (back at the
/// start of that axis) to the next position of the earlier axes, whose
/// lengths are `shape`, the last of them fastest. It is given the parts, not
/// the access, whose address would otherwise keep its cursor in memory.
#[inline(never)]
fn carry(mut offset: usize, counter: &mut [usize], strides: &[usize], shape: &[usize]) -> usize {
    for ((i, &stride), &d) in counter.iter_mut().zip(strides).zip(shape).rev() {
        if *i + 1 < d {
            *i += 1;
            return offset.wrapping_add(stride);
        }
        offset = offset.wrapping_sub(stride.wrapping_mul(*i));
        *i = 0;
    }
    offset
}

impl<'a, 'd, 'm, 'de, L: Lend<'d, 'de>> de::SeqAccess<'de> for FlatAccess<'a, 'd, 'm, L> {
    type Error = Error;

    #[inline(always)]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.remaining == 0 {
            return Ok(None);
        }
        self.remaining -= 1;
        let offset = self.offset;
        self.last += 1;
        if self.last < self.last_len {
            self.offset = offset.wrapping_add(self.last_stride);
        } else {
            self.last = 0;
            let start = offset.wrapping_sub(self.last_stride.wrapping_mul(self.last_len - 1));
            let earlier = &self.parent.shape[..self.counter.len()];
            self.offset = carry(start, self.counter, self.strides, earlier);
        }
        // Every element lies within the data (checked against the shape
        // when the data length was), so `full` is only for kinds that have
        // no fast path.
        let index = self.count - self.remaining - 1;
        seed.deserialize(Elem {
            bytes: self.data.get(offset..).unwrap_or_default(),
            kind: self.kind,
            origin: Origin::Axis {
                parent: self.parent,
                offset,
            },
        })
        .map(Some)
        .map_err(|e| e.at_index(index))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.remaining)
    }
}

/// The parts of a whole array for [`crate::ArrayView`]: its typestr, shape,
/// memory order and raw data bytes (lent when the input is borrowed).
struct RawPartsAccess<'d, 'm, L> {
    view: View<'d, 'm, L>,
    next: usize,
}

const RAW_PARTS: [&str; 4] = ["descr", "shape", "fortran_order", "data"];

impl<'d, 'm, 'de, L: Lend<'d, 'de>> de::MapAccess<'de> for RawPartsAccess<'d, 'm, L> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        match RAW_PARTS.get(self.next) {
            Some(k) => seed.deserialize((*k).into_deserializer()).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value> {
        let v = self.view;
        self.next += 1;
        match self.next {
            1 => {
                let typestr = v.dtype.typestr().ok_or_else(|| {
                    Error::from(ErrorKind::TypeMismatch {
                        expected: "an array of plain numbers".into(),
                        found: format!("the record dtype {}", v.dtype),
                    })
                })?;
                seed.deserialize(typestr.into_deserializer())
            }
            2 => seed.deserialize(de::value::SeqDeserializer::new(v.shape.iter().copied())),
            3 => seed.deserialize(v.fortran.into_deserializer()),
            _ => {
                let len = v
                    .shape
                    .iter()
                    .fold(v.dtype.itemsize(), |a, &d| a.saturating_mul(d));
                let bytes = v.data.get(..len).ok_or_else(|| {
                    Error::from(ErrorKind::Custom(
                        "array data out of bounds (internal error)".into(),
                    ))
                })?;
                seed.deserialize(LentBytes {
                    bytes,
                    lend: v.lend,
                })
            }
        }
    }
}

/// Hands `bytes` to `deserialize_bytes` visitors, borrowed when possible.
struct LentBytes<'d, L> {
    bytes: &'d [u8],
    lend: L,
}

impl<'d, 'de, L: Lend<'d, 'de>> de::Deserializer<'de> for LentBytes<'d, L> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.lend.bytes(self.bytes, visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// One element or record field. Requests that match its kind (a plain
/// number) read its bytes directly; all others, and every request for a
/// field of kind `Other`, go through the general [`View`] it came from.
struct Elem<'a, 'd, 'm, L> {
    /// The bytes from the element's start: at least its width when `kind`
    /// is a number (a record field gets the rest of its record, so that
    /// taking it costs one bounds check, not two).
    bytes: &'d [u8],
    kind: LeafKind,
    origin: Origin<'a, 'd, 'm, L>,
}

/// Where an [`Elem`] sits, to rebuild its full [`View`] when needed.
enum Origin<'a, 'd, 'm, L> {
    /// At `offset` along the last axis of `parent`.
    Axis {
        parent: &'a View<'d, 'm, L>,
        offset: usize,
    },
    /// Field `index` of `record`, at `offset` in `parent.data`.
    Field {
        parent: &'a View<'d, 'm, L>,
        record: &'m Record,
        index: usize,
        offset: usize,
    },
}

impl<'d, 'm, L: Copy> Elem<'_, 'd, 'm, L> {
    /// The element's general view, built out of line from the origin's
    /// fields: handing the `Elem` itself to an out-of-line call, by value or
    /// by reference, would keep every element's `Elem` in memory on the fast
    /// path too.
    #[inline(always)]
    fn full(self) -> View<'d, 'm, L> {
        match self.origin {
            Origin::Axis { parent, offset } => leaf_at(parent, offset),
            Origin::Field {
                parent,
                record,
                index,
                offset,
            } => field_at(parent, record, index, offset),
        }
    }
}

/// The view of field `index` of `record` at byte `offset` of `parent`.
#[cold]
#[inline(never)]
fn field_at<'d, 'm, L: Copy>(
    parent: &View<'d, 'm, L>,
    record: &'m Record,
    index: usize,
    offset: usize,
) -> View<'d, 'm, L> {
    match record.fields().get(index) {
        Some(f) => parent.sub(&f.dtype, &f.shape, offset),
        // Unreachable: `index` came from the record's leaves, one per field.
        None => leaf_at(parent, offset),
    }
}

/// Invokes `$then!` with every number the element fast paths read from
/// several bytes, in either byte order: the method, the kind, the type and
/// the visitor call. Shared by [`Elem`] and [`RunElem`].
macro_rules! wide_numbers {
    ($then:ident) => {
        $then! {
            deserialize_i16: I16 => i16, visit_i16;
            deserialize_i32: I32 => i32, visit_i32;
            deserialize_i64: I64 => i64, visit_i64;
            deserialize_u16: U16 => u16, visit_u16;
            deserialize_u32: U32 => u32, visit_u32;
            deserialize_u64: U64 => u64, visit_u64;
            deserialize_f32: F32 => f32, visit_f32;
            deserialize_f64: F64 => f64, visit_f64;
        }
    };
}

/// Invokes `$then!` with the one-byte numbers: the method, the kind and the
/// visitor call with the conversion from the byte.
macro_rules! byte_numbers {
    ($then:ident) => {
        $then! {
            deserialize_u8: U8 => visit_u8(|b: u8| b);
            deserialize_i8: I8 => visit_i8(|b: u8| b as i8);
            deserialize_bool: Bool => visit_bool(|b: u8| b != 0);
        }
    };
}

/// Invokes `$then!` with every other `Deserializer` method of an element,
/// all of which go through its general [`View`] (`deserialize_struct` is
/// left to each element type).
macro_rules! general_requests {
    ($then:ident) => {
        other_requests!($then);
        $then! {
            deserialize_seq(); deserialize_tuple(len: usize); deserialize_tuple_struct(name: &'static str, len: usize);
        }
    };
}

/// [`general_requests!`] but the sequences.
macro_rules! other_requests {
    ($then:ident) => {
        $then! {
            deserialize_any(); deserialize_char(); deserialize_str(); deserialize_string();
            deserialize_bytes(); deserialize_byte_buf(); deserialize_option(); deserialize_unit();
            deserialize_unit_struct(name: &'static str); deserialize_newtype_struct(name: &'static str);
            deserialize_map(); deserialize_enum(name: &'static str, variants: &'static [&'static str]);
            deserialize_identifier(); deserialize_ignored_any(); deserialize_i128(); deserialize_u128();
        }
    };
}

macro_rules! elem_fast {
    ($($method:ident: $kind:ident => $ty:ty, $visit:ident;)*) => {$(
        #[inline(always)]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            // Little-endian first, as one compare of the kind: it is what
            // NumPy writes on every common machine.
            const N: usize = std::mem::size_of::<$ty>();
            let (bytes, kind) = (self.bytes, self.kind);
            if kind == LeafKind::$kind(ByteOrder::Little) {
                if let Some(b) = bytes.get(..N).and_then(|b| <[u8; N]>::try_from(b).ok()) {
                    return visitor.$visit(<$ty>::from_le_bytes(b));
                }
            }
            // Big-endian too is out of line: inline, the compiler reads
            // every number both ways and picks one.
            let view = self.full();
            general(move || match bytes.get(..N).and_then(|b| <[u8; N]>::try_from(b).ok()) {
                Some(b) if kind == LeafKind::$kind(ByteOrder::Big) => {
                    visitor.$visit(<$ty>::from_be_bytes(b))
                }
                _ => view.$method(visitor),
            })
        }
    )*};
}

macro_rules! elem_forward {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value> {
            self.full().$method($($arg,)* visitor)
        }
    )*};
}

macro_rules! elem_byte {
    ($($method:ident: $kind:ident => $visit:ident($conv:expr);)*) => {$(
        #[inline(always)]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            match (self.kind, self.bytes.first()) {
                (LeafKind::$kind, Some(&b)) => visitor.$visit($conv(b)),
                _ => {
                    let view = self.full();
                    general(move || view.$method(visitor))
                }
            }
        }
    )*};
}

impl<'d, 'm, 'de, L: Lend<'d, 'de>> de::Deserializer<'de> for Elem<'_, 'd, 'm, L> {
    type Error = Error;

    wide_numbers!(elem_fast);
    byte_numbers!(elem_byte);
    general_requests!(elem_forward);
    elem_forward! {
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
    }
}

/// A row of an [`AxisAccess`] over a contiguous last axis: a sequence
/// request visits its elements as a run straight away, as the row's own
/// [`View`] would after working out the same facts again.
struct Row<'a, 'd, 'm, L> {
    /// The view of the axis the row is an element of.
    parent: &'a View<'d, 'm, L>,
    offset: usize,
    run: &'d [u8],
    shape: RowShape,
}

impl<'d, 'm, L: Copy> Row<'_, 'd, 'm, L> {
    #[inline]
    fn full(self) -> View<'d, 'm, L> {
        sub_axis(self.parent, self.offset)
    }

    #[inline]
    fn visit<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value>
    where
        L: Lend<'d, 'de>,
    {
        let (run, RowShape { len, kind, .. }) = (self.run, self.shape);
        let view = self.full();
        visit_run(visitor, &view, run, len, kind, false)
    }
}

impl<'d, 'm, 'de, L: Lend<'d, 'de>> de::Deserializer<'de> for Row<'_, 'd, 'm, L> {
    type Error = Error;

    sequence_requests!(visit);

    other_requests!(elem_forward);
    elem_forward! {
        deserialize_bool(); deserialize_i8(); deserialize_i16(); deserialize_i32();
        deserialize_i64(); deserialize_u8(); deserialize_u16(); deserialize_u32();
        deserialize_u64(); deserialize_f32(); deserialize_f64();
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
    }
}

/// A contiguous run of plain numbers or records: the last axis of a C-order
/// view, or a whole array read in storage order. The cursor is the unread
/// tail of the run, so a matching element costs a length check, a load and
/// the visitor call; other requests rebuild the element's [`View`] from
/// `parent`.
struct RunAccess<'a, 'd, 'm, L> {
    /// Unread elements; its length is a multiple of `itemsize`.
    rest: &'d [u8],
    kind: LeafKind,
    itemsize: usize,
    /// Offset in `parent.data` just past the run.
    end: usize,
    parent: &'a View<'d, 'm, L>,
    /// The element dtype, when elements are records.
    record: Option<&'m Record>,
    /// The last struct field list found to match `record` in order: a
    /// derived struct asks with the same `'static` list for every record, so
    /// the names are compared once per run, not once per record.
    matched: Option<&'static [&'static str]>,
    /// Where the unread byte count goes when the access is dropped: the
    /// visitor takes the access by value (so the cursor can live in
    /// registers), and the caller still learns whether it read everything.
    unread: &'a Cell<usize>,
}

impl<L> Drop for RunAccess<'_, '_, '_, L> {
    #[inline(always)]
    fn drop(&mut self) {
        self.unread.set(self.rest.len());
    }
}

/// Visits a contiguous run of `len` elements (see [`RunAccess::new`]) as a
/// sequence, and checks that the visitor took every element: serde's
/// `[T; N]` and tuple visitors stop after `N`, and the rest must not be
/// dropped silently.
#[inline]
fn visit_run<'d, 'm, 'de, L: Lend<'d, 'de>, V: Visitor<'de>>(
    visitor: V,
    parent: &View<'d, 'm, L>,
    run: &'d [u8],
    len: usize,
    kind: LeafKind,
    flat: bool,
) -> Result<V::Value> {
    if let Some(values) = crate::bulk::collect_vec::<V, _>(kind, None, Some(run)) {
        return values;
    }
    // All unread until the access, dropped, says otherwise: a visitor that
    // leaks it (`mem::forget`) must not pass for one that read everything.
    let unread = Cell::new(run.len());
    let value = visitor.visit_seq(RunAccess::new(parent, run, kind, &unread))?;
    match unread.get() {
        0 => Ok(value),
        bytes => Err(run_leftover(parent, len, bytes, flat)),
    }
}

#[cold]
fn run_leftover<L>(parent: &View<'_, '_, L>, len: usize, unread: usize, flat: bool) -> Error {
    let read = len - unread / parent.dtype.itemsize().max(1);
    ErrorKind::Dimension {
        expected: if flat {
            format!("{read} elements in `data`")
        } else {
            format!("{read} elements along axis {}", parent.axis)
        },
        shape: shape_repr(parent.shape),
    }
    .into()
}

impl<'a, 'd, 'm, L> RunAccess<'a, 'd, 'm, L> {
    /// `run` is a subslice of `parent.data` holding whole elements of `kind`,
    /// or of a record dtype (`kind` is then `Other`). Elements are not empty.
    fn new(
        parent: &'a View<'d, 'm, L>,
        run: &'d [u8],
        kind: LeafKind,
        unread: &'a Cell<usize>,
    ) -> Self {
        let itemsize = parent.dtype.itemsize();
        let start = run.as_ptr() as usize - parent.data.as_ptr() as usize;
        RunAccess {
            rest: run,
            kind,
            itemsize,
            end: start + run.len(),
            parent,
            record: match parent.dtype {
                Dtype::Record(r) => Some(r),
                _ => None,
            },
            matched: None,
            unread,
        }
    }
}

impl<'a, 'd, 'm, 'de, L: Lend<'d, 'de>> de::SeqAccess<'de> for RunAccess<'a, 'd, 'm, L> {
    type Error = Error;

    #[inline(always)]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let (parent, offset, itemsize) = (self.parent, self.end - self.rest.len(), self.itemsize);
        seed.deserialize(RunElem { run: self })
            .map(Some)
            .map_err(|e| e.at_index((offset - parent.offset) / itemsize))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.rest.len() / self.itemsize)
    }
}

/// The next element of a [`RunAccess`]; deserializing it consumes it.
struct RunElem<'r, 'a, 'd, 'm, L> {
    run: &'r mut RunAccess<'a, 'd, 'm, L>,
}

impl<'d, 'm, L: Copy> RunElem<'_, '_, 'd, 'm, L> {
    /// Takes the element as a general leaf view. The cursor moves here,
    /// inline; only building the view is out of line, and it is not given
    /// the run's address, which would keep the cursor in memory.
    #[inline(always)]
    fn full(self) -> View<'d, 'm, L> {
        let run = self.run;
        let offset = run.end - run.rest.len();
        // Invariant: `rest` is non-empty (checked by `next_element_seed`) and
        // a multiple of `itemsize` long.
        run.rest = run.rest.get(run.itemsize..).unwrap_or_default();
        leaf_at(run.parent, offset)
    }
}

/// The leaf of `parent`'s last axis at byte `offset`.
#[cold]
#[inline(never)]
fn leaf_at<'d, 'm, L: Copy>(parent: &View<'d, 'm, L>, offset: usize) -> View<'d, 'm, L> {
    View {
        offset,
        axis: parent.shape.len(),
        top: false,
        ..*parent
    }
}

/// Runs `f` out of line, as a cold call: the general paths of the
/// per-element and per-record fast reads go through it, apart from the fast
/// code they would otherwise bloat (and, for big-endian numbers, merge into:
/// see `elem_fast!`).
#[cold]
#[inline(never)]
fn general<R>(f: impl FnOnce() -> R) -> R {
    f()
}

macro_rules! run_fast {
    ($($method:ident: $kind:ident => $ty:ty, $visit:ident;)*) => {$(
        #[inline(always)]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            const N: usize = std::mem::size_of::<$ty>();
            let rest = self.run.rest;
            if let Some(b) = rest.get(..N).and_then(|b| <[u8; N]>::try_from(b).ok()) {
                // Little-endian first, as in `elem_fast!`.
                if matches!(self.run.kind, LeafKind::$kind(ByteOrder::Little)) {
                    self.run.rest = &rest[N..];
                    return visitor.$visit(<$ty>::from_le_bytes(b));
                }
                if matches!(self.run.kind, LeafKind::$kind(ByteOrder::Big)) {
                    self.run.rest = &rest[N..];
                    return visitor.$visit(<$ty>::from_be_bytes(b));
                }
            }
            let view = self.full();
            general(move || view.$method(visitor))
        }
    )*};
}

macro_rules! run_byte {
    ($($method:ident: $kind:ident => $visit:ident($conv:expr);)*) => {$(
        #[inline(always)]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            if let (LeafKind::$kind, Some((&b, rest))) = (self.run.kind, self.run.rest.split_first()) {
                self.run.rest = rest;
                return visitor.$visit($conv(b));
            }
            let view = self.full();
            general(move || view.$method(visitor))
        }
    )*};
}

impl<'d, 'm, 'de, L: Lend<'d, 'de>> de::Deserializer<'de> for RunElem<'_, '_, 'd, 'm, L> {
    type Error = Error;

    wide_numbers!(run_fast);
    byte_numbers!(run_byte);
    general_requests!(elem_forward);

    #[inline]
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let run = &mut *self.run;
        if let Some(record) = run.record {
            let known = run.matched.is_some_and(|m| std::ptr::eq(m, fields));
            if known || in_order(record, fields) {
                run.matched = Some(fields);
                let offset = run.end - run.rest.len();
                let rest = run.rest;
                // `rest` holds whole, non-empty records; `min` only spares
                // the slice a panic path.
                let (bytes, tail) = rest.split_at(run.itemsize.min(rest.len()));
                run.rest = tail;
                // All unread until dropped, as in `visit_run`.
                let unread = Cell::new(record.fields().len());
                let value = visitor.visit_seq(FieldsAccess {
                    bytes,
                    record,
                    leaves: record.leaves(),
                    next: 0,
                    parent: run.parent,
                    offset,
                    unread: &unread,
                })?;
                return match unread.get() {
                    0 => Ok(value),
                    n => Err(fields_leftover(record, n, run.parent)),
                };
            }
        }
        let view = self.full();
        general(move || view.deserialize_struct(name, fields, visitor))
    }
}

/// The fields of one record of a [`RunAccess`], in order.
struct FieldsAccess<'a, 'd, 'm, L> {
    /// Exactly the record's bytes.
    bytes: &'d [u8],
    record: &'m Record,
    /// The record's leaves, held apart so that they stay in registers.
    leaves: &'m [Leaf],
    next: usize,
    /// The run's view, for fields that take the general path.
    parent: &'a View<'d, 'm, L>,
    /// Offset of the record in `parent.data`.
    offset: usize,
    /// Set on drop to the number of fields the visitor left unread. The
    /// visitor takes this access by value: behind `&mut`, serde's forwarding
    /// `next_element` is a call per field that does not inline.
    unread: &'a Cell<usize>,
}

impl<L> Drop for FieldsAccess<'_, '_, '_, L> {
    #[inline(always)]
    fn drop(&mut self) {
        self.unread
            .set(self.record.fields().len().saturating_sub(self.next));
    }
}

/// The error for a struct visitor that read fewer fields than its record has.
#[cold]
fn fields_leftover<L>(record: &Record, unread: usize, parent: &View<'_, '_, L>) -> Error {
    let n = record.fields().len();
    ErrorKind::TypeMismatch {
        expected: format!("a sequence of {} fields", n - unread),
        found: format!("a record of {n} fields {}", parent.dtype),
    }
    .into()
}

impl<'a, 'd, 'm, 'de, L: Lend<'d, 'de>> de::SeqAccess<'de> for FieldsAccess<'a, 'd, 'm, L> {
    type Error = Error;

    #[inline(always)]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let index = self.next;
        let Some(&leaf) = self.leaves.get(index) else {
            return Ok(None);
        };
        self.next = index + 1;
        // Fields of kind `Other` (subarrays, strings, nested records) take
        // the element's general path too: every fast check fails for them,
        // as it would for missing bytes (a record's fields lie within it).
        let record = self.record;
        seed.deserialize(Elem {
            bytes: self.bytes.get(leaf.offset..).unwrap_or_default(),
            kind: leaf.kind,
            origin: Origin::Field {
                parent: self.parent,
                record,
                index,
                offset: self.offset + leaf.offset,
            },
        })
        .map(Some)
        .map_err(|e| e.in_field(&record.fields()[index].name))
    }

    // Overridden only to force inlining into the struct's visitor.
    #[inline(always)]
    fn next_element<T: Deserialize<'de>>(&mut self) -> Result<Option<T>> {
        self.next_element_seed(std::marker::PhantomData)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.record.fields().len() - self.next)
    }
}

/// A shape as a sequence of `usize`. A fixed-length request (ndarray's `Ix2`
/// `dim` is a 2-tuple) of another length is a dimension error naming the
/// shape, rather than serde's generic "invalid length".
struct ShapeDeserializer<'m>(&'m [usize]);

impl<'de> de::Deserializer<'de> for ShapeDeserializer<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let mut seq = de::value::SeqDeserializer::<_, Error>::new(self.0.iter().copied());
        let value = visitor.visit_seq(&mut seq)?;
        seq.end()?;
        Ok(value)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        if len != self.0.len() {
            return Err(ErrorKind::Dimension {
                expected: format!("{len}-D"),
                shape: shape_repr(self.0),
            }
            .into());
        }
        self.deserialize_any(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq
        tuple_struct map struct enum identifier ignored_any
    }
}

/// Widens binary16 bits to `f32` exactly, as NumPy's `npy_half_to_float`
/// does: every finite value, infinities, and NaNs with their payload and
/// signalling bit (`half`'s conversion quiets signalling NaNs).
pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h & 0x8000) << 16;
    let exp = u32::from(h >> 10) & 0x1f;
    let mant = u32::from(h & 0x03ff);
    let bits = match (exp, mant) {
        (0, 0) => sign,
        // Subnormal: normalize the mantissa into an f32 normal number.
        (0, m) => {
            let shift = m.leading_zeros() - 21;
            let m = (m << shift) & 0x03ff;
            sign | ((127 - 15 + 1 - shift) << 23) | (m << 13)
        }
        (0x1f, m) => sign | 0x7f80_0000 | (m << 13),
        (e, m) => sign | ((e + 127 - 15) << 23) | (m << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::f16_to_f32;

    #[test]
    fn f16_widening_is_exact_for_every_bit_pattern() {
        for h in 0..=u16::MAX {
            let ours = f16_to_f32(h);
            let theirs = half::f16::from_bits(h).to_f32();
            if theirs.is_nan() {
                assert!(ours.is_nan());
                // Payload and signalling bit kept: narrowing back is the identity.
                assert_eq!(
                    ((ours.to_bits() >> 13) & 0x3ff) as u16,
                    h & 0x3ff,
                    "{h:#06x}"
                );
                assert_eq!(ours.to_bits() >> 31, u32::from(h >> 15));
            } else {
                assert_eq!(ours.to_bits(), theirs.to_bits(), "{h:#06x}");
            }
        }
    }
}
