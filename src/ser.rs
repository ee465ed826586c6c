//! Rust value → `.npy` bytes.
//!
//! The header comes first in the file but depends on the whole value (shape,
//! record layout, longest string), so writing takes two passes:
//!
//! 1. **plan** ([`Planner`]) walks the value without writing and infers dtype
//!    and shape. For fixed-size element types it stops after the first element
//!    of each sequence whose length is known: the rest cannot change the plan.
//! 2. **emit** ([`Emitter`]) writes the header, then walks the value again and
//!    stores each element, checking every element against the plan (so mixed
//!    types and ragged nesting are still caught, with their index).
//!
//! The plan gives the exact output size, so [`to_vec`] allocates once.

use std::borrow::Cow;
use std::io::Write;

use serde::ser::{self, Serialize};

use crate::complex::COMPLEX_NEWTYPE;
use crate::dtype::{ByteOrder, Dtype, LeafKind, Record, COMPLEX_PAIR, F16_NEWTYPE, MAX_DIMS};
use crate::error::{index_repr, shape_repr, Error, ErrorKind, Result};
use crate::header::Preamble;
use crate::recorded::{self, Recorded, Recorder};

/// Serializes `value` as a complete `.npy` file in memory.
///
/// The output is byte-identical to NumPy's `np.save` of the same array, and is
/// allocated once, at its exact size.
///
/// ```
/// let bytes = serde_npy::to_vec(&vec![[1i32, 2, 3], [4, 5, 6]]).unwrap();
/// let back: Vec<Vec<i32>> = serde_npy::from_slice(&bytes).unwrap();
/// assert_eq!(back, vec![vec![1, 2, 3], vec![4, 5, 6]]);
/// ```
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    to_vec_into(value, &mut out)?;
    Ok(out)
}

/// Outputs up to this size are allocated and then cleared: for small blocks
/// glibc's `calloc` takes a slower path than `malloc` (about 200 instructions
/// against 40 plus a short memset), a twentieth of writing a 4x4 array.
/// Larger outputs come from `calloc`, whose fresh pages are already zero.
const SMALL_OUTPUT: usize = 4096;

/// Like [`to_vec`], into `out` (cleared first), reusing its allocation.
pub(crate) fn to_vec_into<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) -> Result<()> {
    to_vec_at(value, out, 0)
}

/// Like [`to_vec`], appended to the first `base` bytes of `out` (what lies
/// past them is dropped): an `.npz` archive in memory gets each member's
/// bytes written in place, with no second copy.
pub(crate) fn to_vec_at<T: Serialize + ?Sized>(
    value: &T,
    out: &mut Vec<u8>,
    base: usize,
) -> Result<()> {
    // A top-level slice of numbers is written whole by the first pass, into
    // an unzeroed buffer. (The zeroed allocation below is free only for
    // fresh pages; glibc serves blocks up to 32 MiB from reused memory,
    // which `calloc` must clear.)
    let Some(layout) = plan_into(value, Some((&mut *out, base)))? else {
        return Ok(());
    };
    let preamble = Preamble::new(&layout.dtype, &layout.shape, layout.fortran_order);
    let start = preamble.len();
    let total = start
        .checked_add(layout.data_len()?)
        .ok_or_else(|| layout.overflow())?;
    // Zeroed memory lets the emitter store into a plain slice and skip
    // writing padding. A large fresh allocation gets it for free (new pages
    // are zero); a small or reused one pays one memset, except a reused one
    // for plain numbers, whose every byte is stored (or the length check
    // below fails).
    let dense = LeafKind::of(&layout.dtype) != LeafKind::Other;
    let end = base.checked_add(total).ok_or_else(|| layout.overflow())?;
    if dense && out.len() >= end {
        out.truncate(end);
    } else if out.capacity() == 0 && total > SMALL_OUTPUT {
        *out = vec![0u8; total];
    } else {
        out.truncate(base);
        out.resize(end, 0);
    }
    preamble.write(&mut out[base..]);
    let mut sink = SliceOutput {
        buf: out,
        pos: base + start,
    };
    emit(value, &layout, &mut sink)?;
    if sink.pos != end {
        return Err(ErrorKind::Custom(format!(
            "the value serialized {} bytes of data in the second pass, {} in the first; its Serialize impl is not deterministic",
            sink.pos - base - start,
            total - start
        )).into());
    }
    Ok(())
}

/// Serializes `value` as a complete `.npy` file into `writer`.
///
/// Output goes through an internal 64 KiB buffer, so `writer` need not be
/// buffered. On error, part of the output may already have been written.
///
/// ```
/// let image = vec![[1u8, 2], [3, 4]];
/// let mut out = Vec::new(); // or a std::fs::File
/// serde_npy::to_writer(&mut out, &image)?;
/// assert_eq!(out, serde_npy::to_vec(&image)?);
/// assert_eq!(serde_npy::from_reader::<_, Vec<[u8; 2]>>(&out[..])?, image);
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub fn to_writer<W: Write, T: Serialize + ?Sized>(writer: W, value: &T) -> Result<()> {
    let layout = plan(value)?;
    let mut out = IoOutput {
        writer,
        buf: vec![0u8; IO_BUF].into_boxed_slice(),
        pos: 0,
        zeroed: true,
    };
    let preamble = Preamble::new(&layout.dtype, &layout.shape, layout.fortran_order);
    let header = out.reserve(preamble.len())?;
    preamble.write(header);
    emit(value, &layout, &mut out)?;
    out.flush()
}

/// Writes `.npy` arrays to an `io::Write`: a `serde::Serializer`, as
/// serde_json's is.
///
/// `&mut Serializer<W>` implements `serde::Serializer`, so it works wherever
/// one is expected: `value.serialize(&mut ser)`, `serde_transcode` (JSON to
/// `.npy` with no Rust type in between), `erased-serde`,
/// `serde_path_to_error`. Each top-level value becomes one complete `.npy`
/// array, written when that value ends; several values are written back to
/// back (read them with [`from_reader`](crate::from_reader) in turn).
///
/// ```
/// use serde::Serialize;
///
/// let mut ser = serde_npy::Serializer::new(Vec::new());
/// vec![[1u8, 2], [3, 4]].serialize(&mut ser)?;
/// "second".serialize(&mut ser)?;
/// let out = ser.into_inner();
///
/// let mut expected = serde_npy::to_vec(&vec![[1u8, 2], [3, 4]])?;
/// expected.extend(serde_npy::to_vec("second")?);
/// assert_eq!(out, expected);
/// # Ok::<(), serde_npy::Error>(())
/// ```
///
/// The header comes first in the file but depends on the whole value
/// (shape, string widths, record layout), and a `serde::Serializer` sees the
/// value only once, so it records the value and writes it when it ends: the
/// value is held in memory once more, as a tree. [`Serializer::serialize`]
/// and [`to_writer`] walk a typed value twice instead and copy nothing;
/// prefer them when the value has a Rust type.
pub struct Serializer<W> {
    writer: W,
}

impl<W: Write> Serializer<W> {
    /// A serializer that writes to `writer`.
    ///
    /// Output goes through an internal buffer per array, so `writer` need
    /// not be buffered.
    pub fn new(writer: W) -> Self {
        Serializer { writer }
    }

    /// Serializes `value` as one array, walking it directly (as
    /// [`to_writer`] does) rather than recording it.
    ///
    /// ```
    /// let mut ser = serde_npy::Serializer::new(Vec::new());
    /// ser.serialize(&[1.5f32, 2.5])?;
    /// assert_eq!(ser.into_inner(), serde_npy::to_vec(&[1.5f32, 2.5])?);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn serialize<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        to_writer(&mut self.writer, value)
    }

    /// The writer.
    pub fn get_ref(&self) -> &W {
        &self.writer
    }

    /// The writer, mutably. Writing to it between arrays puts bytes
    /// between them in the output.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.writer
    }

    /// Gives back the writer.
    pub fn into_inner(self) -> W {
        self.writer
    }

    /// Writes a recorded top-level value as one array.
    fn write_recorded(&mut self, value: &Recorded) -> Result<()> {
        to_writer(&mut self.writer, value)
    }
}

/// Each method records its value and writes it as one array; see
/// [`Serializer`].
macro_rules! record_then_write {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method(self, $($arg: $ty),*) -> Result<()> {
            let value = Recorder.$method($($arg),*)?;
            self.write_recorded(&value)
        }
    )*};
}

