//! Growing a `.npy` file in place, row by row: [`Appender`].
//!
//! A layer above the codec: rows are checked and stored by the writer's own
//! emitter ([`crate::ser::emit_element`]) against the file's dtype, and the
//! header is rendered by the header writer ([`Preamble`]). NumPy (since
//! 1.24) leaves 21 characters of growth space for the growing axis, so the
//! header's length never changes and a flush rewrites it in place: the file
//! is then byte for byte what `np.save` writes for the whole array.
//!
//! Crash safety rests on one order: a row's bytes reach the file before the
//! header that counts it. Bytes past the counted rows (a batch written but
//! not yet counted when the process died) are never read as rows, and the
//! next flush cuts them off.

use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom, Write};

use serde::{Serialize, Serializer};

use crate::dtype::MAX_DIMS;
use crate::dtype::{ByteOrder, Dtype, LeafKind};
use crate::error::{shape_repr, Error, ErrorKind, Result};
use crate::header::{Header, Preamble, ReadOptions};
use crate::ser::{element_kind, element_layout, emit_element};

/// Default size of the buffer rows are gathered in before they are written.
const DEFAULT_BUFFER: usize = 64 * 1024;

/// What an [`Appender`] needs of its file besides `Read + Write + Seek`:
/// cutting it to a length, to drop bytes past the rows the header counts
/// (a torn append), and forcing written data to storage when
/// [`AppendOptions::sync`] asks for it.
///
/// Implemented for [`File`], `&File`, `Cursor<Vec<u8>>` and
/// `Cursor<&mut Vec<u8>>`, and through `&mut T` and `Box<T>`. Another type
/// implements it in a few lines:
///
/// ```
/// use std::io::{self, Cursor, Read, Seek, SeekFrom, Write};
///
/// /// A file in memory that counts the syncs asked of it.
/// struct Counted(Cursor<Vec<u8>>, usize);
///
/// impl Read for Counted {
///     fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> { self.0.read(buf) }
/// }
/// impl Write for Counted {
///     fn write(&mut self, buf: &[u8]) -> io::Result<usize> { self.0.write(buf) }
///     fn flush(&mut self) -> io::Result<()> { Ok(()) }
/// }
/// impl Seek for Counted {
///     fn seek(&mut self, to: SeekFrom) -> io::Result<u64> { self.0.seek(to) }
/// }
/// impl serde_npy::AppendFile for Counted {
///     fn set_len(&mut self, len: u64) -> io::Result<()> {
///         serde_npy::AppendFile::set_len(&mut self.0, len)
///     }
///     fn sync_data(&mut self) -> io::Result<()> {
///         self.1 += 1;
///         Ok(())
///     }
/// }
///
/// let file = Counted(Cursor::new(Vec::new()), 0);
/// let mut rows = serde_npy::AppendOptions::new().sync(true).create(file)?;
/// rows.append(&1.5f64)?;
/// let before = rows.get_ref().1;
/// let file = rows.finish()?;
/// assert_eq!(file.1 - before, 2); // before the header that counts the row, and after it
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub trait AppendFile: Read + Write + Seek {
    /// Sets the file's length to `len` bytes, as [`File::set_len`] does.
    fn set_len(&mut self, len: u64) -> io::Result<()>;

    /// Forces the data written so far to durable storage, as
    /// [`File::sync_data`] does. Called only when [`AppendOptions::sync`] is
    /// on; the default does nothing.
    fn sync_data(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl AppendFile for File {
    fn set_len(&mut self, len: u64) -> io::Result<()> {
        File::set_len(self, len)
    }
    fn sync_data(&mut self) -> io::Result<()> {
        File::sync_data(self)
    }
}

impl AppendFile for &File {
    fn set_len(&mut self, len: u64) -> io::Result<()> {
        File::set_len(self, len)
    }
    fn sync_data(&mut self) -> io::Result<()> {
        File::sync_data(self)
    }
}

fn vec_set_len(v: &mut Vec<u8>, len: u64) -> io::Result<()> {
    let len = usize::try_from(len).map_err(|_| {
        io::Error::new(io::ErrorKind::InvalidInput, "length does not fit in memory")
    })?;
    v.resize(len, 0);
    Ok(())
}

impl AppendFile for Cursor<Vec<u8>> {
    fn set_len(&mut self, len: u64) -> io::Result<()> {
        vec_set_len(self.get_mut(), len)
    }
}

impl AppendFile for Cursor<&mut Vec<u8>> {
    fn set_len(&mut self, len: u64) -> io::Result<()> {
        vec_set_len(self.get_mut(), len)
    }
}

impl<T: AppendFile + ?Sized> AppendFile for &mut T {
    fn set_len(&mut self, len: u64) -> io::Result<()> {
        (**self).set_len(len)
    }
    fn sync_data(&mut self) -> io::Result<()> {
        (**self).sync_data()
    }
}

impl<T: AppendFile + ?Sized> AppendFile for Box<T> {
    fn set_len(&mut self, len: u64) -> io::Result<()> {
        (**self).set_len(len)
    }
    fn sync_data(&mut self) -> io::Result<()> {
        (**self).sync_data()
    }
}

/// How an [`Appender`] starts: the row type of a new file, durability, the
/// buffer size and the header limits used when opening a file.
///
/// ```
/// use std::io::Cursor;
/// use serde_npy::{AppendOptions, Dtype};
///
/// // Rows of a record with a string of up to 16 characters, fixed up
/// // front: the first row need not be the longest.
/// let dtype: Dtype = "[('t', '<f8'), ('msg', '<U16')]".parse()?;
/// let mut log = AppendOptions::new().dtype(dtype).create(Cursor::new(Vec::new()))?;
/// log.append(&(0.5f64, "start"))?;
/// log.append(&(1.5f64, "a longer message"))?;
/// assert_eq!(log.len(), 2);
/// # Ok::<(), serde_npy::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct AppendOptions {
    dtype: Option<Dtype>,
    row_shape: Vec<usize>,
    sync: bool,
    buffer: usize,
    read: ReadOptions,
}

impl Default for AppendOptions {
    fn default() -> Self {
        AppendOptions {
            dtype: None,
            row_shape: Vec::new(),
            sync: false,
            buffer: DEFAULT_BUFFER,
            read: ReadOptions::default(),
        }
    }
}

impl AppendOptions {
    /// The defaults: the first row fixes the row type of a new file, no
    /// syncs, a 64 KiB buffer, [`ReadOptions`]' default limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// The dtype of every row, instead of the first row's.
    ///
    /// For [`create`](AppendOptions::create): the new file holds an empty
    /// array of this dtype at once, and strings get this width rather than
    /// the first row's. For [`open`](AppendOptions::open): the file must hold
    /// rows of exactly this dtype and [`row_shape`](AppendOptions::row_shape),
    /// a guard against appending to the wrong file.
    pub fn dtype(mut self, dtype: Dtype) -> Self {
        self.dtype = Some(dtype);
        self
    }

    /// The axes of one row (default: none, a row is one element), used with
    /// [`dtype`](AppendOptions::dtype): `[3]` for rows of three numbers.
    pub fn row_shape(mut self, shape: Vec<usize>) -> Self {
        self.row_shape = shape;
        self
    }

    /// Whether a flush forces the rows to storage before writing the header
    /// that counts them, and the header after (with
    /// [`AppendFile::sync_data`]). Off by default: without it, a killed
    /// process still leaves a complete file (the operating system keeps
    /// what was written); with it, so does a power cut, at the cost of two
    /// syncs per flush.
    pub fn sync(mut self, sync: bool) -> Self {
        self.sync = sync;
        self
    }

    /// Bytes of rows gathered before they are written to the file (default
    /// 64 KiB). Rows are written in one call per buffer; the header only on
    /// a flush.
    pub fn buffer_size(mut self, bytes: usize) -> Self {
        self.buffer = bytes;
        self
    }

    /// Limits for reading the header of a file being opened.
    pub fn read_options(mut self, opts: ReadOptions) -> Self {
        self.read = opts;
        self
    }

    /// Starts a new array in `file`, which must be empty; see
    /// [`Appender::create`].
    pub fn create<F: AppendFile>(&self, file: F) -> Result<Appender<F>> {
        let rows = match &self.dtype {
            Some(d) => Some(Rows::new(d.clone(), self.row_shape.clone(), false)?),
            None => None,
        };
        self.start(file, rows)
    }

    /// Continues the array in `file`; see [`Appender::open`].
    pub fn open<F: AppendFile>(&self, mut file: F) -> Result<Appender<F>> {
        file.seek(SeekFrom::Start(0))?;
        let header = Header::from_reader_with(&mut file, &self.read)?;
        let physical = file.seek(SeekFrom::End(0))?;
        let (count, rows) = self.file_rows(&header)?;
        let data_len = header.data_len()?;
        let data_end = (header.data_offset as u64)
            .checked_add(data_len as u64)
            .ok_or_else(|| overflow(&header.dtype, &header.shape))?;
        if physical < data_end {
            return Err(ErrorKind::DataLength {
                shape: shape_repr(&header.shape),
                descr: header.dtype.to_string(),
                expected: data_len as u64,
                found: physical.saturating_sub(header.data_offset as u64),
            }
            .into());
        }
        let preamble = Preamble::new(&header.dtype, &header.shape, header.fortran_order);
        let needed = preamble.len();
        let Some(preamble) = preamble.with_len(header.data_offset) else {
            return Err(ErrorKind::NoGrowthRoom {
                data_offset: header.data_offset as u64,
                needed: needed as u64,
            }
            .into());
        };
        // A header that is not already the one a flush writes (another
        // writer's text or padding) is rewritten at the first flush.
        let mut ours = vec![0u8; preamble.len()];
        preamble.write(&mut ours);
        let mut theirs = vec![0u8; header.data_offset];
        file.seek(SeekFrom::Start(0))?;
        file.read_exact(&mut theirs)?;
        let mut app = self.appender(file, Some(rows), header.data_offset, count, data_end);
        app.header_dirty = ours != theirs;
        Ok(app)
    }

    /// Copies the array in `src` into `dst`, which must be empty, under a
    /// header with NumPy's growth space, and continues it there; see
    /// [`Appender::open_copy`].
    pub fn open_copy<R: Read, F: AppendFile>(&self, mut src: R, dst: F) -> Result<Appender<F>> {
        let header = Header::from_reader_with(&mut src, &self.read)?;
        let (count, rows) = self.file_rows(&header)?;
        let data_len = header.data_len()?;
        let mut app = self.start(dst, Some(rows))?;
        let start = app.data_offset as u64;
        let end = start
            .checked_add(data_len as u64)
            .ok_or_else(|| overflow(&header.dtype, &header.shape))?;
        let file = app.file_mut()?;
        file.seek(SeekFrom::Start(start))?;
        let copied = io::copy(&mut (&mut src).take(data_len as u64), file)?;
        if copied < data_len as u64 {
            return Err(ErrorKind::DataLength {
                shape: shape_repr(&header.shape),
                descr: header.dtype.to_string(),
                expected: data_len as u64,
                found: copied,
            }
            .into());
        }
        app.file_end = end;
        app.len = count;
        app.flush()?;
        Ok(app)
    }

    /// The growing axis's length and the row layout of a parsed file,
    /// checked against the options' row type when one is given.
    fn file_rows(&self, header: &Header) -> Result<(usize, Rows)> {
        let axis = if header.fortran_order {
            header.shape.len().checked_sub(1)
        } else if header.shape.is_empty() {
            None
        } else {
            Some(0)
        };
        let Some(axis) = axis else {
            return Err(ErrorKind::NotAppendable {
                reason: format!(
                    "the file holds a 0-d array (shape (), dtype {}), which has no axis to grow",
                    header.dtype
                ),
            }
            .into());
        };
        let mut row_shape = header.shape.clone();
        let count = row_shape.remove(axis);
        if let Some(d) = &self.dtype {
            if *d != header.dtype || self.row_shape != row_shape {
                return Err(ErrorKind::NotAppendable {
                    reason: format!(
                        "the file holds rows of {}, but the options state rows of {}; open it without `AppendOptions::dtype` to take the file's rows as they are",
                        describe(&header.dtype, &row_shape),
                        describe(d, &self.row_shape)
                    ),
                }
                .into());
            }
        }
        Ok((
            count,
            Rows::new(header.dtype.clone(), row_shape, header.fortran_order)?,
        ))
    }

    /// An appender on an empty `file`, whose header (for no rows) is written
    /// at once, so that the file is a valid `.npy` from the start.
    fn start<F: AppendFile>(&self, mut file: F, rows: Option<Rows>) -> Result<Appender<F>> {
        let len = file.seek(SeekFrom::End(0))?;
        if len != 0 {
            return Err(ErrorKind::NotAppendable {
                reason: format!(
                    "the file is not empty ({len} bytes), and a new array starts in an empty file; continue the array in it with `Appender::open`, or empty it first (`File::create` does)"
                ),
            }
            .into());
        }
        let data_offset = match &rows {
            Some(r) => r.preamble(0).len(),
            None => placeholder(0).len(),
        };
        let mut app = self.appender(file, rows, data_offset, 0, data_offset as u64);
        app.header_dirty = true;
        app.flush()?;
        Ok(app)
    }

    fn appender<F: AppendFile>(
        &self,
        file: F,
        rows: Option<Rows>,
        data_offset: usize,
        len: usize,
        file_end: u64,
    ) -> Appender<F> {
        Appender {
            file: Some(file),
            rows,
            data_offset,
            len,
            on_disk: len,
            file_end,
            header_dirty: false,
            buf: Vec::new(),
            pos: 0,
            cap: self.buffer.max(1),
            scratch: Vec::new(),
            sync: self.sync,
            number_limits: [0; NUMBER_SLOTS],
        }
    }
}

/// Grows a `.npy` file in place, row by row, so that after every
/// [`flush`](Appender::flush) it is exactly what `np.save` writes for all
/// the rows appended so far.
///
/// ```
/// use std::io::Cursor;
///
/// let mut rows = serde_npy::Appender::create(Cursor::new(Vec::new()))?;
/// rows.append(&[1.0f32, 2.0, 3.0])?;
/// rows.extend([[4.0f32, 5.0, 6.0], [7.0, 8.0, 9.0]])?;
/// assert_eq!(rows.len(), 3);
/// let file = rows.finish()?.into_inner();
///
/// let all = vec![[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]];
/// assert_eq!(file, serde_npy::to_vec(&all)?); // and np.save(np.array(all, 'f4'))
/// # Ok::<(), serde_npy::Error>(())
/// ```
///
/// # Rows
///
/// A row is one element of the growing axis: axis 0 in C order, so a number
/// for a 1-D array, a `[T; N]` or a length-`N` sequence for an `(n, N)`
/// array, a struct for a record array; the last axis in Fortran order
/// (NumPy's rule), so a row of an `(N, n)` Fortran-order file is a column of
/// `N` numbers, and a row of an `(A, B, n)` one is an `A × B` value given in
/// logical order (`[[T; B]; A]`), which the appender lays out column-major.
///
/// The first row fixes the dtype and row shape of a new file (as `to_vec`
/// of a slice holding it would); [`AppendOptions::dtype`] fixes them up
/// front instead. Every later row, and every row appended to an existing
/// file, must have exactly that dtype and row shape: no casting (an `i32`
/// row in an `'<i8'` file is an error), and strings must fit the file's
/// `U`/`S` width. A row that does not fit is an
/// [`ErrorKind::RowMismatch`], and nothing of it is written.
///
/// Rows are stored by the crate's own writer, so a file can grow by what the
/// crate can write: numbers, `f16`, complex, strings, bytes and records of
/// them. A file of big-endian or mixed byte order gets its rows in its own
/// byte order. `datetime64` and void dtypes are read but never written, so
/// a file of them can be opened and counted, but no row fits.
///
/// # Writing and crash safety
///
/// Rows are gathered in a buffer (64 KiB by default, see
/// [`AppendOptions::buffer_size`]) and written in one call per buffer;
/// `append` allocates nothing per row. The header is rewritten only by
/// [`flush`](Appender::flush), [`finish`](Appender::finish) and drop, after
/// the rows it counts are in the file. So a process killed at any moment
/// leaves a file that `np.load` reads, holding a prefix of the rows: at
/// least every row of the last completed flush. Bytes past the rows the
/// header counts (rows written but not yet counted) are never read as rows;
/// the next flush cuts them off. [`AppendOptions::sync`] adds the syncs
/// that extend this to power cuts.
///
/// Dropping an appender flushes it, as dropping a `BufWriter` does, and
/// ignores errors; call [`finish`](Appender::finish) to see them.
///
/// The file must be open for reading and writing, and not in append mode
/// (where every write goes to the end: the first header rewrite reports
/// it). See [`AppendFile`] for the types it can be.
pub struct Appender<F: AppendFile> {
    /// `None` only once `finish` has taken it.
    file: Option<F>,
    /// `None` for a new file before its first row, when the header on disk
    /// is the placeholder of an empty `'<f8'` array.
    rows: Option<Rows>,
    /// Length of the preamble: where the data starts. It never changes once
    /// a row type is known.
    data_offset: usize,
    /// Rows appended: in the file or in the buffer.
    len: usize,
    /// Rows the header on disk counts.
    on_disk: usize,
    /// Where the buffer's bytes go in the file: the end of the rows written.
    file_end: u64,
    /// The header on disk must be rewritten even if `len == on_disk`.
    header_dirty: bool,
    /// `cap + row_bytes` long once the first row is stored (empty before),
    /// so that a row always fits after `pos`; zero past `pos` unless the
    /// rows are plain numbers.
    buf: Vec<u8>,
    pos: usize,
    /// The buffer is written out once `pos` reaches it.
    cap: usize,
    /// One row in logical order, for Fortran-order rows of several axes.
    scratch: Vec<u8>,
    sync: bool,
    /// For each number kind ([`number_slot`]), rows that are that number go
    /// through `append`'s number path while `pos` is below this: zero but
    /// for the file's kind when its rows are one plain number (see `arm`).
    number_limits: [usize; NUMBER_SLOTS],
}

/// The layout of every row of a file.
#[derive(Debug)]
struct Rows {
    /// The file's dtype.
    dtype: Dtype,
    /// The dtype rows are stored with: the file's, all little-endian (the
    /// emitter stores numbers little-endian; [`to_file_order`] swaps the
    /// file's big-endian parts afterwards).
    emit: Dtype,
    /// The axes of one row, in logical order.
    shape: Vec<usize>,
    fortran: bool,
    /// Bytes of one row.
    bytes: usize,
    /// What the emitter takes a row's elements to be (`element_kind`).
    kind: LeafKind,
    /// Every byte of a row is a number the emitter stores, so the buffer
    /// needs no zeroing.
    dense: bool,
    /// Rows are stored as the emitter stores them: no swap, no column-major
    /// layout.
    plain: bool,
    /// The file's dtype has big-endian parts.
    swap: bool,
    /// Fortran order and more than one axis of the row longer than 1: the
    /// row is stored column-major, and these are the strides (in elements)
    /// of its axes there.
    column_major: Option<Vec<usize>>,
}

impl Rows {
    fn new(dtype: Dtype, shape: Vec<usize>, fortran: bool) -> Result<Rows> {
        if shape.len() >= MAX_DIMS {
            return Err(ErrorKind::Unsupported {
                what: "an array of more than 64 dimensions",
                hint: "NumPy arrays have at most 64",
            }
            .into());
        }
        let bytes = shape
            .iter()
            .try_fold(dtype.itemsize(), |a, &d| a.checked_mul(d))
            .ok_or_else(|| overflow(&dtype, &shape))?;
        let column_major = (fortran
            && dtype.itemsize() > 0
            && shape.iter().filter(|&&d| d > 1).count() > 1)
            .then(|| {
                let mut strides = Vec::with_capacity(shape.len());
                let mut s = 1usize;
                for &d in &shape {
                    strides.push(s);
                    // No overflow: the product of the axes is checked above.
                    s = s.saturating_mul(d);
                }
                strides
            });
        let emit = dtype.with_byte_order(ByteOrder::Little);
        let swap = has_big_endian(&dtype);
        Ok(Rows {
            kind: element_kind(&emit, &shape),
            dense: LeafKind::of(&emit) != LeafKind::Other,
            plain: !swap && column_major.is_none(),
            swap,
            emit,
            dtype,
            shape,
            fortran,
            bytes,
            column_major,
        })
    }

    /// The whole array's shape for `count` rows.
    fn array_shape(&self, count: usize) -> Vec<usize> {
        let mut shape = self.shape.clone();
        if self.fortran {
            shape.push(count);
        } else {
            shape.insert(0, count);
        }
        shape
    }

    /// The header `np.save` writes for `count` rows.
    fn preamble(&self, count: usize) -> Preamble {
        Preamble::new(&self.dtype, &self.array_shape(count), self.fortran)
    }
}

/// The header of `to_vec(&Vec::<T>::new())` (and `np.save(np.array([]))`):
/// what a new file without a row type holds until its first row.
fn placeholder(count: usize) -> Preamble {
    Preamble::new(&Dtype::F64(ByteOrder::Little), &[count], false)
}

impl<F: AppendFile> Appender<F> {
    /// Starts a new array of unknown length in `file`, which must be empty
    /// (a non-empty file is refused, never overwritten: continue it with
    /// [`open`](Appender::open)).
    ///
    /// The file holds an empty array at once: `'<f8'` of shape `(0,)`, as
    /// [`to_vec`](crate::to_vec) writes an empty `Vec` and `np.save` writes
    /// `np.array([])`, until the first row fixes the dtype and row shape.
    /// [`AppendOptions::dtype`] fixes them up front instead.
    ///
    /// ```no_run
    /// let file = std::fs::File::options()
    ///     .read(true)
    ///     .write(true)
    ///     .create_new(true)
    ///     .open("samples.npy")?;
    /// let mut samples = serde_npy::Appender::create(file)?;
    /// for i in 0..1000u32 {
    ///     samples.append(&(i as f32).sin())?;
    /// }
    /// samples.finish()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn create(file: F) -> Result<Appender<F>> {
        AppendOptions::new().create(file)
    }

    /// Continues the array in `file`: one written by `np.save`, by this
    /// crate, or by any writer `np.load` reads, with the file's dtype, row
    /// shape, memory order and byte order.
    ///
    /// Bytes past the rows the header counts (a torn append) are cut off at
    /// the first flush. A header without room for a longer growing axis
    /// (NumPy < 1.24 and some other writers leave none) is an
    /// [`ErrorKind::NoGrowthRoom`], and the file is left untouched: moving
    /// the data to make room cannot be done in place without a moment where
    /// a crash loses rows, so the fix is a copy,
    /// [`open_copy`](Appender::open_copy), renamed over the original. A
    /// header longer than `np.save`'s keeps its length: its padding grows,
    /// and the file then differs from `np.save`'s only there.
    ///
    /// ```
    /// use std::io::Cursor;
    ///
    /// let file = Cursor::new(serde_npy::to_vec(&vec![[1u8, 2], [3, 4]])?);
    /// let mut rows = serde_npy::Appender::open(file)?;
    /// assert_eq!((rows.len(), rows.row_shape()), (2, Some(&[2][..])));
    /// rows.append(&[5u8, 6])?;
    /// assert!(rows.append(&[7u8, 8, 9]).is_err()); // rows have two elements
    /// let file = rows.finish()?.into_inner();
    /// assert_eq!(file, serde_npy::to_vec(&vec![[1u8, 2], [3, 4], [5, 6]])?);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn open(file: F) -> Result<Appender<F>> {
        AppendOptions::new().open(file)
    }

    /// Copies the array in `src` (from its start) into `dst`, which must be
    /// empty, under the header `np.save` writes, and continues it there:
    /// the way to grow a file whose header has no room
    /// ([`ErrorKind::NoGrowthRoom`]), without ever touching it. Rename the
    /// copy over the original once it is finished (or at once: the copy is
    /// complete when this returns).
    ///
    /// ```
    /// use std::io::Cursor;
    ///
    /// // An old-style file: a header with no spare space for more digits.
    /// let mut old = b"\x93NUMPY\x01\x00\x46\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }".to_vec();
    /// old.resize(79, b' ');
    /// old.push(b'\n');
    /// old.extend([1.0f32, 2.0].iter().flat_map(|x| x.to_le_bytes()));
    /// let err = serde_npy::Appender::open(Cursor::new(old.clone())).err().unwrap();
    /// assert!(matches!(err.kind(), serde_npy::ErrorKind::NoGrowthRoom { .. }));
    ///
    /// let mut rows = serde_npy::Appender::open_copy(&old[..], Cursor::new(Vec::new()))?;
    /// rows.append(&3.0f32)?;
    /// let new = rows.finish()?.into_inner();
    /// assert_eq!(new, serde_npy::to_vec(&[1.0f32, 2.0, 3.0])?);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn open_copy<R: Read>(src: R, dst: F) -> Result<Appender<F>> {
        AppendOptions::new().open_copy(src, dst)
    }

    /// Rows appended so far: the length of the growing axis once flushed.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no row has been appended (nor was in the file opened).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The dtype of every row; `None` for a new file before its first row
    /// (unless [`AppendOptions::dtype`] gave it).
    pub fn dtype(&self) -> Option<&Dtype> {
        self.rows.as_ref().map(|r| &r.dtype)
    }

    /// The axes of one row (`[]` when a row is one element); `None` when
    /// [`dtype`](Appender::dtype) is.
    pub fn row_shape(&self) -> Option<&[usize]> {
        self.rows.as_ref().map(|r| &r.shape[..])
    }

    /// Whether the file is in Fortran order, growing along its last axis.
    pub fn fortran_order(&self) -> bool {
        self.rows.as_ref().is_some_and(|r| r.fortran)
    }

    /// The file. Rows appended since the last flush may not be in it yet.
    pub fn get_ref(&self) -> &F {
        // Invariant: `file` is `None` only once `finish` has taken it, and
        // `finish` consumes the appender.
        self.file
            .as_ref()
            .expect("the file is present until finish")
    }

    /// Appends one row; see [Rows](Appender#rows) for what fits.
    ///
    /// On an error the row is not appended, and the file is as it was.
    ///
    /// ```
    /// use std::io::Cursor;
    ///
    /// #[derive(serde::Serialize)]
    /// struct Hit {
    ///     x: f32,
    ///     y: f32,
    ///     energy: f64,
    /// }
    ///
    /// let mut hits = serde_npy::Appender::create(Cursor::new(Vec::new()))?;
    /// hits.append(&Hit { x: 0.5, y: 1.0, energy: 13.6 })?;
    /// assert_eq!(hits.dtype().unwrap().to_string(), "[('x', '<f4'), ('y', '<f4'), ('energy', '<f8')]");
    /// let err = hits.append(&(0.5f32, 1.0f32)).unwrap_err();
    /// assert!(matches!(err.kind(), serde_npy::ErrorKind::RowMismatch { index: 1, .. }));
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    #[inline]
    pub fn append<T: Serialize + ?Sized>(&mut self, row: &T) -> Result<()> {
        // Rows that are one plain number of the file's dtype: stored straight
        // into the buffer, without the emitter, while there is room left
        // after them (see `arm`). Anything else is refused at once and goes
        // the general way.
        let number = NumberRow {
            buf: &mut self.buf,
            pos: &mut self.pos,
            limits: &self.number_limits,
        };
        if row.serialize(number).is_ok() {
            self.len += 1;
            return Ok(());
        }
        // Inline only the common case: a row stored as the emitter stores it,
        // with room left in the buffer after it.
        if let Some(rows) = &self.rows {
            if rows.plain {
                let start = self.pos;
                let end = start.saturating_add(rows.bytes);
                if end < self.cap {
                    if let Some(dst) = self.buf.get_mut(start..end) {
                        return match emit_element(row, &rows.emit, &rows.shape, rows.kind, dst) {
                            Ok(()) => {
                                self.pos = end;
                                self.len += 1;
                                Ok(())
                            }
                            Err(e) => Err(self.refuse(row, e, start)),
                        };
                    }
                }
            }
        }
        self.append_slow(row)
    }

    /// [`append`](Appender::append) in every case: the first row of a new
    /// file, a buffer to allocate or to write out, rows to lay out
    /// column-major or to byte-swap.
    #[inline(never)]
    fn append_slow<T: Serialize + ?Sized>(&mut self, row: &T) -> Result<()> {
        let r = self.append_general(row);
        self.arm();
        r
    }

    /// Sets up `append`'s path for rows that are one plain number: on when
    /// the file's rows are one number stored as the emitter stores it (no
    /// swap, no axes) and the buffer is allocated, for that number's kind
    /// only. The limit leaves room after the row, so that the row that
    /// fills the buffer takes the path that writes it out; it also keeps
    /// every row the path stores within the buffer, which [`NumberRow`]
    /// relies on.
    fn arm(&mut self) {
        self.number_limits = [0; NUMBER_SLOTS];
        let Some(rows) = &self.rows else {
            return;
        };
        if !rows.plain || !rows.shape.is_empty() {
            return;
        }
        let Some((slot, width)) = number_slot(rows.kind) else {
            return;
        };
        if width != rows.bytes {
            return;
        }
        // `buf.len() - width` is what `NumberRow::put` needs; `cap - width`
        // is the tighter one while the buffer is `cap + width` long.
        self.number_limits[slot] = self
            .cap
            .saturating_sub(width)
            .min(self.buf.len().saturating_sub(width));
    }

    fn append_general<T: Serialize + ?Sized>(&mut self, row: &T) -> Result<()> {
        let Some(rows) = &self.rows else {
            return self.append_first(row);
        };
        let n = rows.bytes;
        let start = self.pos;
        let end = start.saturating_add(n);
        // Invariant: `pos < cap` and the buffer, once allocated, is
        // `cap + n` long (`cap + n` was checked not to overflow).
        let Some(dst) = self.buf.get_mut(start..end) else {
            return self.append_allocating(row);
        };
        let stored = if rows.plain {
            emit_element(row, &rows.emit, &rows.shape, rows.kind, dst)
        } else {
            store(rows, &mut self.scratch, row, dst)
        };
        if let Err(e) = stored {
            return Err(self.refuse(row, e, start));
        }
        if end >= self.cap {
            if let Err(e) = self.write_buffer(end) {
                self.clear_row(start);
                return Err(e);
            }
        } else {
            self.pos = end;
        }
        self.len += 1;
        Ok(())
    }

    /// Clears what a row not appended left in the buffer at `start`.
    #[cold]
    fn clear_row(&mut self, start: usize) {
        if let Some(rows) = &self.rows {
            if !rows.dense {
                if let Some(dst) = self.buf.get_mut(start..start.saturating_add(rows.bytes)) {
                    dst.fill(0);
                }
            }
        }
    }

    /// The error for a row the emitter refused at `start` of the buffer,
    /// which is cleared.
    #[cold]
    #[inline(never)]
    fn refuse<T: Serialize + ?Sized>(&mut self, row: &T, e: Error, start: usize) -> Error {
        self.clear_row(start);
        self.mismatch(row, e)
    }

    /// Appends every row of `rows`; see [`append`](Appender::append).
    ///
    /// All or nothing: on an error no row of `rows` is appended (the error
    /// names the row's index along the growing axis), and the file's array
    /// is as it was.
    ///
    /// ```
    /// use std::io::Cursor;
    ///
    /// let mut names = serde_npy::AppendOptions::new()
    ///     .dtype("<U5".parse()?)
    ///     .create(Cursor::new(Vec::new()))?;
    /// names.extend(["ada", "grace"])?;
    /// let err = names.extend(["alan", "barbara"]).unwrap_err(); // 7 > 5 characters
    /// assert!(matches!(err.kind(), serde_npy::ErrorKind::RowMismatch { index: 3, .. }));
    /// assert_eq!(names.len(), 2);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn extend<I>(&mut self, rows: I) -> Result<()>
    where
        I: IntoIterator,
        I::Item: Serialize,
    {
        let mark = Mark {
            len: self.len,
            pos: self.pos,
            file_end: self.file_end,
            typed: self.rows.is_some(),
            data_offset: self.data_offset,
            header_dirty: self.header_dirty,
        };
        let mut rows = rows.into_iter();
        if self.rows.is_none() {
            // The first row fixes the layout the rest may be copied in.
            match rows.next() {
                Some(first) => {
                    if let Err(e) = self.append(&first) {
                        self.roll_back(mark);
                        return Err(e);
                    }
                }
                None => return Ok(()),
            }
        }
        // A slice of plain numbers (or of rows of up to four of them) whose
        // layout is the file's: copied whole, as `to_vec` copies it.
        if let Some(slice) = crate::bulk::number_bytes(&rows) {
            if self.bulk_fits(&slice) {
                let r = self.append_bytes(slice.bytes, slice.len);
                if r.is_err() {
                    self.roll_back(mark);
                }
                return r;
            }
        }
        for row in rows {
            if let Err(e) = self.append(&row) {
                self.roll_back(mark);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Writes the rows appended so far, then the header that counts them:
    /// the file is then a complete `.npy`, byte-identical to `np.save` of
    /// the whole array and to [`to_vec`](crate::to_vec) of all its rows.
    /// Bytes past the rows (a torn append found by `open`) are cut off.
    ///
    /// ```
    /// use std::io::Cursor;
    ///
    /// let mut rows = serde_npy::Appender::create(Cursor::new(Vec::new()))?;
    /// rows.extend([1i64, 2, 3])?;
    /// rows.flush()?;
    /// let now: Vec<i64> = serde_npy::from_slice(rows.get_ref().get_ref())?;
    /// assert_eq!(now, [1, 2, 3]);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn flush(&mut self) -> Result<()> {
        if self.pos > 0 {
            self.write_buffer(self.pos)?;
        }
        let header = if self.len != self.on_disk || self.header_dirty {
            let mut bytes = vec![0u8; self.data_offset];
            self.header(self.len)?.write(&mut bytes);
            Some(bytes)
        } else {
            None
        };
        let (sync, file_end) = (self.sync, self.file_end);
        let file = self.file_mut()?;
        if file.seek(SeekFrom::End(0))? > file_end {
            file.set_len(file_end)?;
        }
        if let Some(bytes) = &header {
            // The rows reach storage before the header that counts them.
            if sync {
                file.sync_data()?;
            }
            file.seek(SeekFrom::Start(0))?;
            file.write_all(bytes)?;
            if file.stream_position()? != bytes.len() as u64 {
                return Err(ErrorKind::NotAppendable {
                    reason: "the header written at the start of the file landed elsewhere: the file is open in append mode (`OpenOptions::append`), where every write goes to its end; open it with `.read(true).write(true)` and without `.append(true)`".into(),
                }
                .into());
            }
        }
        file.flush()?;
        if header.is_some() {
            if sync {
                file.sync_data()?;
            }
            self.on_disk = self.len;
            self.header_dirty = false;
        }
        Ok(())
    }

    /// Flushes, and returns the file.
    ///
    /// ```
    /// use std::io::Cursor;
    ///
    /// let mut rows = serde_npy::Appender::create(Cursor::new(Vec::new()))?;
    /// rows.append("first")?;
    /// let bytes = rows.finish()?.into_inner();
    /// assert_eq!(bytes, serde_npy::to_vec(&["first"])?);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn finish(mut self) -> Result<F> {
        self.flush()?;
        self.file.take().ok_or_else(finished)
    }

    fn file_mut(&mut self) -> Result<&mut F> {
        self.file.as_mut().ok_or_else(finished)
    }

    /// The header for `count` rows, at the file's header length.
    fn header(&self, count: usize) -> Result<Preamble> {
        let preamble = match &self.rows {
            Some(rows) => rows.preamble(count),
            None => placeholder(count),
        };
        let needed = preamble.len();
        preamble.with_len(self.data_offset).ok_or_else(|| {
            ErrorKind::NoGrowthRoom {
                data_offset: self.data_offset as u64,
                needed: needed as u64,
            }
            .into()
        })
    }

    /// Writes the first `upto` bytes of the buffer at the end of the rows
    /// in the file, and empties the buffer.
    fn write_buffer(&mut self, upto: usize) -> Result<()> {
        let at = self.file_end;
        let end = at.checked_add(upto as u64).ok_or_else(too_long)?;
        let file = self.file.as_mut().ok_or_else(finished)?;
        file.seek(SeekFrom::Start(at))?;
        // Invariant: `upto` is `pos` (below `cap`) or the end of a row stored
        // after it (at most `cap + row_bytes`, the buffer's length).
        file.write_all(&self.buf[..upto])?;
        self.file_end = end;
        if !self.rows.as_ref().map_or(true, |r| r.dense) {
            self.buf[..upto].fill(0);
        }
        self.pos = 0;
        Ok(())
    }

    /// Whether `slice` holds rows of exactly the file's layout, stored as the
    /// file stores them.
    fn bulk_fits(&self, slice: &crate::bulk::NumberSlice<'_>) -> bool {
        let Some(rows) = &self.rows else {
            return false;
        };
        let dims = match rows.shape[..] {
            [] => [slice.len, 0],
            [n] => [slice.len, n],
            _ => return false,
        };
        rows.plain
            && LeafKind::of(&rows.dtype) == slice.kind
            && slice.has_dims(&dims[..1 + rows.shape.len()])
    }

    /// Appends `count` rows given as the file's bytes: through the buffer,
    /// and what fills whole buffers straight to the file.
    fn append_bytes(&mut self, mut bytes: &[u8], count: usize) -> Result<()> {
        let n = self.rows.as_ref().map_or(0, |r| r.bytes);
        if self.buf.len() < self.cap + n {
            // Rows of at most four numbers: `cap + n` cannot overflow.
            self.buf = zeroed(self.cap + n)?;
            self.pos = 0;
            self.arm();
        }
        while !bytes.is_empty() {
            if self.pos == 0 && bytes.len() >= self.cap {
                let at = self.file_end;
                let end = at.checked_add(bytes.len() as u64).ok_or_else(too_long)?;
                let file = self.file_mut()?;
                file.seek(SeekFrom::Start(at))?;
                file.write_all(bytes)?;
                self.file_end = end;
                break;
            }
            let k = (self.cap - self.pos).min(bytes.len());
            self.buf[self.pos..self.pos + k].copy_from_slice(&bytes[..k]);
            self.pos += k;
            bytes = &bytes[k..];
            if self.pos >= self.cap {
                self.write_buffer(self.pos)?;
            }
        }
        self.len += count;
        Ok(())
    }

    /// `append` before the buffer is allocated for the row type.
    #[cold]
    #[inline(never)]
    fn append_allocating<T: Serialize + ?Sized>(&mut self, row: &T) -> Result<()> {
        let Some(rows) = &self.rows else {
            return self.append_first(row);
        };
        let (n, scratch) = (rows.bytes, rows.column_major.is_some());
        let size = self
            .cap
            .checked_add(n)
            .ok_or_else(|| overflow(&rows.dtype, &rows.shape))?;
        if self.buf.len() >= size {
            // Only reached if the buffer's invariant broke; never loop.
            return Err(ErrorKind::Custom("internal: row buffer out of step".into()).into());
        }
        if n > self.cap {
            // A header can claim rows of any size: allocate for one only if
            // this row has the file's row shape.
            let (dtype, shape) =
                element_layout(&ByRef(row)).map_err(|e| e.at_outer_index(self.len))?;
            if shape != rows.shape {
                return Err(ErrorKind::RowMismatch {
                    index: self.len as u64,
                    expected: describe(&rows.dtype, &rows.shape),
                    found: describe(&dtype, &shape),
                }
                .into());
            }
        }
        debug_assert_eq!(self.pos, 0);
        self.buf = zeroed(size)?;
        self.pos = 0;
        if scratch {
            self.scratch = zeroed(n)?;
        }
        self.append(row)
    }

    /// The first row of a new file without a row type: it fixes the dtype
    /// and row shape, as `to_vec` of a slice holding it would.
    #[cold]
    #[inline(never)]
    fn append_first<T: Serialize + ?Sized>(&mut self, row: &T) -> Result<()> {
        let (dtype, shape) = element_layout(&ByRef(row)).map_err(|e| e.at_outer_index(self.len))?;
        let rows = Rows::new(dtype, shape, false)?;
        // Every header is at least 128 bytes, the placeholder's length, so
        // this is `np.save`'s header; were it shorter, padding it keeps the
        // data clear of the placeholder still on disk.
        let data_offset = rows.preamble(0).len().max(self.data_offset);
        let before = (self.data_offset, self.file_end, self.header_dirty);
        self.rows = Some(rows);
        self.buf = Vec::new();
        self.scratch = Vec::new();
        self.pos = 0;
        self.arm();
        self.data_offset = data_offset;
        self.file_end = data_offset as u64;
        self.header_dirty = true;
        let r = self.append(row);
        if r.is_err() {
            self.rows = None;
            (self.data_offset, self.file_end, self.header_dirty) = before;
        }
        r
    }

    /// The error for a row that does not fit: what the file's rows are and
    /// what the row is, as `to_vec` would lay it out.
    #[cold]
    #[inline(never)]
    fn mismatch<T: Serialize + ?Sized>(&self, row: &T, e: Error) -> Error {
        let Some(rows) = &self.rows else {
            return e.at_index(self.len);
        };
        let found = match element_layout(&ByRef(row)) {
            Ok((dtype, shape)) => describe(&dtype, &shape),
            // The row cannot be stored at all (an Option, an enum): the
            // planner says why, and where within the row.
            Err(plan) => return plan.at_outer_index(self.len),
        };
        let expected = describe(&rows.dtype, &rows.shape);
        if found == expected {
            // It looks right, yet failed: its own error says why.
            return e.at_index(self.len);
        }
        ErrorKind::RowMismatch {
            index: self.len as u64,
            expected,
            found,
        }
        .into()
    }

    fn roll_back(&mut self, mark: Mark) {
        if !mark.typed && self.rows.is_some() {
            self.rows = None;
            self.buf = Vec::new();
            self.scratch = Vec::new();
            self.pos = 0;
            self.data_offset = mark.data_offset;
            self.header_dirty = mark.header_dirty;
            self.file_end = mark.file_end;
            self.len = mark.len;
            self.arm();
            return;
        }
        let dense = self.rows.as_ref().map_or(true, |r| r.dense);
        if self.file_end != mark.file_end {
            // The buffer was written out since: the rows that were in it
            // then are in the file now, and the rest is a tail past them.
            self.file_end = mark.file_end + mark.pos as u64;
            self.pos = 0;
            if !dense {
                self.buf.fill(0);
            }
        } else {
            if !dense {
                if let Some(added) = self.buf.get_mut(mark.pos..self.pos) {
                    added.fill(0);
                }
            }
            self.pos = mark.pos;
        }
        self.len = mark.len;
        self.arm();
    }
}

