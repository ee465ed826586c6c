//! The general reader: a [`View`] of an array, or of one element, inside the
//! data bytes; how its string and byte data reach a visitor ([`Lend`]); and
//! its `Deserializer`, which decodes leaves and hands axes, records and
//! `shape` + `data` structs to the accesses of the sibling modules.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use crate::dtype::{ByteOrder, Dtype, LeafKind, BF16_NEWTYPE, COMPLEX_PAIR, F16_NEWTYPE};
use crate::error::{count, shape_repr, Error, ErrorKind, Result};
use crate::header::Header;
use crate::view::view_element;

use super::elem::{Elem, Origin};
use super::record::{in_order, RecordAccess};
use super::run::visit_run;
use super::seq::{visit_axis, visit_whole, RowShape};
use super::shaped::{is_shaped, RawPartsAccess, ShapedAccess};

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
    pub(super) data: &'d [u8],
    /// Byte offset of the first element of this view.
    pub(super) offset: usize,
    pub(super) dtype: &'m Dtype,
    /// Shape of the whole array this view belongs to.
    pub(super) shape: &'m [usize],
    /// Axes of `shape` already descended.
    pub(super) axis: usize,
    pub(super) fortran: bool,
    /// The outermost view of a file, where `shape` + `data` structs apply.
    pub(super) top: bool,
    pub(super) lend: L,
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

    pub(super) fn is_leaf(&self) -> bool {
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
    pub(super) fn stride(&self, axis: usize) -> usize {
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

    pub(super) fn dimension_error(&self, wanted_seq: bool) -> Error {
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
    pub(super) fn bytes(&self) -> Result<&'d [u8]> {
        let n = self.dtype.itemsize();
        self.offset
            .checked_add(n)
            .and_then(|end| self.data.get(self.offset..end))
            .ok_or_else(|| {
                ErrorKind::Custom("element out of bounds (internal error)".into()).into()
            })
    }

    pub(super) fn sub(&self, dtype: &'m Dtype, shape: &'m [usize], offset: usize) -> Self
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
            Dtype::Void(_) | Dtype::BFloat16 => {
                visitor.visit_seq(de::value::SeqDeserializer::new(b.iter().copied()))
            }
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
            Dtype::Bytes(_) | Dtype::Void(_) | Dtype::BFloat16 => self.visit_leaf(visitor),
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
                    "{} along axis {}",
                    count((self.shape[self.axis] - unread) as u64, "element"),
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
    pub(super) fn run_shape(&self) -> Option<RowShape> {
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
                // By design (README): `U` data is UCS-4, which NumPy lets
                // hold lone surrogates and values past U+10FFFF.
                found: format!(
                    "code point 0x{code:X} in U data, which a Rust String cannot hold (lone surrogates and values above 0x10FFFF are refused by design); to read the raw code points, take the data bytes from Header::data_offset as 4-byte u32 values in the dtype's byte order"
                ),
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
                Dtype::Void(_) | Dtype::BFloat16 => return self.lend.bytes(self.bytes()?, visitor),
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
        // Two void bytes are bfloat16 only when the caller asks for it:
        // `<V2` is what np.save writes for ml_dtypes' bfloat16, but also any
        // two opaque bytes.
        if name == BF16_NEWTYPE && self.is_leaf() {
            if let Dtype::BFloat16 | Dtype::Void(2) = self.dtype {
                let bits = read_num!(u16, self.bytes()?, ByteOrder::Little);
                return visitor.visit_newtype_struct(bits.into_deserializer());
            }
        }
        if let Some((is_datetime, unit)) = crate::datetime::parse_newtype(name) {
            if self.is_leaf() {
                let fits = match self.dtype {
                    Dtype::DateTime(u, _) => is_datetime && u == unit,
                    Dtype::TimeDelta(u, _) => !is_datetime && u == unit,
                    _ => false,
                };
                if !fits {
                    return Err(ErrorKind::TypeMismatch {
                        expected: format!(
                            "{}{}",
                            if is_datetime {
                                "datetime64"
                            } else {
                                "timedelta64"
                            },
                            if unit.is_empty() {
                                String::new()
                            } else {
                                format!("[{unit}]")
                            }
                        ),
                        found: self.dtype.to_string(),
                    }
                    .into());
                }
            }
        }
        if let (Some((rust, want)), true) = (view_element(name), self.top) {
            if self.dtype.with_byte_order(ByteOrder::Little) != want {
                return Err(ErrorKind::TypeMismatch {
                    expected: format!("{want} (the element type of ArrayView<{rust}>)"),
                    found: self.dtype.to_string(),
                }
                .into());
            }
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

/// Widens binary16 bits to `f32` exactly, as NumPy's `npy_half_to_float`
/// does: every finite value, infinities, and NaNs with their payload and
/// signalling bit (`half`'s conversion quiets signalling NaNs).
fn f16_to_f32(h: u16) -> f32 {
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