impl<'a, W: Write> ser::Serializer for &'a mut Serializer<W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Recording<'a, W, recorded::Items>;
    type SerializeTuple = Recording<'a, W, recorded::Items>;
    type SerializeTupleStruct = Recording<'a, W, recorded::Items>;
    type SerializeTupleVariant = Recording<'a, W, recorded::Items>;
    type SerializeMap = Recording<'a, W, recorded::Entries>;
    type SerializeStruct = Recording<'a, W, recorded::Fields>;
    type SerializeStructVariant = Recording<'a, W, recorded::Fields>;

    record_then_write! {
        serialize_bool(v: bool); serialize_i8(v: i8); serialize_i16(v: i16); serialize_i32(v: i32);
        serialize_i64(v: i64); serialize_i128(v: i128); serialize_u8(v: u8); serialize_u16(v: u16);
        serialize_u32(v: u32); serialize_u64(v: u64); serialize_u128(v: u128); serialize_f32(v: f32);
        serialize_f64(v: f64); serialize_char(v: char); serialize_str(v: &str);
        serialize_bytes(v: &[u8]); serialize_none(); serialize_unit();
        serialize_unit_struct(name: &'static str);
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str);
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        let value = Recorder.serialize_some(value)?;
        self.write_recorded(&value)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<()> {
        let value = Recorder.serialize_newtype_struct(name, value)?;
        self.write_recorded(&value)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        let value = Recorder.serialize_newtype_variant(name, index, variant, value)?;
        self.write_recorded(&value)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq> {
        Recording::new(self, Recorder.serialize_seq(len)?)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple> {
        Recording::new(self, Recorder.serialize_tuple(len)?)
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Recording::new(self, Recorder.serialize_tuple_struct(name, len)?)
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Recording::new(
            self,
            Recorder.serialize_tuple_variant(name, index, variant, len)?,
        )
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap> {
        Recording::new(self, Recorder.serialize_map(len)?)
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Self::SerializeStruct> {
        Recording::new(self, Recorder.serialize_struct(name, len)?)
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Recording::new(
            self,
            Recorder.serialize_struct_variant(name, index, variant, len)?,
        )
    }
}

/// A compound top-level value being recorded; written as one array when it
/// ends.
pub struct Recording<'a, W, C> {
    ser: &'a mut Serializer<W>,
    inner: C,
}

impl<'a, W: Write, C> Recording<'a, W, C> {
    fn new(ser: &'a mut Serializer<W>, inner: C) -> Result<Self> {
        Ok(Recording { ser, inner })
    }
}

/// Implements a compound serializer trait for [`Recording`] by recording
/// into its inner part and writing the recorded value at the end.
macro_rules! recording_impl {
    ($trait:ident, $inner:ty, $method:ident) => {
        impl<W: Write> ser::$trait for Recording<'_, W, $inner> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
                ser::$trait::$method(&mut self.inner, value)
            }
            fn end(self) -> Result<()> {
                let value = ser::$trait::end(self.inner)?;
                self.ser.write_recorded(&value)
            }
        }
    };
}

recording_impl!(SerializeSeq, recorded::Items, serialize_element);
recording_impl!(SerializeTuple, recorded::Items, serialize_element);
recording_impl!(SerializeTupleStruct, recorded::Items, serialize_field);
recording_impl!(SerializeTupleVariant, recorded::Items, serialize_field);

impl<W: Write> ser::SerializeMap for Recording<'_, W, recorded::Entries> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.inner.serialize_key(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.inner.serialize_value(value)
    }
    fn end(self) -> Result<()> {
        let value = ser::SerializeMap::end(self.inner)?;
        self.ser.write_recorded(&value)
    }
}

/// Implements a struct serializer trait for [`Recording`].
macro_rules! recording_struct_impl {
    ($trait:ident) => {
        impl<W: Write> ser::$trait for Recording<'_, W, recorded::Fields> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<()> {
                ser::$trait::serialize_field(&mut self.inner, key, value)
            }
            fn skip_field(&mut self, key: &'static str) -> Result<()> {
                ser::$trait::skip_field(&mut self.inner, key)
            }
            fn end(self) -> Result<()> {
                let value = ser::$trait::end(self.inner)?;
                self.ser.write_recorded(&value)
            }
        }
    };
}

recording_struct_impl!(SerializeStruct);
recording_struct_impl!(SerializeStructVariant);

const IO_BUF: usize = 64 * 1024;

/// The length a sequence announces when its iterator knows it exactly, as
/// serde's default `collect_seq` computes it for `serialize_seq`.
fn exact_len<I: Iterator>(iter: &I) -> Option<usize> {
    match iter.size_hint() {
        (lo, Some(hi)) if lo == hi => Some(lo),
        _ => None,
    }
}

/// Where emitted bytes go.
trait Output {
    /// The output's buffer, lent whole to a run of plain numbers.
    type Chunk: AsMut<[u8]>;
    /// What a full lent chunk is written to: the output itself, or for a
    /// [`RunOutput`], the output it runs on (so runs never nest in types).
    type Sink: Spill;
    fn put(&mut self, bytes: &[u8]) -> Result<()>;
    /// [`Output::put`] for one number's bytes, by value (so that a run can
    /// keep them in a register).
    #[inline(always)]
    fn put_number<const N: usize>(&mut self, bytes: [u8; N]) -> Result<()> {
        self.put(&bytes)
    }
    fn put_zeros(&mut self, n: usize) -> Result<()>;
    /// Takes the next `n` bytes of output, zeroed, to be filled in any order
    /// (a record's fields).
    fn reserve(&mut self, n: usize) -> Result<&mut [u8]>;
    /// Lends the buffer and the cursor into it, until [`Output::restore`].
    fn lend(&mut self) -> (Self::Chunk, usize);
    /// Takes back what [`Output::lend`] gave, with the cursor moved on.
    fn restore(&mut self, chunk: Self::Chunk, pos: usize);
    /// See [`Output::Sink`].
    fn sink(&mut self) -> &mut Self::Sink;
}

/// Empties a full lent chunk: the slow path of [`RunOutput`].
trait Spill {
    /// Writes out `filled`, the used part of the lent chunk, so that the
    /// chunk can be reused from its start.
    fn spill(&mut self, filled: &[u8]) -> Result<()>;
}

/// A pre-sized buffer: the plan gave the exact length.
struct SliceOutput<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl Spill for SliceOutput<'_> {
    fn spill(&mut self, _filled: &[u8]) -> Result<()> {
        Err(overrun())
    }
}

impl<'a> Output for SliceOutput<'a> {
    type Chunk = &'a mut [u8];
    type Sink = Self;

    fn sink(&mut self) -> &mut Self {
        self
    }

    #[inline(always)]
    fn lend(&mut self) -> (&'a mut [u8], usize) {
        (std::mem::take(&mut self.buf), self.pos)
    }

    #[inline(always)]
    fn restore(&mut self, chunk: &'a mut [u8], pos: usize) {
        self.buf = chunk;
        self.pos = pos;
    }

    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        let end = self.pos + bytes.len();
        match self.buf.get_mut(self.pos..end) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.pos = end;
                Ok(())
            }
            None => Err(overrun()),
        }
    }

    fn put_zeros(&mut self, n: usize) -> Result<()> {
        // The buffer starts zeroed.
        let end = self.pos + n;
        if end > self.buf.len() {
            return Err(overrun());
        }
        self.pos = end;
        Ok(())
    }

    #[inline(always)]
    fn reserve(&mut self, n: usize) -> Result<&mut [u8]> {
        let start = self.pos;
        let end = start + n;
        self.pos = end;
        // The buffer starts zeroed.
        self.buf.get_mut(start..end).ok_or_else(overrun)
    }
}

/// The used part of a chunk. The chunk can only be short if a sequence that
/// had borrowed it was dropped without `end` after an error its caller
/// ignored; report that rather than panic.
#[inline(always)]
fn filled(buf: &[u8], pos: usize) -> Result<&[u8]> {
    buf.get(..pos).ok_or_else(lost_chunk)
}

#[cold]
#[inline(never)]
fn lost_chunk() -> Error {
    ErrorKind::Custom(
        "a sequence was abandoned after an error and its output lost; a Serialize impl ignored an error".into(),
    ).into()
}

#[cold]
fn overrun() -> Error {
    ErrorKind::Custom("the value serialized more data in the second pass than in the first; its Serialize impl is not deterministic".into()).into()
}

/// A fixed chunk in front of an `io::Write`.
struct IoOutput<W> {
    writer: W,
    buf: Box<[u8]>,
    pos: usize,
    /// Every byte of `buf` from `pos` on is zero. Reserved records then need
    /// no clearing of their own: the chunk is cleared at most once per fill,
    /// at the first record after it was written out.
    zeroed: bool,
}

impl<W: Write> IoOutput<W> {
    fn flush(mut self) -> Result<()> {
        self.writer.write_all(filled(&self.buf, self.pos)?)?;
        self.writer.flush()?;
        Ok(())
    }

    /// Empties the chunk, and grows it if one record needs more.
    #[cold]
    fn make_room(&mut self, n: usize) -> Result<()> {
        self.writer.write_all(filled(&self.buf, self.pos)?)?;
        self.pos = 0;
        self.zeroed = false;
        if n > self.buf.len() {
            self.buf = vec![0; n].into_boxed_slice();
            self.zeroed = true;
        }
        Ok(())
    }

