//! Rust value → `.npy` bytes.
//!
//! The header comes first in the file but depends on the whole value (shape,
//! record layout, longest string), so writing takes two passes:
//!
//! 1. **plan** ([`Planner`](plan::Planner)) walks the value without writing
//!    and infers dtype and shape. For fixed-size element types it stops after
//!    the first element of each sequence whose length is known: the rest
//!    cannot change the plan.
//! 2. **emit** ([`Emitter`](emit::Emitter)) writes the header, then walks the
//!    value again and stores each element, checking every element against the
//!    plan (so mixed types and ragged nesting are still caught, with their
//!    index).
//!
//! The plan gives the exact output size, so [`to_vec`] allocates once.
//!
//! The files follow the phases: [`find`] and [`probe`] are the first pass's
//! allocation-free fast path, [`plan`] the full first pass (with [`capture`]
//! reading a shaped struct's metadata), [`layout`] turns either into the
//! header's shape and dtype, [`emit`] (with [`record_filler`]) is the second
//! pass, writing into an [`output`]; [`recording`] is the
//! `serde::Serializer` impl of [`Serializer`], which records a value first.

mod capture;
mod emit;
mod find;
mod layout;
mod output;
mod plan;
mod probe;
mod record_filler;
mod recording;

use std::io::Write;

use serde::ser::Serialize;

use crate::dtype::{Dtype, LeafKind};
use crate::error::{Error, ErrorKind, Result};
use crate::header::Preamble;

use emit::{emit, leaf_kind, Emitter};
use layout::{plan, plan_into};
use output::{IoOutput, Output, SliceOutput, IO_BUF};

pub(crate) use plan::SHAPED_KEYS;
pub use recording::Recording;

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

/// The length a sequence announces when its iterator knows it exactly, as
/// serde's default `collect_seq` computes it for `serialize_seq`.
fn exact_len<I: Iterator>(iter: &I) -> Option<usize> {
    match iter.size_hint() {
        (lo, Some(hi)) if lo == hi => Some(lo),
        _ => None,
    }
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
