//! The second pass: walks the value again and stores each element, checked
//! against the layout the first pass chose.

use serde::ser::{self, Serialize};

use super::capture::{Capture, Captured};
use super::layout::Layout;
use super::output::{Output, RunOutput};
use super::record_filler::RecordFiller;
use super::{at_index, exact_len};
use crate::complex::COMPLEX_NEWTYPE;
use crate::dtype::{Dtype, LeafKind, COMPLEX_PAIR, F16_NEWTYPE};
use crate::error::{Error, ErrorKind, Result};

pub(super) fn emit<T: Serialize + ?Sized, O: Output>(
    value: &T,
    layout: &Layout,
    out: &mut O,
) -> Result<()> {
    let dims: &[usize] = if layout.shaped { &[] } else { &layout.shape };
    value.serialize(Emitter {
        out,
        dtype: &layout.dtype,
        dims,
        shaped: layout.shaped.then(|| layout.shape.iter().product()),
        kind: leaf_kind(&layout.dtype, dims),
    })
}

/// Writes one value whose expected dimensions and dtype come from the plan.
pub(super) struct Emitter<'a, O> {
    pub(super) out: &'a mut O,
    pub(super) dtype: &'a Dtype,
    /// Axes still to descend before reaching elements.
    pub(super) dims: &'a [usize],
    /// For a top-level shape + data struct: the element count of `data`.
    pub(super) shaped: Option<usize>,
    /// The element kind when no axes remain, else `Other`; copied out of the
    /// dtype so the per-element path branches on a register value.
    pub(super) kind: LeafKind,
}

/// The error for a value of another type than the plan's, at the top of the
/// value (callers add the index).
#[cold]
fn mismatch(dtype: &Dtype, dims: &[usize], found: &str) -> Error {
    let expected = if dims.is_empty() {
        dtype.to_string()
    } else {
        format!("a sequence of {} elements", dims[0])
    };
    ErrorKind::MixedTypes {
        index: "[]".into(),
        expected,
        found: found.to_string(),
    }
    .into()
}

impl<'a, O: Output> Emitter<'a, O> {
    fn mismatch(&self, found: &str) -> Error {
        mismatch(self.dtype, self.dims, found)
    }

    #[inline]
    fn leaf(&self, found: &str) -> Result<&'a Dtype> {
        if self.dims.is_empty() {
            Ok(self.dtype)
        } else {
            Err(self.mismatch(found))
        }
    }

    // Inline, as is `serialize_tuple`: out of line, the sequence emitter is
    // returned through memory and copied again for every row of an array.
    #[inline(always)]
    fn seq(self, len: Option<usize>) -> Result<SeqEmitter<'a, O>> {
        let Some((&expected, rest)) = self.dims.split_first() else {
            return Err(self.mismatch("a sequence"));
        };
        if let Some(len) = len {
            if len != expected {
                return Err(ErrorKind::Ragged {
                    index: "[]".into(),
                    found: len,
                    expected,
                }
                .into());
            }
        }
        let kind = leaf_kind(self.dtype, rest);
        let (lent, pos) = if kind == LeafKind::Other {
            (None, 0)
        } else {
            let (chunk, pos) = self.out.lend();
            (Some(chunk), pos)
        };
        Ok(SeqEmitter {
            out: self.out,
            dtype: self.dtype,
            dims: rest,
            expected,
            count: 0,
            kind,
            lent,
            pos,
        })
    }

    fn write_str_chars(self, chars: impl Iterator<Item = char>, found: &str) -> Result<()> {
        let Dtype::Str(n, _) = *self.leaf(found)? else {
            return Err(self.mismatch(found));
        };
        let mut written = 0usize;
        for c in chars {
            written += 1;
            if written > n {
                return Err(self.mismatch("a longer string than in the first pass"));
            }
            self.out.put(&(c as u32).to_le_bytes())?;
        }
        self.out.put_zeros((n - written) * 4)
    }
}

macro_rules! emit_scalar {
    ($($method:ident: $ty:ty => $kind:pat, $name:literal;)*) => {$(
        #[inline(always)]
        fn $method(self, v: $ty) -> Result<()> {
            match self.kind {
                // The plan chose this kind, so the file's bytes are little-endian.
                $kind => self.out.put_number(v.to_le_bytes()),
                // Not `self.mismatch`: the emitter's address must not escape.
                _ => Err(mismatch(self.dtype, self.dims, $name)),
            }
        }
    )*};
}