    #[cold]
    fn spill(&mut self, bytes: &[u8]) -> Result<()> {
        self.writer.write_all(filled(&self.buf, self.pos)?)?;
        self.pos = 0;
        self.zeroed = false;
        if bytes.len() > self.buf.len() {
            self.writer.write_all(bytes)?;
        } else {
            self.buf[..bytes.len()].copy_from_slice(bytes);
            self.pos = bytes.len();
        }
        Ok(())
    }
}

impl<W: Write> Spill for IoOutput<W> {
    #[cold]
    fn spill(&mut self, filled: &[u8]) -> Result<()> {
        // The lent chunk is written out and refilled from its start.
        self.zeroed = false;
        Ok(self.writer.write_all(filled)?)
    }
}

impl<W: Write> Output for IoOutput<W> {
    type Chunk = Box<[u8]>;
    type Sink = Self;

    fn sink(&mut self) -> &mut Self {
        self
    }

    #[inline(always)]
    fn lend(&mut self) -> (Box<[u8]>, usize) {
        (std::mem::take(&mut self.buf), self.pos)
    }

    #[inline(always)]
    fn restore(&mut self, chunk: Box<[u8]>, pos: usize) {
        self.buf = chunk;
        self.pos = pos;
    }

    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        let end = self.pos + bytes.len();
        match self.buf.get_mut(self.pos..end) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.pos = end;
                Ok(())
            }
            None => self.spill(bytes),
        }
    }

    fn put_zeros(&mut self, mut n: usize) -> Result<()> {
        const ZEROS: [u8; 256] = [0; 256];
        while n > 0 {
            let k = n.min(ZEROS.len());
            self.put(&ZEROS[..k])?;
            n -= k;
        }
        Ok(())
    }

    #[inline(always)]
    fn reserve(&mut self, n: usize) -> Result<&mut [u8]> {
        if n > self.buf.len().saturating_sub(self.pos) {
            self.make_room(n)?;
        }
        if !self.zeroed {
            // The chunk is reused: clear what padding, short strings and
            // fields whose error was ignored would leave behind. (A chunk
            // lost to an abandoned sequence stays unzeroed and fails below.)
            if let Some(rest) = self.buf.get_mut(self.pos..) {
                rest.fill(0);
                self.zeroed = true;
            }
        }
        let start = self.pos;
        self.pos += n;
        self.buf.get_mut(start..start + n).ok_or_else(lost_chunk)
    }
}

// ---------------------------------------------------------------------------
// Plan

/// The element type inferred so far.
#[derive(Clone, Debug, PartialEq)]
enum Elem {
    /// No element seen (only empty sequences): written as `<f8`, like `np.array([])`.
    Unknown,
    Scalar(Dtype),
    /// Longest string so far, in chars.
    Str(usize),
    /// Longest byte string so far.
    Bytes(usize),
    Record(Vec<(Cow<'static, str>, Plan)>),
}

/// What a value looks like: its dimensions and element type.
#[derive(Clone, Debug, PartialEq)]
struct Plan {
    dims: Vec<usize>,
    elem: Elem,
}

impl Plan {
    fn scalar(d: Dtype) -> Plan {
        Plan {
            dims: Vec::new(),
            elem: Elem::Scalar(d),
        }
    }

    /// Whether every element of this type has the same size, so that one
    /// element tells all (strings grow; unknown may still be learned).
    fn is_fixed(&self) -> bool {
        match &self.elem {
            Elem::Scalar(_) => true,
            Elem::Record(fields) => fields.iter().all(|(_, p)| p.is_fixed()),
            Elem::Unknown | Elem::Str(_) | Elem::Bytes(_) => false,
        }
    }

    fn describe(&self) -> String {
        let e = match &self.elem {
            Elem::Unknown => "an empty sequence".to_string(),
            Elem::Scalar(d) => d.to_string(),
            Elem::Str(_) => "a string".to_string(),
            Elem::Bytes(_) => "bytes".to_string(),
            Elem::Record(_) => "a record".to_string(),
        };
        if self.dims.is_empty() {
            e
        } else {
            format!("shape {} of {e}", shape_repr(&self.dims))
        }
    }

    /// Whether [`Plan::merge`] of `other` into `self` would succeed.
    fn compatible(&self, other: &Plan) -> bool {
        self.dims == other.dims
            && match (&self.elem, &other.elem) {
                (Elem::Unknown, _) | (_, Elem::Unknown) => true,
                (Elem::Scalar(a), Elem::Scalar(b)) => a == b,
                (Elem::Str(_), Elem::Str(_)) | (Elem::Bytes(_), Elem::Bytes(_)) => true,
                (Elem::Record(a), Elem::Record(b)) => {
                    a.len() == b.len()
                        && a.iter()
                            .zip(b)
                            .all(|(x, y)| x.0 == y.0 && x.1.compatible(&y.1))
                }
                _ => false,
            }
    }

    /// Folds the plan of one more element into `self`.
    fn merge(&mut self, other: Plan, index: &[usize]) -> Result<()> {
        if self.dims != other.dims {
            // Same depth, different length: the first differing axis tells where.
            if self.dims.len() == other.dims.len() {
                let axis = self
                    .dims
                    .iter()
                    .zip(&other.dims)
                    .position(|(a, b)| a != b)
                    .unwrap_or(0);
                let mut at = index.to_vec();
                at.extend(std::iter::repeat(0).take(axis));
                return Err(ErrorKind::Ragged {
                    index: index_repr(&at),
                    found: other.dims[axis],
                    expected: self.dims[axis],
                }
                .into());
            }
            return Err(self.mixed(&other, index));
        }
        match (&mut self.elem, other.elem) {
            (_, Elem::Unknown) => {}
            (mine @ Elem::Unknown, theirs) => *mine = theirs,
            (Elem::Scalar(a), Elem::Scalar(b)) if *a == b => {}
            (Elem::Str(a), Elem::Str(b)) => *a = (*a).max(b),
            (Elem::Bytes(a), Elem::Bytes(b)) => *a = (*a).max(b),
            (Elem::Record(a), Elem::Record(b))
                if a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x.0 == y.0) =>
            {
                for ((_, pa), (_, pb)) in a.iter_mut().zip(b) {
                    pa.merge(pb, index)?;
                }
            }
            (_, theirs) => {
                let other = Plan {
                    dims: other.dims,
                    elem: theirs,
                };
                return Err(self.mixed(&other, index));
            }
        }
        Ok(())
    }

    fn mixed(&self, other: &Plan, index: &[usize]) -> Error {
        ErrorKind::MixedTypes {
            index: index_repr(index),
            expected: self.describe(),
            found: other.describe(),
        }
        .into()
    }

    fn dtype(&self) -> Result<Dtype> {
        Ok(match &self.elem {
            Elem::Unknown => Dtype::F64(ByteOrder::Little),
            Elem::Scalar(d) => d.clone(),
            // NumPy never infers a zero width: `np.array([''])` is `<U1`.
            Elem::Str(n) => Dtype::str_checked((*n).max(1), ByteOrder::Little)?,
            Elem::Bytes(n) => Dtype::Bytes((*n).max(1)),
            Elem::Record(fields) => Dtype::Record(Record::packed(
                fields
                    .iter()
                    .map(|(name, p)| Ok((name.to_string(), p.dtype()?, p.dims.clone())))
                    .collect::<Result<_>>()?,
            )?),
        })
    }
}

/// The result of planning a whole value.
#[derive(Debug)]
struct Layout {
    shape: Vec<usize>,
    dtype: Dtype,
    fortran_order: bool,
    /// The value is a struct with `shape` and `data` (or ndarray's `dim` and `data`).
    shaped: bool,
}

impl Layout {
    fn data_len(&self) -> Result<usize> {
        self.shape
            .iter()
            .try_fold(self.dtype.itemsize(), |a, &d| a.checked_mul(d))
            .ok_or_else(|| self.overflow())
    }