impl<F: AppendFile> Drop for Appender<F> {
    fn drop(&mut self) {
        if self.file.is_some() {
            let _ = self.flush();
        }
    }
}

impl<F: AppendFile + std::fmt::Debug> std::fmt::Debug for Appender<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Appender")
            .field("file", &self.file)
            .field("dtype", &self.dtype())
            .field("row_shape", &self.row_shape())
            .field("fortran_order", &self.fortran_order())
            .field("len", &self.len)
            .field("flushed", &self.on_disk)
            .finish()
    }
}

/// The state `extend` returns to on an error.
#[derive(Clone, Copy)]
struct Mark {
    len: usize,
    pos: usize,
    file_end: u64,
    typed: bool,
    data_offset: usize,
    header_dirty: bool,
}

/// Stores a row that needs more than the emitter: laid out column-major
/// (Fortran order), and/or swapped into the file's byte order.
fn store<T: Serialize + ?Sized>(
    rows: &Rows,
    scratch: &mut [u8],
    row: &T,
    dst: &mut [u8],
) -> Result<()> {
    let size = rows.dtype.itemsize();
    match &rows.column_major {
        None => emit_element(row, &rows.emit, &rows.shape, rows.kind, dst)?,
        Some(strides) => {
            let r = emit_element(row, &rows.emit, &rows.shape, rows.kind, scratch);
            if r.is_ok() {
                scatter(&rows.shape, strides, size, scratch, dst, 0);
            }
            if !rows.dense {
                scratch.fill(0);
            }
            r?
        }
    }
    if rows.swap && size > 0 {
        for item in dst.chunks_exact_mut(size) {
            to_file_order(&rows.dtype, item);
        }
    }
    Ok(())
}

