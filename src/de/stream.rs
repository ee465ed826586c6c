//! `from_reader` without a second copy of the data.
//!
//! A C-order array is consumed front to back, one block along the first axis
//! at a time (a row of a matrix, an element of a 1-D array), through a small
//! window buffer. The destination is the only full copy of the data. Requests
//! that need random access — Fortran-order data read in logical C order, a
//! zero-copy [`ArrayView`](crate::ArrayView), borrowed bytes — read the data
//! section into one buffer first, growing it only as bytes arrive.

use std::io::Read;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};

use crate::bulk::{collect_vec, ElementChunks};
use crate::dtype::LeafKind;
use crate::error::{count, shape_repr, Error, ErrorKind, Result};
use crate::header::{read_full, Header};

use super::seq::{visit_whole, Leftover};
use super::shaped::{is_shaped, is_shaped_field, shaped_meta};
use super::view::{Transient, View};

/// Bytes read from the stream per refill (rounded to whole blocks).
const WINDOW: usize = 64 * 1024;

/// Reads `len` bytes, growing the buffer only as data arrives.
fn read_data<R: Read>(reader: &mut R, len: usize) -> Result<Vec<u8>> {
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

/// Deserializes a `T` from the data section of `header`, `len` bytes (its
/// checked [`Header::data_len`]), which `reader` is positioned at, and leaves
/// `reader` just after it, so that the next array starts where it should.
///
/// A hand-written visitor may stop before the end of the data (say, reading
/// only the `shape` of a `shape` + `data` struct): the rest is read and
/// dropped. `take` bounds the reads to this array and counts what is left.
pub(crate) fn deserialize_data<R: Read, T: DeserializeOwned>(
    reader: R,
    header: &Header,
    len: usize,
) -> Result<T> {
    let mut data = reader.take(len as u64);
    let value = T::deserialize(StreamDeserializer::new(&mut data, header, len))?;
    let mut skipped = [0u8; 4096];
    while data.limit() > 0 {
        // Below the buffer's length, so it fits in `usize`.
        let n = data.limit().min(skipped.len() as u64) as usize;
        read_full(&mut data, &mut skipped[..n], "array data")?;
    }
    Ok(value)
}

/// Deserializes the data section of `header` from `reader`.
pub(crate) struct StreamDeserializer<'h, R> {
    reader: R,
    header: &'h Header,
    /// Bytes of data the header announces (checked against overflow).
    len: usize,
}

impl<'h, R: Read> StreamDeserializer<'h, R> {
    pub(crate) fn new(reader: R, header: &'h Header, len: usize) -> Self {
        StreamDeserializer {
            reader,
            header,
            len,
        }
    }

    /// Whether file order is logical C order: true unless the file is in
    /// Fortran order with more than one axis longer than 1.
    fn c_order(&self) -> bool {
        !self.header.fortran_order
            || self.header.shape.contains(&0)
            || self.header.shape.iter().filter(|&&d| d > 1).count() <= 1
    }

    /// The blocks along the first axis; callers check the array has one.
    fn rows(self) -> Blocks<'h, R> {
        let count = self.header.shape.first().copied().unwrap_or(1);
        let block = self.len.checked_div(count).unwrap_or(0);
        self.blocks(count, block, 1)
    }

    /// `count` blocks of `block` bytes, each viewed from `axis` of the shape.
    fn blocks(self, count: usize, block: usize, axis: usize) -> Blocks<'h, R> {
        Blocks {
            reader: self.reader,
            header: self.header,
            total: self.len,
            consumed: 0,
            window: Vec::new(),
            pos: 0,
            block,
            count,
            index: 0,
            axis,
            kind: LeafKind::of(&self.header.dtype),
        }
    }
}

macro_rules! buffered {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value> {
            let data = read_data(&mut { self.reader }, self.len)?;
            de::Deserializer::$method(View::top(self.header, &data, Transient), $($arg,)* visitor)
        }
    )*};
}

/// Sequence requests of a C-order array are answered row by row as the data
/// arrives; 0-d and Fortran-order files are read whole first.
macro_rules! streamed {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value> {
            if self.header.shape.is_empty() || !self.c_order() {
                let data = read_data(&mut { self.reader }, self.len)?;
                return de::Deserializer::$method(
                    View::top(self.header, &data, Transient),
                    $($arg,)*
                    visitor,
                );
            }
            let mut rows = self.rows();
            // Blocks of one element (1-D) or of one row (2-D).
            let row = match rows.header.shape[..] {
                [_] => Some(None),
                [_, row] => Some(Some(row)),
                _ => None,
            };
            if let Some(row) = row {
                if let Some(values) = collect_vec::<V, _>(rows.kind, row, &mut rows) {
                    return values;
                }
            }
            visit_whole(visitor, rows)
        }
    )*};
}