    fn overflow(&self) -> Error {
        ErrorKind::ShapeOverflow {
            shape: shape_repr(&self.shape),
            descr: self.dtype.to_string(),
        }
        .into()
    }
}

/// The dtype and trailing axes of one element of an array of `T`s, exactly as
/// [`to_vec`] lays out a slice holding `one`.
pub(crate) fn element_layout<T: Serialize>(one: &T) -> Result<(Dtype, Vec<usize>)> {
    let mut layout = plan(std::slice::from_ref(one))?;
    // Invariant: a slice plans as at least one axis, its length.
    layout.shape.remove(0);
    Ok((layout.dtype, layout.shape))
}

/// Stores one element of an array of `dtype` elements with trailing axes
/// `dims` into `dst`, exactly its size, checked as the emitter checks every
/// element of an array (dtype, lengths, string widths, field names). `kind`
/// is [`element_kind`]`(dtype, dims)`, computed once by the caller. `dst`
/// must be zeroed unless `LeafKind::of(dtype)` is a plain number (whose bytes
/// are all stored); numbers are stored little-endian whatever `dtype` says.
#[inline(always)]
pub(crate) fn emit_element<T: Serialize + ?Sized>(
    value: &T,
    dtype: &Dtype,
    dims: &[usize],
    kind: LeafKind,
    dst: &mut [u8],
) -> Result<()> {
    let size = dst.len();
    let mut out = SliceOutput { buf: dst, pos: 0 };
    value.serialize(Emitter {
        out: &mut out,
        dtype,
        dims,
        shaped: None,
        kind,
    })?;
    if out.pos != size {
        return Err(ErrorKind::Custom(format!(
            "the value serialized {} bytes, its dtype {dtype} needs {size}",
            out.pos
        ))
        .into());
    }
    Ok(())
}

/// The `kind` [`emit_element`] takes for `dtype` and `dims`.
pub(crate) fn element_kind(dtype: &Dtype, dims: &[usize]) -> LeafKind {
    leaf_kind(dtype, dims)
}

fn plan<T: Serialize + ?Sized>(value: &T) -> Result<Layout> {
    // Without an output to write into, the first pass always plans.
    plan_into(value, None)?
        .ok_or_else(|| ErrorKind::Custom("internal: nothing planned".into()).into())
}

/// [`plan`], but when `value` is one slice of plain numbers (or of rows of
/// them) and `append` is given, the first pass writes the whole file there
/// instead, and there is nothing left to plan (`None`).
fn plan_into<T: Serialize + ?Sized>(
    value: &T,
    append: Option<(&mut Vec<u8>, usize)>,
) -> Result<Option<Layout>> {
    match find(value, append) {
        Some(Found::Written) => return Ok(None),
        Some(Found::Layout(layout)) => return Ok(Some(layout)),
        None => {}
    }
    let layout = plan_layout(value)?;
    if layout.shape.len() > MAX_DIMS {
        return Err(ErrorKind::Unsupported {
            what: "an array of more than 64 dimensions",
            hint: "NumPy arrays have at most 64",
        }
        .into());
    }
    Ok(Some(layout))
}

fn plan_layout<T: Serialize + ?Sized>(value: &T) -> Result<Layout> {
    let mut top = TopLevel::default();
    let p = plan_value(value, Some(&mut top))?;
    if let Some(Shaped {
        shape,
        fortran,
        descr,
    }) = top.shaped
    {
        let count = shape
            .iter()
            .try_fold(1u64, |a, &d| a.checked_mul(d as u64))
            .unwrap_or(u64::MAX);
        let found = p.dims.first().copied().unwrap_or(1) as u64;
        if p.dims.len() != 1 || found != count {
            return Err(ErrorKind::ShapeDataMismatch {
                shape: shape_repr(&shape),
                expected: count,
                found,
            }
            .into());
        }
        let dtype = match descr {
            // A stated dtype gives empty arrays their type, and must agree
            // with the data otherwise.
            Some(d) if p.elem == Elem::Unknown => d,
            Some(d) if d != p.dtype()? => {
                return Err(ErrorKind::MixedTypes {
                    index: "[]".into(),
                    expected: format!("{d} (the `descr` field)"),
                    found: p.describe(),
                }
                .into())
            }
            _ => p.dtype()?,
        };
        // NumPy tests C-contiguity first: arrays with at most one axis longer
        // than 1, and empty arrays, are written with fortran_order False.
        let fortran_order =
            fortran && !shape.contains(&0) && shape.iter().filter(|&&d| d != 1).count() > 1;
        return Ok(Layout {
            shape,
            dtype,
            fortran_order,
            shaped: true,
        });
    }
    Ok(Layout {
        dtype: p.dtype()?,
        shape: p.dims,
        fortran_order: false,
        shaped: false,
    })
}

/// What the top-level struct revealed, if it is a shape + data wrapper.
#[derive(Default)]
struct TopLevel {
    shaped: Option<Shaped>,
}

/// A top-level `shape` + `data` struct's metadata.
struct Shaped {
    shape: Vec<usize>,
    fortran: bool,
    /// An optional `descr` field (a typestr such as `"<f4"` or a record descr).
    descr: Option<Dtype>,
}

/// Plans `value`; `top` is `Some` only for the outermost value.
fn plan_value<T: Serialize + ?Sized>(value: &T, top: Option<&mut TopLevel>) -> Result<Plan> {
    match value.serialize(Planner { top }) {
        Ok(p) | Err(PlanError::Stop(p)) => Ok(p),
        Err(PlanError::Fail(e)) => Err(e),
    }
}

/// The planner's error: a real error, or "this sequence is planned, stop
/// iterating" (carried through the user's `Serialize` impl by `?`).
#[derive(Debug)]
enum PlanError {
    Stop(Plan),
    Fail(Error),
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::Stop(_) => f.write_str("planning stopped early"),
            PlanError::Fail(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for PlanError {}

impl ser::Error for PlanError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        PlanError::Fail(ErrorKind::Custom(msg.to_string()).into())
    }
}

impl From<Error> for PlanError {
    fn from(e: Error) -> Self {
        PlanError::Fail(e)
    }
}

fn unsupported<T>(what: &'static str, hint: &'static str) -> Result<T, PlanError> {
    Err(PlanError::Fail(
        ErrorKind::Unsupported { what, hint }.into(),
    ))
}

/// Prefixes the index of the element an error happened in. Ragged and
/// mixed-type errors name their index in their own message.
#[cold]
fn at_index(mut e: Error, i: usize) -> Error {
    match e.kind_mut() {
        ErrorKind::Ragged { index, .. } | ErrorKind::MixedTypes { index, .. } => {
            *index = if index == "[]" {
                format!("[{i}]")
            } else {
                format!("[{i}, {}", &index[1..])
            };
            e
        }
        _ => e.at_index(i),
    }
}

struct Planner<'t> {
    top: Option<&'t mut TopLevel>,
}

/// The dtype each Rust number is written as, for the planner and the probe.
macro_rules! scalar_dtypes {
    ($then:ident) => {
        $then! {
            serialize_bool: bool => Dtype::Bool;
            serialize_i8: i8 => Dtype::I8;
            serialize_i16: i16 => Dtype::I16(ByteOrder::Little);
            serialize_i32: i32 => Dtype::I32(ByteOrder::Little);
            serialize_i64: i64 => Dtype::I64(ByteOrder::Little);
            serialize_u8: u8 => Dtype::U8;
            serialize_u16: u16 => Dtype::U16(ByteOrder::Little);
            serialize_u32: u32 => Dtype::U32(ByteOrder::Little);
            serialize_u64: u64 => Dtype::U64(ByteOrder::Little);
            serialize_f32: f32 => Dtype::F32(ByteOrder::Little);
            serialize_f64: f64 => Dtype::F64(ByteOrder::Little);
        }
    };
}

macro_rules! plan_scalar {
    ($($method:ident: $ty:ty => $dtype:expr;)*) => {$(
        fn $method(self, _v: $ty) -> Result<Plan, PlanError> {
            Ok(Plan::scalar($dtype))
        }
    )*};
}

impl<'t> ser::Serializer for Planner<'t> {
    type Ok = Plan;
    type Error = PlanError;
    type SerializeSeq = SeqPlanner;
    type SerializeTuple = TuplePlanner;
    type SerializeTupleStruct = TuplePlanner;
    type SerializeTupleVariant = ser::Impossible<Plan, PlanError>;
    type SerializeMap = ser::Impossible<Plan, PlanError>;
    type SerializeStruct = StructPlanner<'t>;
    type SerializeStructVariant = ser::Impossible<Plan, PlanError>;

    scalar_dtypes!(plan_scalar);