/// Copies the elements of a row from `src`, in logical (C) order, to their
/// column-major places in `dst`; `strides` are each axis's stride there in
/// elements, `base` the element the current sub-block starts at.
fn scatter(
    shape: &[usize],
    strides: &[usize],
    size: usize,
    src: &[u8],
    dst: &mut [u8],
    base: usize,
) -> usize {
    // Returns how many bytes of `src` were consumed.
    match (shape.split_first(), strides.split_first()) {
        (Some((&n, inner)), Some((&stride, inner_strides))) => {
            let mut used = 0;
            for i in 0..n {
                used += scatter(
                    inner,
                    inner_strides,
                    size,
                    &src[used..],
                    dst,
                    base + i * stride,
                );
            }
            used
        }
        _ => {
            // Invariant: `src` and `dst` are one row each, and `base` is an
            // element of it (the strides are the row's column-major ones).
            dst[base * size..(base + 1) * size].copy_from_slice(&src[..size]);
            size
        }
    }
}

/// Swaps the big-endian parts of one element, stored little-endian by the
/// emitter, into the file's byte order.
fn to_file_order(dtype: &Dtype, item: &mut [u8]) {
    match dtype {
        Dtype::Record(r) => {
            for f in r.fields() {
                let size = f.dtype.itemsize();
                // Fields lie within the item (checked when the record was built).
                if let (true, Some(span)) = (size > 0, item.get_mut(f.offset..f.offset + f.size()))
                {
                    for element in span.chunks_exact_mut(size) {
                        to_file_order(&f.dtype, element);
                    }
                }
            }
        }
        d if d.byte_order() == Some(ByteOrder::Big) => {
            let unit = swap_unit(d);
            if unit > 1 {
                for part in item.chunks_exact_mut(unit) {
                    part.reverse();
                }
            }
        }
        _ => {}
    }
}