impl<'a, O: Output> ser::Serializer for Emitter<'a, O> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = SeqEmitter<'a, O>;
    type SerializeTuple = TupleEmitter<'a, O>;
    type SerializeTupleStruct = TupleEmitter<'a, O>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = StructEmitter<'a, O>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    emit_scalar! {
        serialize_i8: i8 => LeafKind::I8, "i8";
        serialize_i16: i16 => LeafKind::I16(_), "i16";
        serialize_i32: i32 => LeafKind::I32(_), "i32";
        serialize_i64: i64 => LeafKind::I64(_), "i64";
        serialize_u8: u8 => LeafKind::U8, "u8";
        serialize_u16: u16 => LeafKind::U16(_), "u16";
        serialize_u32: u32 => LeafKind::U32(_), "u32";
        serialize_u64: u64 => LeafKind::U64(_), "u64";
        serialize_f32: f32 => LeafKind::F32(_), "f32";
        serialize_f64: f64 => LeafKind::F64(_), "f64";
    }

    #[inline(always)]
    fn serialize_bool(self, v: bool) -> Result<()> {
        match self.kind {
            LeafKind::Bool => self.out.put(&[u8::from(v)]),
            _ => Err(mismatch(self.dtype, self.dims, "bool")),
        }
    }
    fn serialize_i128(self, _v: i128) -> Result<()> {
        Err(self.mismatch("i128"))
    }
    fn serialize_u128(self, _v: u128) -> Result<()> {
        Err(self.mismatch("u128"))
    }
    fn serialize_char(self, v: char) -> Result<()> {
        self.write_str_chars(std::iter::once(v), "a char")
    }
    fn serialize_str(self, v: &str) -> Result<()> {
        self.write_str_chars(v.chars(), "a string")
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        match *self.leaf("bytes")? {
            Dtype::Bytes(n) if v.len() <= n => {
                self.out.put(v)?;
                self.out.put_zeros(n - v.len())
            }
            _ => Err(self.mismatch("bytes")),
        }
    }
    fn serialize_none(self) -> Result<()> {
        Err(self.mismatch("None"))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> Result<()> {
        Err(self.mismatch("an Option"))
    }
    fn serialize_unit(self) -> Result<()> {
        Err(self.mismatch("()"))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
        Err(self.mismatch("a unit struct"))
    }
    fn serialize_unit_variant(self, _n: &'static str, _i: u32, _v: &'static str) -> Result<()> {
        Err(self.mismatch("an enum variant"))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<()> {
        if name == F16_NEWTYPE {
            if let Dtype::F16(_) = self.leaf("f16")? {
                return match value.serialize(Capture::default())? {
                    Captured::Int(bits) => {
                        let bits = u16::try_from(bits).map_err(|_| self.mismatch("f16 bits"))?;
                        self.out.put(&bits.to_le_bytes())
                    }
                    _ => Err(self.mismatch("f16")),
                };
            }
        }
        if name == COMPLEX_NEWTYPE {
            if let Some(part) = self.leaf("a complex number")?.complex_part() {
                return value.serialize(Emitter {
                    out: self.out,
                    dtype: part,
                    dims: &COMPLEX_PAIR,
                    shaped: None,
                    kind: leaf_kind(part, &COMPLEX_PAIR),
                });
            }
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _value: &T,
    ) -> Result<()> {
        Err(self.mismatch("an enum variant"))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqEmitter<'a, O>> {
        self.seq(len)
    }
    fn collect_seq<I>(self, iter: I) -> Result<()>
    where
        I: IntoIterator,
        I::Item: Serialize,
    {
        let iter = iter.into_iter();
        // `Vec<T>` and `[T]` of plain numbers: one copy of the whole slice.
        if let Some(slice) = crate::bulk::number_bytes(&iter) {
            if slice.has_dims(self.dims) && LeafKind::of(self.dtype) == slice.kind {
                return self.out.put(slice.bytes);
            }
        }
        let len = exact_len(&iter);
        let mut seq = self.seq(len)?;
        for item in iter {
            ser::SerializeSeq::serialize_element(&mut seq, &item)?;
        }
        ser::SerializeSeq::end(seq)
    }
    #[inline(always)]
    fn serialize_tuple(self, len: usize) -> Result<TupleEmitter<'a, O>> {
        if !self.dims.is_empty() {
            return Ok(TupleEmitter::Axis(self.seq(Some(len))?));
        }
        match self.dtype {
            Dtype::Record(r) if r.fields().len() == len => {
                Ok(TupleEmitter::Record(RecordFiller::new(self.out, r)?))
            }
            _ => Err(self.mismatch("a tuple")),
        }
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<TupleEmitter<'a, O>> {
        self.serialize_tuple(len)
    }
    fn serialize_tuple_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(self.mismatch("an enum variant"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Err(self.mismatch("a map"))
    }
    #[inline]
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<StructEmitter<'a, O>> {
        if let Some(count) = self.shaped {
            return Ok(StructEmitter::Shaped {
                out: self.out,
                dtype: self.dtype,
                count,
            });
        }
        match (self.dims.is_empty(), self.dtype) {
            (true, Dtype::Record(r)) => Ok(StructEmitter::Record(RecordFiller::new(self.out, r)?)),
            _ => Err(self.mismatch("a struct")),
        }
    }
    fn serialize_struct_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(self.mismatch("an enum variant"))
    }
}