    fn serialize_i128(self, _v: i128) -> Result<Plan, PlanError> {
        unsupported("an i128", "NumPy has no 128-bit integers")
    }
    fn serialize_u128(self, _v: u128) -> Result<Plan, PlanError> {
        unsupported("a u128", "NumPy has no 128-bit integers")
    }
    fn serialize_char(self, _v: char) -> Result<Plan, PlanError> {
        Ok(Plan {
            dims: Vec::new(),
            elem: Elem::Str(1),
        })
    }
    fn serialize_str(self, v: &str) -> Result<Plan, PlanError> {
        Ok(Plan {
            dims: Vec::new(),
            elem: Elem::Str(v.chars().count()),
        })
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Plan, PlanError> {
        Ok(Plan {
            dims: Vec::new(),
            elem: Elem::Bytes(v.len()),
        })
    }
    fn serialize_none(self) -> Result<Plan, PlanError> {
        unsupported(
            "None (an Option)",
            ".npy arrays have no missing values; use NaN or a mask array",
        )
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> Result<Plan, PlanError> {
        unsupported(
            "an Option",
            ".npy arrays have no missing values; unwrap it, or use NaN or a mask array",
        )
    }
    fn serialize_unit(self) -> Result<Plan, PlanError> {
        unsupported("a unit value `()`", "")
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Plan, PlanError> {
        unsupported("a unit struct", "")
    }
    fn serialize_unit_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
    ) -> Result<Plan, PlanError> {
        unsupported("an enum variant", "store its index as an integer instead")
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Plan, PlanError> {
        if name == F16_NEWTYPE {
            return Ok(Plan::scalar(Dtype::F16(ByteOrder::Little)));
        }
        if name == COMPLEX_NEWTYPE {
            let p = plan_value(value, None)?;
            return match (p.dims.as_slice(), &p.elem) {
                ([2], Elem::Scalar(Dtype::F32(_))) => {
                    Ok(Plan::scalar(Dtype::C64(ByteOrder::Little)))
                }
                ([2], Elem::Scalar(Dtype::F64(_))) => {
                    Ok(Plan::scalar(Dtype::C128(ByteOrder::Little)))
                }
                _ => unsupported(
                    "a Complex whose parts are not f32 or f64",
                    "NumPy has complex64 and complex128 only",
                ),
            };
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _value: &T,
    ) -> Result<Plan, PlanError> {
        unsupported("an enum variant", "")
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqPlanner, PlanError> {
        Ok(SeqPlanner {
            len,
            count: 0,
            acc: None,
        })
    }
    fn serialize_tuple(self, _len: usize) -> Result<TuplePlanner, PlanError> {
        Ok(TuplePlanner::new())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<TuplePlanner, PlanError> {
        self.serialize_tuple(len)
    }
    fn serialize_tuple_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, PlanError> {
        unsupported("an enum variant", "")
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, PlanError> {
        unsupported("a map", "use a struct, whose fields become a record dtype")
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<StructPlanner<'t>, PlanError> {
        Ok(StructPlanner {
            top: self.top,
            fields: Vec::with_capacity(len),
            shape: None,
            fortran: None,
            descr: None,
        })
    }
    fn serialize_struct_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, PlanError> {
        unsupported("an enum variant", "")
    }
}

struct SeqPlanner {
    len: Option<usize>,
    count: usize,
    acc: Option<Plan>,
}

impl ser::SerializeSeq for SeqPlanner {
    type Ok = Plan;
    type Error = PlanError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PlanError> {
        let p = plan_value(value, None).map_err(|e| at_index(e, self.count))?;
        match &mut self.acc {
            None => self.acc = Some(p),
            Some(acc) => acc.merge(p, &[self.count])?,
        }
        self.count += 1;
        if let (Some(len), Some(acc)) = (self.len, &self.acc) {
            if acc.is_fixed() {
                // The remaining elements are checked while emitting.
                let mut dims = vec![len];
                dims.extend_from_slice(&acc.dims);
                return Err(PlanError::Stop(Plan {
                    dims,
                    elem: acc.elem.clone(),
                }));
            }
        }
        Ok(())
    }

    fn end(self) -> Result<Plan, PlanError> {
        Ok(seq_plan(self.count, self.acc))
    }
}

fn seq_plan(count: usize, acc: Option<Plan>) -> Plan {
    match acc {
        None => Plan {
            dims: vec![count],
            elem: Elem::Unknown,
        },
        Some(p) => {
            // The element's own dims, grown in place: nested axes then share
            // one allocation (the room left covers the usual few axes).
            let mut dims = p.dims;
            if dims.len() == dims.capacity() {
                dims.reserve(4);
            }
            dims.insert(0, count);
            Plan { dims, elem: p.elem }
        }
    }
}

/// Tuples and arrays `[T; N]` look the same to serde: homogeneous ones become
/// an axis (as in `np.array`), heterogeneous ones a record of `f0`, `f1`, ….
struct TuplePlanner {
    count: usize,
    /// The elements merged so far, while they are compatible.
    acc: Option<Plan>,
    /// Each element's own plan, kept only once it matters: when an element
    /// has a variable size (its width may differ from the merged one) or the
    /// tuple turned out heterogeneous (the plans become record fields).
    own: Vec<Plan>,
    heterogeneous: bool,
    /// While every element so far had the same plan, a plain number or an
    /// array of them: that number's kind, so that the next element is
    /// checked by [`ShapeProbe`] instead of planned.
    scalar: Option<LeafKind>,
}

impl TuplePlanner {
    fn new() -> Self {
        TuplePlanner {
            count: 0,
            acc: None,
            own: Vec::new(),
            heterogeneous: false,
            scalar: None,
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PlanError> {
        if let (Some(kind), Some(acc)) = (self.scalar, &self.acc) {
            // The same plan again changes nothing but the count.
            let probe = ShapeProbe {
                dims: &acc.dims,
                kind: Some(kind),
            };
            if value.serialize(probe).is_ok() {
                self.count += 1;
                return Ok(());
            }
        }
        let p = plan_value(value, None).map_err(|e| at_index(e, self.count))?;
        self.push(p)?;
        self.scalar = match &self.acc {
            Some(Plan {
                elem: Elem::Scalar(d),
                ..
            }) if !self.heterogeneous && self.own.is_empty() => {
                Some(LeafKind::of(d)).filter(|k| *k != LeafKind::Other)
            }
            _ => None,
        };
        Ok(())
    }

    fn push(&mut self, p: Plan) -> Result<(), PlanError> {
        let index = self.count;
        self.count += 1;
        if self.heterogeneous {
            self.own.push(p);
            return Ok(());
        }
        let Some(acc) = &mut self.acc else {
            if !p.is_fixed() {
                self.own.push(p.clone());
            }
            self.acc = Some(p);
            return Ok(());
        };
        if self.own.is_empty() && *acc == p && p.is_fixed() {
            // Another element exactly like every one before: nothing to merge.
            return Ok(());
        }
        if acc.compatible(&p) {
            if self.own.is_empty() && !p.is_fixed() {
                // Every earlier element was fixed-size and compatible, so each
                // equals the merged plan.
                self.own = vec![acc.clone(); index];
            }
            if !self.own.is_empty() {
                self.own.push(p.clone());
            }
            acc.merge(p, &[index])?;
        } else {
            if self.own.is_empty() {
                self.own = vec![acc.clone(); index];
            }
            self.own.push(p);
            self.heterogeneous = true;
        }
        Ok(())
    }

    fn finish(self) -> Plan {
        if !self.heterogeneous {
            return seq_plan(self.count, self.acc);
        }
        Plan {
            dims: Vec::new(),
            elem: Elem::Record(
                self.own
                    .into_iter()
                    .enumerate()
                    .map(|(i, p)| (Cow::Owned(format!("f{i}")), p))
                    .collect(),
            ),
        }
    }
}

impl ser::SerializeTuple for TuplePlanner {
    type Ok = Plan;
    type Error = PlanError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PlanError> {
        self.element(value)
    }
    fn end(self) -> Result<Plan, PlanError> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleStruct for TuplePlanner {
    type Ok = Plan;
    type Error = PlanError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PlanError> {
        ser::SerializeTuple::serialize_element(self, value)
    }
    fn end(self) -> Result<Plan, PlanError> {
        Ok(self.finish())
    }
}

/// Asks a value whether it is an array of shape `dims` (one number when
/// empty) of plain numbers of one kind, and which kind. Cheaper than a
/// [`Plan`], and allocation-free, for the elements of Rust arrays, which
/// serialize as tuples and so cannot stop planning after the first element.
struct ShapeProbe<'p> {
    dims: &'p [usize],
    /// The kind the numbers must have, when known: a row of another kind is
    /// then a miss at its first number rather than after its last.
    kind: Option<LeafKind>,
}

/// A value that is not such an array; it gets planned instead.
#[derive(Debug)]
struct ProbeMiss;

impl std::fmt::Display for ProbeMiss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not an array of plain numbers of one kind")
    }
}

impl std::error::Error for ProbeMiss {}

impl ser::Error for ProbeMiss {
    fn custom<T: std::fmt::Display>(_msg: T) -> Self {
        ProbeMiss
    }
}

macro_rules! probe_scalar {
    ($($method:ident: $ty:ty => $dtype:expr;)*) => {$(
        #[inline]
        fn $method(self, _v: $ty) -> Result<LeafKind, ProbeMiss> {
            let kind = LeafKind::of(&$dtype);
            if self.dims.is_empty() && self.kind.map_or(true, |k| k == kind) {
                Ok(kind)
            } else {
                Err(ProbeMiss)
            }
        }
    )*};
}

/// What a probe's `Serializer` impl shares with the others: its types, with
/// `$axis` for sequences and tuples, newtypes, and the methods it answers
/// with `$miss` whatever the value.
macro_rules! probe_misses {
    ($axis:ty, $error:ty, $miss:expr) => {
        type Ok = LeafKind;
        type Error = $error;
        type SerializeSeq = $axis;
        type SerializeTuple = $axis;
        type SerializeTupleStruct = $axis;
        type SerializeTupleVariant = ser::Impossible<LeafKind, $error>;
        type SerializeMap = ser::Impossible<LeafKind, $error>;
        type SerializeStruct = ser::Impossible<LeafKind, $error>;
        type SerializeStructVariant = ser::Impossible<LeafKind, $error>;

        probe_misses! {
            $miss;
            serialize_i128(v: i128) -> LeafKind;
            serialize_u128(v: u128) -> LeafKind;
            serialize_char(v: char) -> LeafKind;
            serialize_str(v: &str) -> LeafKind;
            serialize_bytes(v: &[u8]) -> LeafKind;
            serialize_none() -> LeafKind;
            serialize_unit() -> LeafKind;
            serialize_unit_struct(n: &'static str) -> LeafKind;
            serialize_unit_variant(n: &'static str, i: u32, v: &'static str) -> LeafKind;
            serialize_tuple_variant(n: &'static str, i: u32, v: &'static str, l: usize) -> Self::SerializeTupleVariant;
            serialize_map(l: Option<usize>) -> Self::SerializeMap;
            serialize_struct(n: &'static str, l: usize) -> Self::SerializeStruct;
            serialize_struct_variant(n: &'static str, i: u32, v: &'static str, l: usize) -> Self::SerializeStructVariant;
        }
        fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> Result<LeafKind, Self::Error> {
            Err($miss)
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            name: &'static str,
            value: &T,
        ) -> Result<LeafKind, Self::Error> {
            // f16 and complex are newtypes the planner treats specially;
            // other newtypes are what they wrap.
            if name == F16_NEWTYPE || name == COMPLEX_NEWTYPE {
                return Err($miss);
            }
            value.serialize(self)
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _n: &'static str,
            _i: u32,
            _v: &'static str,
            _value: &T,
        ) -> Result<LeafKind, Self::Error> {
            Err($miss)
        }
    };
    ($miss:expr; $($method:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {$(
        fn $method(self, $(_: $ty),*) -> Result<$ret, Self::Error> {
            Err($miss)
        }
    )*};
}

impl<'p> ser::Serializer for ShapeProbe<'p> {
    probe_misses!(AxisProbe<'p>, ProbeMiss, ProbeMiss);
    scalar_dtypes!(probe_scalar);

    // Sequences and tuples alike: the planner gives both an axis.
    fn serialize_seq(self, _len: Option<usize>) -> Result<AxisProbe<'p>, ProbeMiss> {
        match self.dims.split_first() {
            Some((&expected, rest)) => Ok(AxisProbe {
                rest,
                expected,
                count: 0,
                kind: None,
                want: self.kind,
            }),
            None => Err(ProbeMiss),
        }
    }
    fn serialize_tuple(self, len: usize) -> Result<AxisProbe<'p>, ProbeMiss> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<AxisProbe<'p>, ProbeMiss> {
        self.serialize_seq(Some(len))
    }
}

/// One axis of a [`ShapeProbe`]: every element the same shape and kind.
struct AxisProbe<'p> {
    rest: &'p [usize],
    expected: usize,
    count: usize,
    kind: Option<LeafKind>,
    /// [`ShapeProbe::kind`], handed down to the elements.
    want: Option<LeafKind>,
}

impl AxisProbe<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ProbeMiss> {
        if self.count == self.expected {
            return Err(ProbeMiss);
        }
        let kind = value.serialize(ShapeProbe {
            dims: self.rest,
            kind: self.want,
        })?;
        if self.kind.is_some_and(|k| k != kind) {
            return Err(ProbeMiss);
        }
        self.kind = Some(kind);
        self.count += 1;
        Ok(())
    }

    /// The kind, if every element came; an empty axis has none to tell.
    fn finish(self) -> Result<LeafKind, ProbeMiss> {
        match self.kind {
            Some(kind) if self.count == self.expected => Ok(kind),
            _ => Err(ProbeMiss),
        }
    }
}

/// The three sequence traits of an axis probe, all by its `element` and
/// `finish`.
macro_rules! probe_axis_traits {
    ($axis:ident, $error:ty) => {
        probe_axis_traits! {
            $axis, $error;
            SerializeSeq::serialize_element;
            SerializeTuple::serialize_element;
            SerializeTupleStruct::serialize_field;
        }
    };
    ($axis:ident, $error:ty; $($trait:ident::$method:ident;)*) => {$(
        impl ser::$trait for $axis<'_> {
            type Ok = LeafKind;
            type Error = $error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), $error> {
                self.element(value)
            }
            fn end(self) -> Result<LeafKind, $error> {
                self.finish()
            }
        }
    )*};
}

probe_axis_traits!(AxisProbe, ProbeMiss);

/// Most axes [`ShapeFinder`] handles; deeper arrays are planned in full.
const FOUND_DIMS: usize = 8;

/// What [`ShapeFinder`] found so far: the axes down to the current depth.
struct FoundShape {
    dims: [usize; FOUND_DIMS],
    ndim: usize,
    /// Some part of the value was not such an array.
    missed: bool,
    /// The value was one slice of numbers, written whole (see [`plan_into`]).
    written: bool,
}

/// The common case of the first pass without allocating: nested sequences
/// and tuples of plain numbers of one kind (newtypes around them included).
/// It finds the shape from the first element of each axis, like the planner,
/// and checks the other elements of tuples (Rust arrays) with [`ShapeProbe`].
/// Anything else — records, strings, empty axes, `shape` + `data` structs,
/// more than [`FOUND_DIMS`] axes — is a miss, and the value is planned in
/// full: one more walk over the part of the value read until the miss.
struct ShapeFinder<'f> {
    found: &'f mut FoundShape,
    depth: usize,
    /// Where a top-level slice of numbers is written whole: after the first
    /// `.1` bytes of the `Vec`.
    append: Option<(&'f mut Vec<u8>, usize)>,
}

/// Why a [`ShapeFinder`] stopped.
#[derive(Debug)]
enum FindStop {
    /// Not such an array.
    Miss,
    /// A sequence whose first element told its element shape: the emitter
    /// checks the others, so iterating stops here (carried by `?` through
    /// the value's `Serialize` impl, as [`PlanError::Stop`] is).
    Found(LeafKind),
}

impl std::fmt::Display for FindStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        ProbeMiss.fmt(f)
    }
}

impl std::error::Error for FindStop {}

impl ser::Error for FindStop {
    fn custom<T: std::fmt::Display>(_msg: T) -> Self {
        FindStop::Miss
    }
}

macro_rules! find_scalar {
    ($($method:ident: $ty:ty => $dtype:expr;)*) => {$(
        #[inline]
        fn $method(self, _v: $ty) -> Result<LeafKind, FindStop> {
            self.found.ndim = self.depth;
            Ok(LeafKind::of(&$dtype))
        }
    )*};
}

impl<'f> ShapeFinder<'f> {
    fn axis(self, len: Option<usize>, is_seq: bool) -> Result<AxisFinder<'f>, FindStop> {
        match len {
            Some(len) if len > 0 && self.depth < FOUND_DIMS => {
                self.found.dims[self.depth] = len;
                Ok(AxisFinder {
                    found: self.found,
                    depth: self.depth,
                    expected: len,
                    count: 0,
                    kind: LeafKind::Other,
                    is_seq,
                })
            }
            _ => Err(FindStop::Miss),
        }
    }
}

impl<'f> ser::Serializer for ShapeFinder<'f> {
    probe_misses!(AxisFinder<'f>, FindStop, FindStop::Miss);
    scalar_dtypes!(find_scalar);

    fn serialize_seq(self, len: Option<usize>) -> Result<AxisFinder<'f>, FindStop> {
        self.axis(len, true)
    }
    fn collect_seq<I>(mut self, iter: I) -> Result<LeafKind, FindStop>
    where
        I: IntoIterator,
        I::Item: Serialize,
    {
        let iter = iter.into_iter();
        if let Some((out, base)) = self.append.take() {
            // Empty sequences are planned: they are written as `<f8`, as
            // NumPy writes `np.array([])`, whatever the element type.
            let slice = crate::bulk::number_bytes(&iter).filter(|s| s.len > 0);
            // A number kind always has a dtype.
            if let Some((dtype, slice)) = slice.and_then(|s| Some((s.kind.dtype()?, s))) {
                let dims = slice.dims();
                let preamble = Preamble::new(&dtype, &dims, false);
                let start = preamble.len();
                out.truncate(base);
                out.reserve_exact(start + slice.bytes.len());
                out.resize(base + start, 0);
                preamble.write(&mut out[base..]);
                out.extend_from_slice(slice.bytes);
                self.found.written = true;
                return Ok(slice.kind);
            }
        }
        let len = exact_len(&iter);
        let mut seq = self.axis(len, true)?;
        for item in iter {
            ser::SerializeSeq::serialize_element(&mut seq, &item)?;
        }
        ser::SerializeSeq::end(seq)
    }
    fn serialize_tuple(self, len: usize) -> Result<AxisFinder<'f>, FindStop> {
        self.axis(Some(len), false)
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<AxisFinder<'f>, FindStop> {
        self.axis(Some(len), false)
    }
}

/// One axis of a [`ShapeFinder`].
struct AxisFinder<'f> {
    found: &'f mut FoundShape,
    depth: usize,
    expected: usize,
    count: usize,
    /// The first element's kind (`Other` before it).
    kind: LeafKind,
    /// A sequence (every element has one type) rather than a tuple.
    is_seq: bool,
}

impl AxisFinder<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), FindStop> {
        if self.count == self.expected {
            return Err(self.miss());
        }
        if self.count == 0 {
            let finder = ShapeFinder {
                found: &mut *self.found,
                depth: self.depth + 1,
                append: None,
            };
            self.kind = match value.serialize(finder) {
                Ok(kind) | Err(FindStop::Found(kind)) => kind,
                Err(FindStop::Miss) => return Err(self.miss()),
            };
            self.count = 1;
            if self.is_seq {
                return Err(FindStop::Found(self.kind));
            }
            return Ok(());
        }
        let probe = ShapeProbe {
            dims: &self.found.dims[self.depth + 1..self.found.ndim],
            kind: Some(self.kind),
        };
        match value.serialize(probe) {
            Ok(_) => {
                self.count += 1;
                Ok(())
            }
            Err(ProbeMiss) => Err(self.miss()),
        }
    }