/// The size of the numbers a big-endian dtype is made of.
fn swap_unit(d: &Dtype) -> usize {
    match d {
        Dtype::C64(_) => 4,
        Dtype::C128(_) => 8,
        Dtype::Str(..) => 4,
        d => d.itemsize(),
    }
}

fn has_big_endian(d: &Dtype) -> bool {
    match d {
        Dtype::Record(r) => r.fields().iter().any(|f| has_big_endian(&f.dtype)),
        d => d.byte_order() == Some(ByteOrder::Big) && swap_unit(d) > 1,
    }
}

/// `len` zero bytes, or an error when they cannot be had.
fn zeroed(len: usize) -> Result<Vec<u8>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| {
        Error::from(ErrorKind::Custom(format!(
            "cannot allocate {len} bytes to buffer rows"
        )))
    })?;
    v.resize(len, 0);
    Ok(v)
}

/// `'<f4'`, or `shape (3,) of '<f4'`.
fn describe(dtype: &Dtype, shape: &[usize]) -> String {
    if shape.is_empty() {
        dtype.to_string()
    } else {
        format!("shape {} of {dtype}", shape_repr(shape))
    }
}

fn overflow(dtype: &Dtype, shape: &[usize]) -> Error {
    ErrorKind::ShapeOverflow {
        shape: shape_repr(shape),
        descr: dtype.to_string(),
    }
    .into()
}

