//! Contiguous runs: a last axis of plain numbers or records read through a
//! cursor over its bytes ([`RunAccess`]), each record's fields in order
//! ([`FieldsAccess`]).

use std::cell::Cell;

use serde::de::{self, DeserializeSeed, Visitor};
use serde::Deserialize;

use crate::dtype::{ByteOrder, Dtype, Leaf, LeafKind, Record};
use crate::error::{count, shape_repr, Error, ErrorKind, Result};

use super::elem::{general, Elem, Origin};
use super::record::in_order;
use super::view::{Lend, View};

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
pub(super) fn visit_run<'d, 'm, 'de, L: Lend<'d, 'de>, V: Visitor<'de>>(
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
            format!("{} in `data`", count(read as u64, "element"))
        } else {
            format!(
                "{} along axis {}",
                count(read as u64, "element"),
                parent.axis
            )
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
pub(super) fn leaf_at<'d, 'm, L: Copy>(parent: &View<'d, 'm, L>, offset: usize) -> View<'d, 'm, L> {
    View {
        offset,
        axis: parent.shape.len(),
        top: false,
        ..*parent
    }
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
        expected: format!("a sequence of {}", count((n - unread) as u64, "field")),
        found: format!("a record of {} {}", count(n as u64, "field"), parent.dtype),
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
            bytes: &self.bytes[leaf.offset.min(self.bytes.len())..],
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