    /// A miss, remembered: a `Serialize` impl that ignores the error must
    /// not make the rest of the value look like an array to this pass when
    /// the planner would see otherwise.
    fn miss(&mut self) -> FindStop {
        self.found.missed = true;
        FindStop::Miss
    }

    fn finish(mut self) -> Result<LeafKind, FindStop> {
        if self.count == self.expected && !self.found.missed {
            Ok(self.kind)
        } else {
            Err(self.miss())
        }
    }
}

probe_axis_traits!(AxisFinder, FindStop);

/// What [`find`] did.
enum Found {
    Layout(Layout),
    /// The value was one slice of numbers, and the whole file is written.
    Written,
}

/// The layout of `value` if [`ShapeFinder`] recognises it.
#[cfg(test)]
fn find_layout<T: Serialize + ?Sized>(value: &T) -> Option<Layout> {
    match find(value, None)? {
        Found::Layout(layout) => Some(layout),
        Found::Written => None,
    }
}

/// Runs [`ShapeFinder`] over `value`, with `append` as in [`plan_into`].
fn find<T: Serialize + ?Sized>(value: &T, append: Option<(&mut Vec<u8>, usize)>) -> Option<Found> {
    let mut found = FoundShape {
        dims: [0; FOUND_DIMS],
        ndim: 0,
        missed: false,
        written: false,
    };
    let kind = match value.serialize(ShapeFinder {
        found: &mut found,
        depth: 0,
        append,
    }) {
        Ok(kind) | Err(FindStop::Found(kind)) if !found.missed => kind,
        _ => return None,
    };
    if found.written {
        return Some(Found::Written);
    }
    Some(Found::Layout(Layout {
        shape: found.dims[..found.ndim].to_vec(),
        dtype: kind.dtype()?,
        fortran_order: false,
        shaped: false,
    }))
}

