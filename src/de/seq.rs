//! Sequences along an axis: [`AxisAccess`] steps through an axis by its
//! stride and [`Row`] hands a contiguous row to a run; [`visit_whole`]
//! checks that a visitor read a sequence whole.

use std::cell::Cell;

use serde::de::{self, DeserializeSeed, Visitor};

use crate::dtype::LeafKind;
use crate::error::{Error, Result};

use super::elem::{Elem, Origin};
use super::run::visit_run;
use super::view::{Lend, View};

/// Elements a sequence visitor left unread.
pub(super) trait Leftover {
    /// The error for a visitor that stopped early, if it did.
    fn leftover(&self) -> Option<Error>;
}

/// Visits `access` as a sequence, then checks that the visitor took every
/// element: serde's `[T; N]` and tuple visitors stop after `N`, and the rest
/// of a longer array must not be dropped silently.
#[inline]
pub(super) fn visit_whole<'de, V, A>(visitor: V, mut access: A) -> Result<V::Value>
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
pub(super) struct RowShape {
    pub(super) len: usize,
    pub(super) size: usize,
    pub(super) kind: LeafKind,
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
pub(super) fn visit_axis<'d, 'm, 'de, L: Lend<'d, 'de>, V: Visitor<'de>>(
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