#[cold]
fn too_long() -> Error {
    ErrorKind::Custom("the file would grow past 2^64 bytes".into()).into()
}

#[cold]
fn finished() -> Error {
    ErrorKind::Custom("internal: the appender's file was already taken by finish".into()).into()
}

/// The kinds [`NumberRow`] stores, one slot each.
const NUMBER_SLOTS: usize = 11;

/// The slot of a number kind among [`Appender::number_limits`], and its
/// width in bytes; `None` for kinds that are not one plain number.
fn number_slot(kind: LeafKind) -> Option<(usize, usize)> {
    Some(match kind {
        LeafKind::Bool => (0, 1),
        LeafKind::I8 => (1, 1),
        LeafKind::U8 => (2, 1),
        LeafKind::I16(_) => (3, 2),
        LeafKind::I32(_) => (4, 4),
        LeafKind::I64(_) => (5, 8),
        LeafKind::U16(_) => (6, 2),
        LeafKind::U32(_) => (7, 4),
        LeafKind::U64(_) => (8, 8),
        LeafKind::F32(_) => (9, 4),
        LeafKind::F64(_) => (10, 8),
        LeafKind::Other => return None,
    })
}

/// Stores a row that is one number, little-endian, at `pos` of the buffer
/// when that number's slot allows it; refuses anything else ([`NotNumber`])
/// and leaves it to the emitter, which stores it or says why not. The
/// check of the row's type is the slot: only the file's kind has a
/// non-zero limit. Accepts exactly what the emitter stores for that kind,
/// with the same bytes.
struct NumberRow<'a> {
    buf: &'a mut [u8],
    pos: &'a mut usize,
    limits: &'a [usize; NUMBER_SLOTS],
}