/// Emits the elements of one axis.
pub(super) struct SeqEmitter<'a, O: Output> {
    out: &'a mut O,
    dtype: &'a Dtype,
    dims: &'a [usize],
    expected: usize,
    count: usize,
    kind: LeafKind,
    /// For plain numbers: the output's chunk and cursor, held here while the
    /// elements are stored (see [`RunOutput`]) and given back by `end`. Not
    /// by `Drop`: drop glue takes the emitter's address, which keeps `pos`
    /// in memory. A sequence dropped after an error loses the chunk, and the
    /// output then reports an error (see [`filled`]).
    lent: Option<O::Chunk>,
    pos: usize,
}

impl<O: Output> SeqEmitter<'_, O> {
    /// Returns the lent chunk to the output.
    #[inline(always)]
    fn give_back(&mut self) {
        if let Some(chunk) = self.lent.take() {
            self.out.restore(chunk, self.pos);
        }
    }
}

#[inline]
pub(super) fn leaf_kind(dtype: &Dtype, dims: &[usize]) -> LeafKind {
    if dims.is_empty() {
        LeafKind::of(dtype)
    } else {
        LeafKind::Other
    }
}

impl<O: Output> SeqEmitter<'_, O> {
    #[inline(always)]
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        if self.count == self.expected {
            return Err(ErrorKind::Ragged {
                index: "[]".into(),
                found: self.count + 1,
                expected: self.expected,
            }
            .into());
        }
        let r = match &mut self.lent {
            Some(chunk) => {
                let mut run = RunOutput {
                    buf: chunk.as_mut(),
                    pos: self.pos,
                    sink: self.out.sink(),
                };
                let r = value.serialize(Emitter {
                    out: &mut run,
                    dtype: self.dtype,
                    dims: self.dims,
                    shaped: None,
                    kind: self.kind,
                });
                self.pos = run.pos;
                r
            }
            None => value.serialize(Emitter {
                out: &mut *self.out,
                dtype: self.dtype,
                dims: self.dims,
                shaped: None,
                kind: self.kind,
            }),
        };
        if let Err(e) = r {
            return Err(at_index(e, self.count));
        }
        self.count += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        self.give_back();
        if self.count != self.expected {
            return Err(ErrorKind::Ragged {
                index: "[]".into(),
                found: self.count,
                expected: self.expected,
            }
            .into());
        }
        Ok(())
    }
}

impl<O: Output> ser::SerializeSeq for SeqEmitter<'_, O> {
    type Ok = ();
    type Error = Error;
    #[inline(always)]
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}

/// A tuple is either one axis of the array or one record.
pub(super) enum TupleEmitter<'a, O: Output> {
    Axis(SeqEmitter<'a, O>),
    Record(RecordFiller<'a>),
}

impl<O: Output> ser::SerializeTuple for TupleEmitter<'_, O> {
    type Ok = ();
    type Error = Error;
    // Inline, so that a row's elements (`[f32; 3]`) are stores into the
    // chunk like a sequence's, not a call each.
    #[inline(always)]
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        match self {
            TupleEmitter::Axis(s) => s.element(value),
            TupleEmitter::Record(r) => r.field(None, value),
        }
    }
    #[inline(always)]
    fn end(self) -> Result<()> {
        match self {
            TupleEmitter::Axis(s) => s.finish(),
            TupleEmitter::Record(r) => r.finish(),
        }
    }
}

impl<O: Output> ser::SerializeTupleStruct for TupleEmitter<'_, O> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeTuple::serialize_element(self, value)
    }
    fn end(self) -> Result<()> {
        ser::SerializeTuple::end(self)
    }
}

/// A struct is one record, or (at the top level) a shape + data wrapper.
pub(super) enum StructEmitter<'a, O> {
    Record(RecordFiller<'a>),
    Shaped {
        out: &'a mut O,
        dtype: &'a Dtype,
        count: usize,
    },
}

impl<O: Output> ser::SerializeStruct for StructEmitter<'_, O> {
    type Ok = ();
    type Error = Error;

    #[inline(always)]
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        match self {
            StructEmitter::Record(r) => r.field(Some(key), value),
            StructEmitter::Shaped { out, dtype, count } => {
                if key != "data" {
                    return Ok(());
                }
                value.serialize(Emitter {
                    out: &mut **out,
                    dtype,
                    dims: std::slice::from_ref(count),
                    shaped: None,
                    kind: leaf_kind(dtype, std::slice::from_ref(count)),
                })
            }
        }
    }

    #[inline(always)]
    fn end(self) -> Result<()> {
        match self {
            StructEmitter::Record(r) => r.finish(),
            StructEmitter::Shaped { .. } => Ok(()),
        }
    }
}
