//! Stores one record (a struct or heterogeneous tuple) field by field.

use serde::ser::Serialize;

use super::emit::Emitter;
use super::output::{overrun, Output, SliceOutput};
use crate::dtype::{Dtype, Record};
use crate::error::{Error, ErrorKind, Result};

/// Fills one record's bytes field by field. The record's whole span is taken
/// from the output up front, so each field is a store at its offset rather
/// than a bounds-checked append.
pub(super) struct RecordFiller<'a> {
    /// The record's bytes in the output, zeroed.
    dst: &'a mut [u8],
    record: &'a Record,
    next: usize,
}

impl<'a> RecordFiller<'a> {
    #[inline(always)]
    pub(super) fn new<O: Output>(out: &'a mut O, record: &'a Record) -> Result<Self> {
        Ok(RecordFiller {
            dst: out.reserve(record.itemsize())?,
            record,
            next: 0,
        })
    }

    /// Writes the next field; `key` is its name, checked against the
    /// record's (`None` for a tuple element).
    #[inline(always)]
    pub(super) fn field<T: Serialize + ?Sized>(
        &mut self,
        key: Option<&str>,
        value: &T,
    ) -> Result<()> {
        let i = self.next;
        // A record has one leaf per field, so a field past the last has none.
        let leaf = match self.record.leaves().get(i) {
            Some(leaf) => *leaf,
            None => return Err(field_order_error(self.record, i, key)),
        };
        if let Some(key) = key {
            let named = leaf.named(key).unwrap_or_else(|| {
                let name = self.record.fields().get(i).map(|f| f.name.as_str());
                name.is_some_and(|name| crate::dtype::same_name(name, key))
            });
            if !named {
                return Err(field_order_error(self.record, i, Some(key)));
            }
        }
        self.next = i + 1;
        if let Some(dtype) = leaf.number {
            // A plain number either fails or stores exactly its own size, so
            // it gets the rest of the record: one bounds check, not three.
            // Its dtype is the kind's own, so the field itself is not read.
            let Some(buf) = self.dst.get_mut(leaf.offset..) else {
                return Err(overrun());
            };
            return value.serialize(Emitter {
                out: &mut SliceOutput { buf, pos: 0 },
                dtype,
                dims: &[],
                shaped: None,
                kind: leaf.kind,
            });
        }
        let (Some(f), Some(buf)) = (
            self.record.fields().get(i),
            self.dst.get_mut(leaf.offset..leaf.end),
        ) else {
            return Err(overrun());
        };
        let size = buf.len();
        let mut out = SliceOutput { buf, pos: 0 };
        value.serialize(Emitter {
            out: &mut out,
            dtype: &f.dtype,
            dims: &f.shape,
            shaped: None,
            kind: leaf.kind,
        })?;
        if out.pos != size {
            return Err(overrun());
        }
        Ok(())
    }

    #[inline(always)]
    pub(super) fn finish(&self) -> Result<()> {
        let n = self.record.fields().len();
        if self.next != n {
            return Err(too_few_fields(n, self.next));
        }
        Ok(())
    }
}

#[cold]
fn too_few_fields(expected: usize, found: usize) -> Error {
    ErrorKind::MixedTypes {
        index: "[]".into(),
        expected: format!("{expected} fields"),
        found: format!("{found} fields"),
    }
    .into()
}

#[cold]
fn field_order_error(record: &Record, i: usize, key: Option<&str>) -> Error {
    let Some(key) = key else {
        return ErrorKind::Custom(format!(
            "a tuple longer than its record: {} has {} fields",
            Dtype::Record(record.clone()),
            record.fields().len()
        ))
        .into();
    };
    ErrorKind::MixedTypes {
        index: "[]".into(),
        expected: format!(
            "field {:?}",
            record.fields().get(i).map_or("", |f| f.name.as_str())
        ),
        found: format!("field {key:?} (every record must have the same fields in the same order)"),
    }
    .into()
}
