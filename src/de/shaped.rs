//! Whole arrays as their parts: `shape` + `data` structs ([`ShapedAccess`],
//! with the flat `data` of [`FlatData`]) and the raw parts of
//! [`crate::ArrayView`] ([`RawPartsAccess`]).

use std::cell::Cell;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use crate::dtype::{Dtype, LeafKind};
use crate::error::{shape_repr, Error, ErrorKind, Result};

use super::elem::{Elem, Origin};
use super::run::visit_run;
use super::view::{Lend, View};

pub(crate) fn is_shaped(fields: &[&str]) -> bool {
    fields.contains(&"data") && (fields.contains(&"shape") || fields.contains(&"dim"))
}

/// A top-level struct with `shape` and `data` (and optionally `fortran_order`;
/// ndarray's `v` and `dim` are understood too).
pub(super) struct ShapedAccess<'d, 'm, L> {
    view: View<'d, 'm, L>,
    fields: &'static [&'static str],
    next: usize,
    /// The struct has a `fortran_order` field: data comes in file order.
    file_order: bool,
}

impl<'d, 'm, L> ShapedAccess<'d, 'm, L> {
    pub(super) fn new(view: View<'d, 'm, L>, fields: &'static [&'static str]) -> Self {
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
pub(super) fn is_shaped_field(field: &str) -> bool {
    matches!(
        field,
        "shape" | "dim" | "data" | "fortran_order" | "descr" | "v"
    )
}

/// The value of a metadata field of a `shape` + `data` struct (not `data`).
pub(super) fn shaped_meta<'de, T: DeserializeSeed<'de>>(
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
                expected: format!(
                    "{} in `data`",
                    // The helper, not the local `count` above.
                    crate::error::count((count - n) as u64, "element")
                ),
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
pub(super) struct RawPartsAccess<'d, 'm, L> {
    pub(super) view: View<'d, 'm, L>,
    pub(super) next: usize,
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
