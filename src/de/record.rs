//! Records, one field at a time: as a map by name or a sequence in order
//! ([`RecordAccess`]).

use serde::de::{self, DeserializeSeed, IntoDeserializer};

use crate::dtype::{same_name, LeafKind, Record};
use crate::error::{count, Error, ErrorKind, Result};

use super::elem::{Elem, Origin};
use super::run::leaf_at;
use super::seq::Leftover;
use super::view::{Lend, View};

/// The struct's fields are the record's, in the same order.
pub(super) fn in_order(record: &Record, fields: &[&str]) -> bool {
    record.fields().len() == fields.len()
        && record
            .fields()
            .iter()
            .zip(fields)
            .all(|(f, n)| same_name(&f.name, n))
}

/// The fields of one record, as a map (by name) or a sequence (in order).
pub(super) struct RecordAccess<'d, 'm, L> {
    view: View<'d, 'm, L>,
    record: &'m Record,
    next: usize,
}

impl<'d, 'm, L> RecordAccess<'d, 'm, L> {
    pub(super) fn new(view: View<'d, 'm, L>, record: &'m Record) -> Self {
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
                expected: format!("a sequence of {}", count(self.next as u64, "field")),
                found: format!(
                    "a record of {} {}",
                    count(n as u64, "field"),
                    self.view.dtype
                ),
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

/// The view of field `index` of `record` at byte `offset` of `parent`.
#[cold]
#[inline(never)]
pub(super) fn field_at<'d, 'm, L: Copy>(
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