impl NumberRow<'_> {
    #[inline(always)]
    fn put<const N: usize>(
        self,
        slot: usize,
        bytes: [u8; N],
    ) -> std::result::Result<(), NotNumber> {
        let start = *self.pos;
        if start < self.limits[slot] {
            // SAFETY: `arm` sets the limit of a slot only for rows of its
            // width `N`, and to at most `buf.len() - N`, and sets it anew
            // whenever the buffer changes; so `start + N <= buf.len()`.
            // Measured: the bounds check this saves was about a fifth of
            // the time of a 4-byte row.
            unsafe {
                self.buf
                    .as_mut_ptr()
                    .add(start)
                    .cast::<[u8; N]>()
                    .write_unaligned(bytes);
            }
            *self.pos = start + N;
            Ok(())
        } else {
            Err(NotNumber)
        }
    }
}

/// A row [`NumberRow`] does not take; no message, since it never reaches
/// a user.
#[derive(Debug)]
struct NotNumber;

impl std::fmt::Display for NotNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a plain number of the file's dtype")
    }
}

impl std::error::Error for NotNumber {}

impl serde::ser::Error for NotNumber {
    fn custom<M: std::fmt::Display>(_msg: M) -> Self {
        NotNumber
    }
}

macro_rules! number_row {
    ($($method:ident: $ty:ty => $slot:literal;)*) => {$(
        #[inline(always)]
        fn $method(self, v: $ty) -> std::result::Result<(), NotNumber> {
            self.put($slot, v.to_le_bytes())
        }
    )*};
}

