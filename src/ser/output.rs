//! Where the second pass's bytes go: a pre-sized slice, a buffered
//! `io::Write`, or a chunk lent to one run of plain numbers.

use std::io::Write;

use crate::error::{Error, ErrorKind, Result};

pub(super) const IO_BUF: usize = 64 * 1024;

/// Where emitted bytes go.
pub(super) trait Output {
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
pub(super) trait Spill {
    /// Writes out `filled`, the used part of the lent chunk, so that the
    /// chunk can be reused from its start.
    fn spill(&mut self, filled: &[u8]) -> Result<()>;
}

/// A pre-sized buffer: the plan gave the exact length.
pub(super) struct SliceOutput<'a> {
    pub(super) buf: &'a mut [u8],
    pub(super) pos: usize,
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
pub(super) fn overrun() -> Error {
    ErrorKind::Custom("the value serialized more data in the second pass than in the first; its Serialize impl is not deterministic".into()).into()
}

/// A fixed chunk in front of an `io::Write`.
pub(super) struct IoOutput<W> {
    pub(super) writer: W,
    pub(super) buf: Box<[u8]>,
    pub(super) pos: usize,
    /// Every byte of `buf` from `pos` on is zero. Reserved records then need
    /// no clearing of their own: the chunk is cleared at most once per fill,
    /// at the first record after it was written out.
    pub(super) zeroed: bool,
}

impl<W: Write> IoOutput<W> {
    pub(super) fn flush(mut self) -> Result<()> {
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

/// A chunk of output lent to one sequence of plain numbers. Behind
/// `&mut Output` the cursor is a field the compiler must reload after every
/// element (the stored bytes might alias it); here it is a local of the
/// sequence's loop and stays in a register.
pub(super) struct RunOutput<'w, S> {
    pub(super) buf: &'w mut [u8],
    pub(super) pos: usize,
    pub(super) sink: &'w mut S,
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