struct StructPlanner<'t> {
    top: Option<&'t mut TopLevel>,
    fields: Vec<(Cow<'static, str>, Plan)>,
    shape: Option<Option<Vec<usize>>>,
    fortran: Option<Option<bool>>,
    descr: Option<Option<Dtype>>,
}

/// Field names of a struct that stands for a whole array.
pub(crate) const SHAPED_KEYS: [&str; 6] = ["shape", "dim", "data", "fortran_order", "descr", "v"];

impl ser::SerializeStruct for StructPlanner<'_> {
    type Ok = Plan;
    type Error = PlanError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), PlanError> {
        if self.top.is_some() {
            match key {
                "shape" | "dim" => self.shape = Some(capture(value, Captured::into_dims)),
                "descr" => self.descr = Some(capture(value, Captured::into_dtype)),
                "fortran_order" => self.fortran = Some(capture(value, Captured::into_bool)),
                _ => {}
            }
        }
        let p = plan_value(value, None).map_err(|e| e.in_field(key))?;
        self.fields.push((Cow::Borrowed(key), p));
        Ok(())
    }

    fn end(self) -> Result<Plan, PlanError> {
        let keys_ok = self
            .fields
            .iter()
            .all(|(k, _)| SHAPED_KEYS.contains(&k.as_ref()));
        let has_data = self.fields.iter().any(|(k, _)| k == "data");
        if let (Some(top), true, true, Some(Some(shape))) =
            (self.top, keys_ok, has_data, &self.shape)
        {
            let fortran = match self.fortran {
                None => Some(false),
                Some(f) => f,
            };
            let descr = match self.descr {
                None => Some(None),
                Some(Some(d)) => Some(Some(d)),
                Some(None) => None,
            };
            if let (Some(fortran), Some(descr)) = (fortran, descr) {
                top.shaped = Some(Shaped {
                    shape: shape.clone(),
                    fortran,
                    descr,
                });
                let data = self
                    .fields
                    .into_iter()
                    .find(|(k, _)| k == "data")
                    .map(|(_, p)| p);
                // Invariant: `has_data` found a `data` field above.
                return Ok(data.expect("data field"));
            }
        }
        Ok(Plan {
            dims: Vec::new(),
            elem: Elem::Record(self.fields),
        })
    }
}

/// Captures a metadata field's value; `None` when it is not of the kind `into` wants.
fn capture<T: Serialize + ?Sized, R>(value: &T, into: fn(Captured) -> Option<R>) -> Option<R> {
    value.serialize(Capture::default()).ok().and_then(into)
}

/// Values captured from a `shape`, `descr` or `fortran_order` field.
#[derive(Default)]
enum Captured {
    #[default]
    Nothing,
    Int(u64),
    Bool(bool),
    Dims(Vec<usize>),
    Str(String),
}

impl Captured {
    fn into_dims(self) -> Option<Vec<usize>> {
        match self {
            Captured::Dims(d) => Some(d),
            // ndarray writes a 1-D `dim` as a bare integer.
            Captured::Int(i) => usize::try_from(i).ok().map(|i| vec![i]),
            _ => None,
        }
    }
    fn into_dtype(self) -> Option<Dtype> {
        match self {
            Captured::Str(s) => s.parse().ok(),
            _ => None,
        }
    }
    fn into_bool(self) -> Option<bool> {
        match self {
            Captured::Bool(b) => Some(b),
            _ => None,
        }
    }
}

/// A small serializer that captures integers, a bool, or a sequence of integers.
#[derive(Default)]
struct Capture {
    dims: Vec<usize>,
}

macro_rules! capture_int {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method(self, v: $ty) -> Result<Captured> {
            u64::try_from(v).map(Captured::Int).map_err(|_| ErrorKind::Custom("negative dimension".into()).into())
        }
    )*};
}

impl ser::Serializer for Capture {
    type Ok = Captured;
    type Error = Error;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = ser::Impossible<Captured, Error>;
    type SerializeMap = ser::Impossible<Captured, Error>;
    type SerializeStruct = ser::Impossible<Captured, Error>;
    type SerializeStructVariant = ser::Impossible<Captured, Error>;

    capture_int!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64);

    fn serialize_bool(self, v: bool) -> Result<Captured> {
        Ok(Captured::Bool(v))
    }
    fn serialize_f32(self, _v: f32) -> Result<Captured> {
        Ok(Captured::Nothing)
    }
    fn serialize_f64(self, _v: f64) -> Result<Captured> {
        Ok(Captured::Nothing)
    }
    fn serialize_char(self, _v: char) -> Result<Captured> {
        Ok(Captured::Nothing)
    }
    fn serialize_str(self, v: &str) -> Result<Captured> {
        Ok(Captured::Str(v.to_string()))
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<Captured> {
        Ok(Captured::Nothing)
    }
    fn serialize_none(self) -> Result<Captured> {
        Ok(Captured::Nothing)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> Result<Captured> {
        Ok(Captured::Nothing)
    }
    fn serialize_unit(self) -> Result<Captured> {
        Ok(Captured::Nothing)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Captured> {
        Ok(Captured::Nothing)
    }
    fn serialize_unit_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
    ) -> Result<Captured> {
        Ok(Captured::Nothing)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Captured> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _value: &T,
    ) -> Result<Captured> {
        Ok(Captured::Nothing)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self> {
        Ok(self)
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(ErrorKind::Custom("not a shape".into()).into())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Err(ErrorKind::Custom("not a shape".into()).into())
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        Err(ErrorKind::Custom("not a shape".into()).into())
    }
    fn serialize_struct_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(ErrorKind::Custom("not a shape".into()).into())
    }
}

impl Capture {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        match value.serialize(Capture::default())? {
            Captured::Int(i) => {
                let d = usize::try_from(i)
                    .map_err(|_| ErrorKind::Custom("dimension too large".into()))?;
                self.dims.push(d);
                Ok(())
            }
            _ => Err(ErrorKind::Custom("not a shape".into()).into()),
        }
    }
}