macro_rules! not_number {
    ($($method:ident($($arg:ty),*);)*) => {$(
        fn $method(self, $(_: $arg),*) -> std::result::Result<(), NotNumber> {
            Err(NotNumber)
        }
    )*};
}

type Refused = serde::ser::Impossible<(), NotNumber>;

impl Serializer for NumberRow<'_> {
    type Ok = ();
    type Error = NotNumber;
    type SerializeSeq = Refused;
    type SerializeTuple = Refused;
    type SerializeTupleStruct = Refused;
    type SerializeTupleVariant = Refused;
    type SerializeMap = Refused;
    type SerializeStruct = Refused;
    type SerializeStructVariant = Refused;

    #[inline(always)]
    fn serialize_bool(self, v: bool) -> std::result::Result<(), NotNumber> {
        self.put(0, [u8::from(v)])
    }

    // The slots of `number_slot`.
    number_row! {
        serialize_i8: i8 => 1;
        serialize_u8: u8 => 2;
        serialize_i16: i16 => 3;
        serialize_i32: i32 => 4;
        serialize_i64: i64 => 5;
        serialize_u16: u16 => 6;
        serialize_u32: u32 => 7;
        serialize_u64: u64 => 8;
        serialize_f32: f32 => 9;
        serialize_f64: f64 => 10;
    }

    not_number! {
        serialize_char(char);
        serialize_str(&str);
        serialize_bytes(&[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> std::result::Result<(), NotNumber> {
        Err(NotNumber)
    }

    /// The emitter stores a newtype around a number as the number (the
    /// `f16` and complex newtypes it treats apart never meet a plain
    /// number's dtype there).
    #[inline(always)]
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> std::result::Result<(), NotNumber> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> std::result::Result<(), NotNumber> {
        Err(NotNumber)
    }

    fn serialize_seq(self, _: Option<usize>) -> std::result::Result<Refused, NotNumber> {
        Err(NotNumber)
    }
    fn serialize_tuple(self, _: usize) -> std::result::Result<Refused, NotNumber> {
        Err(NotNumber)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> std::result::Result<Refused, NotNumber> {
        Err(NotNumber)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> std::result::Result<Refused, NotNumber> {
        Err(NotNumber)
    }
    fn serialize_map(self, _: Option<usize>) -> std::result::Result<Refused, NotNumber> {
        Err(NotNumber)
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> std::result::Result<Refused, NotNumber> {
        Err(NotNumber)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> std::result::Result<Refused, NotNumber> {
        Err(NotNumber)
    }
}

/// A `?Sized` value as a `Sized` one, for the planner.
struct ByRef<'a, T: ?Sized>(&'a T);

impl<T: Serialize + ?Sized> Serialize for ByRef<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}