impl<'de, R: Read> de::Deserializer<'de> for StreamDeserializer<'_, R> {
    type Error = Error;

    streamed! {
        deserialize_any(); deserialize_seq(); deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let file_order = fields.contains(&"fortran_order");
        if is_shaped(fields) && (file_order || self.c_order()) {
            // Flat data: one block per element, whatever the shape.
            let count = self.header.element_count()?;
            let (itemsize, ndim) = (self.header.dtype.itemsize(), self.header.shape.len());
            return visitor.visit_map(StreamShaped {
                blocks: Some(self.blocks(count, itemsize, ndim)),
                fields,
                next: 0,
            });
        }
        let data = read_data(&mut { self.reader }, self.len)?;
        de::Deserializer::deserialize_struct(
            View::top(self.header, &data, Transient),
            name,
            fields,
            visitor,
        )
    }

    buffered! {
        deserialize_bool(); deserialize_i8(); deserialize_i16(); deserialize_i32(); deserialize_i64();
        deserialize_u8(); deserialize_u16(); deserialize_u32(); deserialize_u64(); deserialize_f32();
        deserialize_f64(); deserialize_char(); deserialize_str(); deserialize_string();
        deserialize_bytes(); deserialize_byte_buf(); deserialize_option(); deserialize_unit();
        deserialize_unit_struct(name: &'static str); deserialize_newtype_struct(name: &'static str);
        deserialize_map(); deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier(); deserialize_ignored_any(); deserialize_i128(); deserialize_u128();
    }
}

/// Consecutive blocks of the data section, read through a window.
struct Blocks<'h, R> {
    reader: R,
    header: &'h Header,
    /// Bytes of data in all.
    total: usize,
    /// Bytes read from the stream so far.
    consumed: usize,
    window: Vec<u8>,
    pos: usize,
    /// Bytes per block.
    block: usize,
    /// Blocks in all.
    count: usize,
    index: usize,
    /// Axis of the header's shape at which each block's view starts.
    axis: usize,
    kind: LeafKind,
}

impl<R: Read> Blocks<'_, R> {
    /// Refills the window with as many whole blocks as fit (at least one).
    fn refill(&mut self) -> Result<()> {
        let per_window = (WINDOW / self.block.max(1)).max(1);
        let blocks = per_window.min(self.count - self.index);
        let n = blocks * self.block;
        self.pos = 0;
        let read = if n <= WINDOW {
            self.window.resize(n, 0);
            read_full(&mut self.reader, &mut self.window, "array data")
        } else {
            // One block larger than the window: grow the buffer as its bytes
            // arrive, never to the size the header claims up front.
            read_data(&mut self.reader, n).map(|block| self.window = block)
        };
        match read {
            Ok(()) => {
                self.consumed += n;
                Ok(())
            }
            Err(e) => Err(e.eof_within("array data", self.total as u64, self.consumed as u64)),
        }
    }
}

/// The whole blocks not yet visited, a window at a time (for blocks that are
/// single elements or rows).
impl<R: Read> ElementChunks for &mut Blocks<'_, R> {
    fn next_chunk(&mut self) -> Result<Option<&[u8]>> {
        if self.index == self.count {
            return Ok(None);
        }
        if self.pos == self.window.len() {
            self.refill()?;
        }
        let chunk = &self.window[self.pos..];
        self.index += chunk.len() / self.block.max(1);
        self.pos = self.window.len();
        Ok(Some(chunk))
    }
}

impl<R> Leftover for Blocks<'_, R> {
    fn leftover(&self) -> Option<Error> {
        (self.index < self.count).then(|| {
            ErrorKind::Dimension {
                expected: format!("{} along axis 0", count(self.index as u64, "element")),
                shape: shape_repr(&self.header.shape),
            }
            .into()
        })
    }
}

impl<'de, R: Read> de::SeqAccess<'de> for Blocks<'_, R> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.index == self.count {
            return Ok(None);
        }
        if self.window.len() - self.pos < self.block {
            self.refill()?;
        }
        let bytes = &self.window[self.pos..self.pos + self.block];
        self.pos += self.block;
        let index = self.index;
        self.index += 1;
        let view = View::block(
            bytes,
            &self.header.dtype,
            &self.header.shape,
            self.axis,
            Transient,
        );
        view.deserialize_seed(self.kind, seed)
            .map(Some)
            .map_err(|e| e.at_index(index))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.count - self.index)
    }
}

/// A `shape` + `data` struct whose `data` streams from the reader.
struct StreamShaped<'h, R> {
    blocks: Option<Blocks<'h, R>>,
    fields: &'static [&'static str],
    next: usize,
}

impl<'de, R: Read> de::MapAccess<'de> for StreamShaped<'_, R> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        while let Some(&f) = self.fields.get(self.next) {
            if is_shaped_field(f) {
                return seed.deserialize(f.into_deserializer()).map(Some);
            }
            self.next += 1;
        }
        Ok(None)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value> {
        let field = self.fields.get(self.next).copied().unwrap_or("");
        self.next += 1;
        let Some(blocks) = self.blocks.as_mut() else {
            return Err(ErrorKind::Custom("`data` read twice".into()).into());
        };
        let header = blocks.header;
        if field != "data" {
            return shaped_meta(
                field,
                &header.dtype,
                &header.shape,
                header.fortran_order,
                seed,
            );
        }
        // Invariant: checked to be `Some` just above.
        let blocks = self.blocks.take().expect("blocks present");
        seed.deserialize(FlatStream(blocks))
            .map_err(|e| e.in_field("data"))
    }
}

/// The flat `data` sequence of a streamed `shape` + `data` struct.
struct FlatStream<'h, R>(Blocks<'h, R>);

impl<'de, R: Read> de::Deserializer<'de> for FlatStream<'_, R> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let mut blocks = self.0;
        if let Some(values) = collect_vec::<V, _>(blocks.kind, None, &mut blocks) {
            return values;
        }
        visit_whole(visitor, blocks)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}