/// Sequences, tuples and tuple structs of integers all capture a shape.
macro_rules! capture_seq {
    ($($trait:ident::$method:ident),*) => {$(
        impl ser::$trait for Capture {
            type Ok = Captured;
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
                self.push(value)
            }
            fn end(self) -> Result<Captured> {
                Ok(Captured::Dims(self.dims))
            }
        }
    )*};
}

capture_seq!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field
);

// ---------------------------------------------------------------------------
// Emit

fn emit<T: Serialize + ?Sized, O: Output>(value: &T, layout: &Layout, out: &mut O) -> Result<()> {
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
struct Emitter<'a, O> {
    out: &'a mut O,
    dtype: &'a Dtype,
    /// Axes still to descend before reaching elements.
    dims: &'a [usize],
    /// For a top-level shape + data struct: the element count of `data`.
    shaped: Option<usize>,
    /// The element kind when no axes remain, else `Other`; copied out of the
    /// dtype so the per-element path branches on a register value.
    kind: LeafKind,
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
struct SeqEmitter<'a, O: Output> {
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

/// A chunk of output lent to one sequence of plain numbers. Behind
/// `&mut Output` the cursor is a field the compiler must reload after every
/// element (the stored bytes might alias it); here it is a local of the
/// sequence's loop and stays in a register.
struct RunOutput<'w, S> {
    buf: &'w mut [u8],
    pos: usize,
    sink: &'w mut S,
}

/// The slow path of [`RunOutput::put`]: writes out the `pos` bytes used of a
/// full chunk, then puts `bytes` at its start; returns the new cursor.
#[cold]
#[inline(never)]
fn spill_and_put<S: Spill>(
    sink: &mut S,
    buf: &mut [u8],
    pos: usize,
    bytes: &[u8],
) -> Result<usize> {
    spill_chunk(sink, buf, pos, bytes.len())?;
    buf[..bytes.len()].copy_from_slice(bytes);
    Ok(bytes.len())
}

/// [`spill_and_put`] for [`RunOutput::put_number`].
#[cold]
#[inline(never)]
fn spill_and_put_number<S: Spill, const N: usize>(
    sink: &mut S,
    buf: &mut [u8],
    pos: usize,
    bytes: [u8; N],
) -> Result<usize> {
    spill_and_put(sink, buf, pos, &bytes)
}

/// The slow path of [`RunOutput`]: writes out the `pos` bytes used of a full
/// chunk so that `need` more fit.
#[cold]
#[inline(never)]
fn spill_chunk<S: Spill>(sink: &mut S, buf: &[u8], pos: usize, need: usize) -> Result<()> {
    if need > buf.len() {
        return Err(overrun());
    }
    sink.spill(filled(buf, pos)?)
}

impl<'w, S: Spill> Output for RunOutput<'w, S> {
    type Chunk = &'w mut [u8];
    type Sink = S;

    fn sink(&mut self) -> &mut S {
        self.sink
    }

    // Small enough that the per-element `Serialize` call inlines into the
    // sequence's loop: one bounds check, and the slow path is one
    // out-of-line call given field values rather than `&mut self` (taking
    // the run's address would keep the cursor in memory).
    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        let pos = self.pos;
        match self.buf.get_mut(pos..pos.wrapping_add(bytes.len())) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.pos = pos + bytes.len();
            }
            None => self.pos = spill_and_put(&mut *self.sink, self.buf, pos, bytes)?,
        }
        Ok(())
    }

    #[inline(always)]
    fn put_number<const N: usize>(&mut self, bytes: [u8; N]) -> Result<()> {
        let pos = self.pos;
        match self.buf.get_mut(pos..pos.wrapping_add(N)) {
            Some(dst) => {
                dst.copy_from_slice(&bytes);
                self.pos = pos + N;
            }
            None => self.pos = spill_and_put_number(&mut *self.sink, self.buf, pos, bytes)?,
        }
        Ok(())
    }

    fn put_zeros(&mut self, n: usize) -> Result<()> {
        for _ in 0..n {
            self.put(&[0])?;
        }
        Ok(())
    }

    fn reserve(&mut self, n: usize) -> Result<&mut [u8]> {
        if n > self.buf.len().saturating_sub(self.pos) {
            spill_chunk(&mut *self.sink, self.buf, self.pos, n)?;
            self.pos = 0;
        }
        let start = self.pos;
        self.pos += n;
        let dst = self.buf.get_mut(start..start + n).ok_or_else(lost_chunk)?;
        dst.fill(0);
        Ok(dst)
    }

    fn lend(&mut self) -> (&'w mut [u8], usize) {
        (std::mem::take(&mut self.buf), self.pos)
    }

    fn restore(&mut self, chunk: &'w mut [u8], pos: usize) {
        self.buf = chunk;
        self.pos = pos;
    }
}

#[inline]
fn leaf_kind(dtype: &Dtype, dims: &[usize]) -> LeafKind {
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
enum TupleEmitter<'a, O: Output> {
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
enum StructEmitter<'a, O> {
    Record(RecordFiller<'a>),
    Shaped {
        out: &'a mut O,
        dtype: &'a Dtype,
        count: usize,
    },
}

/// Fills one record's bytes field by field. The record's whole span is taken
/// from the output up front, so each field is a store at its offset rather
/// than a bounds-checked append.
struct RecordFiller<'a> {
    /// The record's bytes in the output, zeroed.
    dst: &'a mut [u8],
    record: &'a Record,
    next: usize,
}

impl<'a> RecordFiller<'a> {
    #[inline(always)]
    fn new<O: Output>(out: &'a mut O, record: &'a Record) -> Result<Self> {
        Ok(RecordFiller {
            dst: out.reserve(record.itemsize())?,
            record,
            next: 0,
        })
    }

    /// Writes the next field; `key` is its name, checked against the
    /// record's (`None` for a tuple element).
    #[inline(always)]
    fn field<T: Serialize + ?Sized>(&mut self, key: Option<&str>, value: &T) -> Result<()> {
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
    fn finish(&self) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    /// `find_layout`, where it answers, agrees with the full planner.
    fn agrees<T: Serialize + ?Sized>(value: &T) -> bool {
        let Some(found) = find_layout(value) else {
            return false;
        };
        let planned = plan_layout(value).unwrap();
        assert_eq!(found.shape, planned.shape);
        assert_eq!(found.dtype, planned.dtype);
        assert_eq!(found.fortran_order, planned.fortran_order);
        assert_eq!(found.shaped, planned.shaped);
        true
    }

    #[derive(Serialize)]
    struct Wrapper(Vec<f32>);

    #[derive(Serialize)]
    struct Point {
        x: f32,
        y: f32,
    }

    #[test]
    fn the_shape_finder_agrees_with_the_planner() {
        assert!(agrees(&1.5f32));
        assert!(agrees(&true));
        assert!(agrees(&7u8));
        assert!(agrees(&-3i64));
        assert!(agrees(&vec![1.0f64, 2.0]));
        assert!(agrees(&[[1.0f32, 2.0, 3.0, 4.0]; 4]));
        assert!(agrees(&vec![[1i16, 2, 3]; 5]));
        assert!(agrees(&vec![vec![1u32, 2], vec![3, 4]]));
        assert!(agrees(&(1.0f32, 2.0f32)));
        assert!(agrees(&([1.0f32, 2.0], [3.0f32, 4.0])));
        assert!(agrees(&vec![(1u8, 2u8); 3]));
        assert!(agrees(&Wrapper(vec![1.0, 2.0])));
        assert!(agrees(&[[[[[[[[1u8; 2]; 1]; 3]; 1]; 1]; 1]; 1]; 1]));
    }

    #[test]
    fn the_shape_finder_leaves_everything_else_to_the_planner() {
        let misses = [
            find_layout(&Vec::<f32>::new()),
            find_layout(&vec![Vec::<f32>::new()]),
            find_layout(&(1.0f32, 2i32)),
            find_layout(&([1.0f32, 2.0], 3.0f32)),
            find_layout(&[vec![1.0f32], vec![1.0, 2.0]]),
            find_layout(&[1.0f32, 2.0].map(Some)),
            find_layout("text"),
            find_layout(&vec![Point { x: 1.0, y: 2.0 }]),
            find_layout(&1u128),
            find_layout(&half::f16::ONE),
            find_layout(&[[[[[[[[[1u8; 1]; 1]; 1]; 1]; 1]; 1]; 1]; 1]; 1]),
        ];
        for (i, miss) in misses.iter().enumerate() {
            assert!(miss.is_none(), "case {i}: {miss:?}");
        }
    }
}
