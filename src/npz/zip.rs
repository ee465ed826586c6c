//! The zip container of an `.npz` archive, written and read by hand.
//!
//! Writing reproduces CPython's `zipfile` as `np.savez` drives it, byte for
//! byte: every local header carries a zip64 extra with both sizes (numpy
//! forces zip64), is written with placeholders and patched after the data;
//! the central directory states sizes and offsets in 32 bits up to 2³¹ − 1
//! and in a zip64 extra above; zip64 end records follow when the directory
//! needs them. (The `zip` crate's thresholds and layouts differ, so it cannot
//! produce these bytes.)
//!
//! Reading trusts the central directory, as `zipfile` does: sizes and offsets
//! come from it, and a local header gives only the length of its name and
//! extra field. Every count, size and offset is checked against the archive's
//! length before it is used.

use std::io::{self, Read, Seek, SeekFrom, Write};

use crate::error::{ErrorKind, Result};

const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const END_SIG: u32 = 0x0605_4b50;
const END64_SIG: u32 = 0x0606_4b50;
const LOCATOR64_SIG: u32 = 0x0706_4b50;

const LOCAL_LEN: u64 = 30;
const CENTRAL_LEN: usize = 46;
const END_LEN: usize = 22;
const END64_LEN: usize = 56;
const LOCATOR64_LEN: usize = 20;
/// The end record is at most this far from the end: its comment is at most
/// 65,535 bytes.
const END_SEARCH: u64 = END_LEN as u64 + 0xFFFF;

/// CPython's `ZIP64_LIMIT`: above it a size or offset goes to a zip64 extra.
const ZIP64_LIMIT: u64 = (1 << 31) - 1;
const ZIP64_EXTRA: u16 = 0x0001;
/// APPNOTE 4.6.11 (Android's zipalign, Apache Commons Compress): padding that
/// aligns the data after the local header.
const ALIGN_EXTRA: u16 = 0xa11e;

/// Version 4.5: zip64.
const VERSION: u16 = 45;
/// Version 4.5 made on Unix, as `zipfile` writes it on every non-Windows system.
const MADE_BY: u16 = 0x0300 | VERSION;
/// `0o600 << 16`: the mode `zipfile` gives members opened for writing.
const EXTERNAL_ATTR: u32 = 0o600 << 16;
/// 1980-01-01, `ZipInfo`'s default date; the time is 00:00:00.
const DOS_DATE: u16 = 0x0021;
/// General purpose flag bit 11: the name is UTF-8.
const FLAG_UTF8: u16 = 0x0800;
/// Encrypted, compressed patched data, strong encryption.
const FLAGS_REFUSED: u16 = 0x0001 | 0x0020 | 0x0040;

/// Zip compression methods.
pub(crate) const STORED: u16 = 0;
pub(crate) const DEFLATED: u16 = 8;

// ---------------------------------------------------------------------------
// Writing

/// Where an archive is written: a seekable writer, or a `Vec` written in
/// place (so that a stored member is serialized straight into the output).
pub(crate) trait Sink {
    /// Bytes written so far, relative to the start of the archive.
    fn pos(&self) -> u64;
    /// Appends bytes.
    fn put(&mut self, bytes: &[u8]) -> Result<()>;
    /// Overwrites bytes already written at `at`.
    fn patch(&mut self, at: u64, bytes: &[u8]) -> Result<()>;
    /// Appends what `write` writes.
    fn put_stream(&mut self, write: &mut dyn FnMut(&mut dyn Write) -> Result<()>) -> Result<()>;
    /// Appends `value` as `.npy` bytes and returns their CRC-32, computed as
    /// the bytes go out.
    fn put_npy<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<u32> {
        let mut crc = crc32fast::Hasher::new();
        self.put_stream(&mut |w| {
            crate::ser::to_writer(
                CrcWriter {
                    inner: w,
                    hasher: &mut crc,
                },
                value,
            )
        })?;
        Ok(crc.finalize())
    }
}

/// A [`Sink`] over a `Write + Seek`, with offsets relative to the position
/// it had when the archive began.
pub(crate) struct SeekSink<W> {
    pub(crate) inner: W,
    base: u64,
    pos: u64,
}

impl<W: Write + Seek> SeekSink<W> {
    pub(crate) fn new(mut inner: W) -> Result<Self> {
        let base = inner.stream_position()?;
        Ok(SeekSink {
            inner,
            base,
            pos: 0,
        })
    }
}

impl<W: Write + Seek> Sink for SeekSink<W> {
    fn pos(&self) -> u64 {
        self.pos
    }

    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.inner.write_all(bytes)?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    fn patch(&mut self, at: u64, bytes: &[u8]) -> Result<()> {
        self.inner.seek(SeekFrom::Start(self.base + at))?;
        self.inner.write_all(bytes)?;
        self.inner.seek(SeekFrom::Start(self.base + self.pos))?;
        Ok(())
    }

    fn put_stream(&mut self, write: &mut dyn FnMut(&mut dyn Write) -> Result<()>) -> Result<()> {
        let mut w = CountWriter {
            inner: &mut self.inner,
            count: 0,
        };
        let r = write(&mut w);
        self.pos += w.count;
        r
    }
}

/// A [`Sink`] that appends to a `Vec`.
pub(crate) struct VecSink {
    pub(crate) buf: Vec<u8>,
}

impl Sink for VecSink {
    fn pos(&self) -> u64 {
        self.buf.len() as u64
    }

    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    fn patch(&mut self, at: u64, bytes: &[u8]) -> Result<()> {
        // Invariant: patches only rewrite placeholders written before, and a
        // `Vec`'s length fits in usize.
        let at = at as usize;
        self.buf[at..at + bytes.len()].copy_from_slice(bytes);
        Ok(())
    }

    fn put_stream(&mut self, write: &mut dyn FnMut(&mut dyn Write) -> Result<()>) -> Result<()> {
        write(&mut self.buf)
    }

    fn put_npy<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<u32> {
        // Serialized in place, then hashed in one pass: no second copy.
        let start = self.buf.len();
        crate::ser::to_vec_at(value, &mut self.buf, start)?;
        Ok(crc32fast::hash(&self.buf[start..]))
    }
}

/// Hashes what passes through to `inner`.
pub(crate) struct CrcWriter<'a, W> {
    pub(crate) inner: W,
    pub(crate) hasher: &'a mut crc32fast::Hasher,
}

impl<W: Write> Write for CrcWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Counts what passes through to `inner`.
struct CountWriter<'a, W> {
    inner: &'a mut W,
    count: u64,
}

impl<W: Write> Write for CountWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// One member of the central directory, as the writer records it.
struct Written {
    name: Vec<u8>,
    flags: u16,
    method: u16,
    crc: u32,
    csize: u64,
    usize: u64,
    offset: u64,
}

/// Writes members one after the other, then the central directory.
pub(crate) struct ZipWriter<S> {
    pub(crate) sink: S,
    members: Vec<Written>,
}

/// A member whose local header is written and whose data is being written.
pub(crate) struct Open {
    name: Vec<u8>,
    flags: u16,
    method: u16,
    offset: u64,
    /// Where the zip64 extra's two sizes are, to patch them.
    sizes_at: u64,
    data_start: u64,
}

impl<S: Sink> ZipWriter<S> {
    pub(crate) fn new(sink: S) -> Self {
        ZipWriter {
            sink,
            members: Vec::new(),
        }
    }

    /// Writes a local header with placeholder CRC and sizes. With `align`,
    /// the data that follows starts at a multiple of it (an alignment extra
    /// field pads the header).
    pub(crate) fn begin(&mut self, name: &str, method: u16, align: Option<u16>) -> Result<Open> {
        let name_bytes = name.as_bytes().to_vec();
        if name_bytes.len() > 0xFFFF {
            return Err(zip_error(
                Some(name),
                "a member name is longer than 65,535 bytes",
            ));
        }
        let flags = if name.is_ascii() { 0 } else { FLAG_UTF8 };
        let offset = self.sink.pos();
        let mut extra_len = 20u64;
        let mut pad = 0u64;
        if let Some(a) = align.filter(|&a| a > 1) {
            let a = u64::from(a);
            let unpadded = offset + LOCAL_LEN + name_bytes.len() as u64 + extra_len + 6;
            pad = (a - unpadded % a) % a;
            extra_len += 6 + pad;
        }
        let mut h = Vec::with_capacity((LOCAL_LEN + extra_len) as usize + name_bytes.len());
        put32(&mut h, LOCAL_SIG);
        put16(&mut h, VERSION);
        put16(&mut h, flags);
        put16(&mut h, method);
        put16(&mut h, 0);
        put16(&mut h, DOS_DATE);
        put32(&mut h, 0);
        put32(&mut h, 0xFFFF_FFFF);
        put32(&mut h, 0xFFFF_FFFF);
        put16(&mut h, name_bytes.len() as u16);
        put16(&mut h, extra_len as u16);
        h.extend_from_slice(&name_bytes);
        put16(&mut h, ZIP64_EXTRA);
        put16(&mut h, 16);
        put64(&mut h, 0);
        put64(&mut h, 0);
        if let Some(a) = align.filter(|&a| a > 1) {
            put16(&mut h, ALIGN_EXTRA);
            put16(&mut h, 2 + pad as u16);
            put16(&mut h, a);
            h.resize(h.len() + pad as usize, 0);
        }
        self.sink.put(&h)?;
        Ok(Open {
            sizes_at: offset + LOCAL_LEN + name_bytes.len() as u64 + 4,
            name: name_bytes,
            flags,
            method,
            offset,
            data_start: self.sink.pos(),
        })
    }

    /// Patches the local header of `open` with the CRC and sizes of the data
    /// written since [`begin`](Self::begin).
    pub(crate) fn end(&mut self, open: Open, crc: u32, usize: u64) -> Result<()> {
        let csize = self.sink.pos() - open.data_start;
        self.sink.patch(open.offset + 14, &crc.to_le_bytes())?;
        let mut sizes = [0u8; 16];
        sizes[..8].copy_from_slice(&usize.to_le_bytes());
        sizes[8..].copy_from_slice(&csize.to_le_bytes());
        self.sink.patch(open.sizes_at, &sizes)?;
        self.members.push(Written {
            name: open.name,
            flags: open.flags,
            method: open.method,
            crc,
            csize,
            usize,
            offset: open.offset,
        });
        Ok(())
    }

    /// Writes the central directory and end records.
    pub(crate) fn finish(&mut self) -> Result<()> {
        let cd_offset = self.sink.pos();
        let mut cd = Vec::new();
        for m in &self.members {
            let big_size = m.usize > ZIP64_LIMIT || m.csize > ZIP64_LIMIT;
            let big_offset = m.offset > ZIP64_LIMIT;
            let mut extra = Vec::new();
            if big_size {
                put64(&mut extra, m.usize);
                put64(&mut extra, m.csize);
            }
            if big_offset {
                put64(&mut extra, m.offset);
            }
            put32(&mut cd, CENTRAL_SIG);
            put16(&mut cd, MADE_BY);
            put16(&mut cd, VERSION);
            put16(&mut cd, m.flags);
            put16(&mut cd, m.method);
            put16(&mut cd, 0);
            put16(&mut cd, DOS_DATE);
            put32(&mut cd, m.crc);
            put32(
                &mut cd,
                if big_size {
                    0xFFFF_FFFF
                } else {
                    m.csize as u32
                },
            );
            put32(
                &mut cd,
                if big_size {
                    0xFFFF_FFFF
                } else {
                    m.usize as u32
                },
            );
            put16(&mut cd, m.name.len() as u16);
            put16(
                &mut cd,
                if extra.is_empty() {
                    0
                } else {
                    extra.len() as u16 + 4
                },
            );
            put16(&mut cd, 0);
            put16(&mut cd, 0);
            put16(&mut cd, 0);
            put32(&mut cd, EXTERNAL_ATTR);
            put32(
                &mut cd,
                if big_offset {
                    0xFFFF_FFFF
                } else {
                    m.offset as u32
                },
            );
            cd.extend_from_slice(&m.name);
            if !extra.is_empty() {
                put16(&mut cd, ZIP64_EXTRA);
                put16(&mut cd, extra.len() as u16);
                cd.extend_from_slice(&extra);
            }
        }
        let count = self.members.len() as u64;
        let cd_size = cd.len() as u64;
        if count > 0xFFFF || cd_offset > ZIP64_LIMIT || cd_size > ZIP64_LIMIT {
            let record_at = cd_offset + cd_size;
            put32(&mut cd, END64_SIG);
            put64(&mut cd, 44);
            put16(&mut cd, VERSION);
            put16(&mut cd, VERSION);
            put32(&mut cd, 0);
            put32(&mut cd, 0);
            put64(&mut cd, count);
            put64(&mut cd, count);
            put64(&mut cd, cd_size);
            put64(&mut cd, cd_offset);
            put32(&mut cd, LOCATOR64_SIG);
            put32(&mut cd, 0);
            put64(&mut cd, record_at);
            put32(&mut cd, 1);
        }
        put32(&mut cd, END_SIG);
        put16(&mut cd, 0);
        put16(&mut cd, 0);
        put16(&mut cd, count.min(0xFFFF) as u16);
        put16(&mut cd, count.min(0xFFFF) as u16);
        put32(&mut cd, cd_size.min(0xFFFF_FFFF) as u32);
        put32(&mut cd, cd_offset.min(0xFFFF_FFFF) as u32);
        put16(&mut cd, 0);
        self.sink.put(&cd)
    }
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Raw deflate at zlib's default level 6, as `zipfile` compresses, into the
/// writer below it; counts and hashes the uncompressed bytes.
pub(crate) struct DeflateWriter<'a> {
    out: &'a mut dyn Write,
    compressor: Box<miniz_oxide::deflate::core::CompressorOxide>,
    buf: Vec<u8>,
    pub(crate) hasher: crc32fast::Hasher,
    pub(crate) count: u64,
}

impl<'a> DeflateWriter<'a> {
    pub(crate) fn new(out: &'a mut dyn Write) -> Self {
        use miniz_oxide::deflate::core::{create_comp_flags_from_zip_params, CompressorOxide};
        // Negative window bits: raw deflate, no zlib wrapper.
        let flags = create_comp_flags_from_zip_params(6, -15, 0);
        DeflateWriter {
            out,
            compressor: Box::new(CompressorOxide::new(flags)),
            buf: vec![0; 64 * 1024],
            hasher: crc32fast::Hasher::new(),
            count: 0,
        }
    }

    fn run(&mut self, mut input: &[u8], flush: miniz_oxide::MZFlush) -> io::Result<()> {
        use miniz_oxide::{deflate::stream::deflate, MZStatus};
        loop {
            let r = deflate(&mut self.compressor, input, &mut self.buf, flush);
            self.out.write_all(&self.buf[..r.bytes_written])?;
            input = &input[r.bytes_consumed..];
            match r.status {
                Ok(MZStatus::StreamEnd) => return Ok(()),
                Ok(_) => {}
                // `Buf` means no progress was possible: all input is in.
                Err(miniz_oxide::MZError::Buf) if input.is_empty() => return Ok(()),
                Err(e) => {
                    return Err(io::Error::new(
                        io::ErrorKind::Other,
                        format!("deflate failed: {e:?}"),
                    ))
                }
            }
            if input.is_empty()
                && flush != miniz_oxide::MZFlush::Finish
                && r.bytes_written < self.buf.len()
            {
                return Ok(());
            }
        }
    }

    /// Ends the deflate stream.
    pub(crate) fn finish(&mut self) -> io::Result<()> {
        self.run(&[], miniz_oxide::MZFlush::Finish)
    }
}

impl Write for DeflateWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.hasher.update(buf);
        self.count += buf.len() as u64;
        self.run(buf, miniz_oxide::MZFlush::None)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Reading

/// Random access to the archive's bytes.
pub(crate) trait Source {
    /// The archive's length in bytes.
    fn len(&self) -> u64;
    /// Reads exactly `buf.len()` bytes at `at`.
    fn read_at(&mut self, at: u64, buf: &mut [u8]) -> Result<()>;
}

impl Source for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_at(&mut self, at: u64, buf: &mut [u8]) -> Result<()> {
        let bytes = usize::try_from(at)
            .ok()
            .and_then(|at| self.get(at..at.checked_add(buf.len())?))
            .ok_or_else(|| zip_error(None, "a record reaches past the end of the archive"))?;
        buf.copy_from_slice(bytes);
        Ok(())
    }
}

/// A [`Source`] over a `Read + Seek` holding the archive from its start to
/// its end, as a file does (wherever the reader stands when it is given).
pub(crate) struct ReadSource<R> {
    pub(crate) inner: R,
    len: u64,
}

impl<R: Read + Seek> ReadSource<R> {
    pub(crate) fn new(mut inner: R) -> Result<Self> {
        let len = inner.seek(SeekFrom::End(0))?;
        Ok(ReadSource { inner, len })
    }
}

impl<R: Read + Seek> Source for ReadSource<R> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&mut self, at: u64, buf: &mut [u8]) -> Result<()> {
        if at
            .checked_add(buf.len() as u64)
            .map_or(true, |end| end > self.len)
        {
            return Err(zip_error(
                None,
                "a record reaches past the end of the archive",
            ));
        }
        self.inner.seek(SeekFrom::Start(at))?;
        crate::header::read_full(&mut self.inner, buf, "zip record")
    }
}

/// One member as the central directory describes it.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    /// The name, decoded (UTF-8 or CP437) and cut at the first NUL.
    pub(crate) name: String,
    raw_name: Vec<u8>,
    pub(crate) flags: u16,
    pub(crate) method: u16,
    version_needed: u16,
    pub(crate) crc: u32,
    pub(crate) csize: u64,
    pub(crate) usize: u64,
    pub(crate) offset: u64,
    /// Where the next entry's local header (or the directory) begins: the
    /// member's data must end by then, so entries never overlap.
    pub(crate) limit: u64,
}

/// The central directory: every entry, in directory order.
pub(crate) struct Directory {
    pub(crate) entries: Vec<Entry>,
}

fn zip_error(member: Option<&str>, message: &str) -> crate::Error {
    ErrorKind::Zip {
        member: member.map(str::to_owned),
        message: message.to_owned(),
    }
    .into()
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn le64(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

/// Checks the first bytes the way `np.load` tells an archive.
pub(crate) fn check_magic(src: &mut impl Source) -> Result<()> {
    let n = src.len().min(4) as usize;
    let mut head = [0u8; 4];
    src.read_at(0, &mut head[..n])?;
    if n < 4 || (&head != b"PK\x03\x04" && &head != b"PK\x05\x06") {
        return Err(ErrorKind::NotNpz {
            found: head[..n].to_vec(),
        }
        .into());
    }
    Ok(())
}

impl Directory {
    /// Finds the end record and reads the central directory.
    pub(crate) fn read(src: &mut impl Source) -> Result<Directory> {
        check_magic(src)?;
        let len = src.len();
        let tail_len = len.min(END_SEARCH) as usize;
        let tail_start = len - tail_len as u64;
        let mut tail = vec![0u8; tail_len];
        src.read_at(tail_start, &mut tail)?;
        // The last end signature whose comment length fits the remaining
        // bytes, as zipfile looks for it. Only starts with a whole record
        // after them: an input shorter than one (`PK\x05\x06` cut short)
        // has none.
        let end_at = (0..(tail_len + 1).saturating_sub(END_LEN))
            .rev()
            .find(|&i| {
                le32(&tail, i) == END_SIG
                    && i + END_LEN + usize::from(le16(&tail, i + 20)) <= tail_len
            })
            .ok_or_else(|| {
                zip_error(
                    None,
                    "no end of central directory record (the archive is truncated or not a zip)",
                )
            })?;
        let end = &tail[end_at..end_at + END_LEN];
        let end_pos = tail_start + end_at as u64;
        let disk = le16(end, 4);
        let cd_disk = le16(end, 6);
        let mut count = u64::from(le16(end, 10));
        let mut cd_size = u64::from(le32(end, 12));
        let mut cd_offset = u64::from(le32(end, 16));
        let mut cd_end = end_pos;
        if disk != 0 || cd_disk != 0 {
            return Err(zip_error(None, "multi-disk archives are not supported"));
        }
        // A zip64 locator just before the end record points at the zip64 end.
        if end_pos >= LOCATOR64_LEN as u64 {
            let mut loc = [0u8; LOCATOR64_LEN];
            src.read_at(end_pos - LOCATOR64_LEN as u64, &mut loc)?;
            if le32(&loc, 0) == LOCATOR64_SIG {
                let rec_at = le64(&loc, 8);
                let rec_end = rec_at.checked_add(END64_LEN as u64);
                if rec_end.map_or(true, |e| e > end_pos - LOCATOR64_LEN as u64) {
                    return Err(zip_error(
                        None,
                        "the zip64 end record's offset points outside the archive",
                    ));
                }
                let mut rec = [0u8; END64_LEN];
                src.read_at(rec_at, &mut rec)?;
                if le32(&rec, 0) != END64_SIG {
                    return Err(zip_error(
                        None,
                        "no zip64 end record where the zip64 locator points",
                    ));
                }
                count = le64(&rec, 32);
                cd_size = le64(&rec, 40);
                cd_offset = le64(&rec, 48);
                cd_end = rec_at;
            }
        }
        let cd_stop = cd_offset.checked_add(cd_size);
        if cd_stop.map_or(true, |s| s > cd_end) {
            return Err(zip_error(
                None,
                &format!(
                    "the central directory ({cd_size} bytes at offset {cd_offset}) does not fit before its end record at {cd_end}"
                ),
            ));
        }
        if count > cd_size / CENTRAL_LEN as u64 {
            return Err(zip_error(
                None,
                &format!("the end record counts {count} entries, but the central directory has room for {}", cd_size / CENTRAL_LEN as u64),
            ));
        }
        // Both bounded by the archive's length, checked above.
        let mut cd = vec![0u8; cd_size as usize];
        src.read_at(cd_offset, &mut cd)?;
        let mut entries = Vec::with_capacity(count as usize);
        let mut at = 0usize;
        for i in 0..count {
            let entry = parse_entry(&cd, &mut at)
                .map_err(|m| zip_error(None, &format!("central directory entry {i}: {m}")))?;
            entries.push(entry);
        }
        set_limits(&mut entries, cd_offset)?;
        Ok(Directory { entries })
    }
}

fn parse_entry(cd: &[u8], at: &mut usize) -> std::result::Result<Entry, String> {
    let h = cd
        .get(*at..*at + CENTRAL_LEN)
        .ok_or("cut short by the end of the directory")?;
    if le32(h, 0) != CENTRAL_SIG {
        return Err("bad signature".into());
    }
    let version_needed = le16(h, 6);
    let flags = le16(h, 8);
    let method = le16(h, 10);
    let crc = le32(h, 16);
    let mut csize = u64::from(le32(h, 20));
    let mut usize = u64::from(le32(h, 24));
    let name_len = usize::from(le16(h, 28));
    let extra_len = usize::from(le16(h, 30));
    let comment_len = usize::from(le16(h, 32));
    let disk = le16(h, 34);
    let mut offset = u64::from(le32(h, 42));
    let name_at = *at + CENTRAL_LEN;
    let extra_at = name_at + name_len;
    let next = extra_at + extra_len + comment_len;
    if next > cd.len() {
        return Err("its name, extra field and comment run past the directory".into());
    }
    let raw_name = cd[name_at..extra_at].to_vec();
    // The zip64 extra holds only the fields that are 0xFFFFFFFF, in order.
    let mut extra = &cd[extra_at..extra_at + extra_len];
    while extra.len() >= 4 {
        let id = le16(extra, 0);
        let size = usize::from(le16(extra, 2));
        let body = extra
            .get(4..4 + size)
            .ok_or("an extra field runs past its end")?;
        if id == ZIP64_EXTRA {
            let mut fields = body;
            let mut take = |what: &str| -> std::result::Result<u64, String> {
                if fields.len() < 8 {
                    return Err(format!("the zip64 extra field lacks the {what}"));
                }
                let v = le64(fields, 0);
                fields = &fields[8..];
                Ok(v)
            };
            if usize == 0xFFFF_FFFF {
                usize = take("uncompressed size")?;
            }
            if csize == 0xFFFF_FFFF {
                csize = take("compressed size")?;
            }
            if offset == 0xFFFF_FFFF {
                offset = take("local header offset")?;
            }
        }
        extra = &extra[4 + size..];
    }
    if disk != 0 && disk != 0xFFFF {
        return Err("multi-disk archives are not supported".into());
    }
    *at = next;
    let name = decode_name(&raw_name, flags & FLAG_UTF8 != 0);
    Ok(Entry {
        name,
        raw_name,
        flags,
        method,
        version_needed,
        crc,
        csize,
        usize,
        offset,
        limit: 0,
    })
}

/// Gives every entry the offset its data must end by, and refuses entries
/// that overlap (many directory entries pointing at one member's data would
/// make reading them cost more than the archive's size: a zip bomb).
fn set_limits(entries: &mut [Entry], cd_offset: u64) -> Result<()> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&i| entries[i].offset);
    for (k, &i) in order.iter().enumerate() {
        let limit = match order.get(k + 1) {
            Some(&j) => entries[j].offset,
            None => cd_offset,
        };
        let e = &mut entries[i];
        let min_end = e
            .offset
            .checked_add(LOCAL_LEN)
            .and_then(|x| x.checked_add(e.raw_name.len() as u64))
            .and_then(|x| x.checked_add(e.csize));
        if min_end.map_or(true, |end| end > limit) {
            return Err(zip_error(
                Some(&e.name),
                &format!(
                    "its {} bytes at offset {} overlap the next entry or the central directory at {limit} (overlapping entries are refused, as a possible zip bomb)",
                    e.csize, e.offset
                ),
            ));
        }
        e.limit = limit;
    }
    Ok(())
}

impl Entry {
    /// Where the member's data starts, read from its local header; checks the
    /// header against the directory and the data against the entry's limit.
    pub(crate) fn data_offset(&self, src: &mut impl Source) -> Result<u64> {
        if self.flags & FLAGS_REFUSED != 0 {
            return Err(zip_error(
                Some(&self.name),
                "the member is encrypted (or uses patched data), which np.load does not read either",
            ));
        }
        if self.version_needed & 0xFF > 63 {
            return Err(zip_error(
                Some(&self.name),
                &format!(
                    "the member needs zip version {}.{}, above 6.3",
                    (self.version_needed & 0xFF) / 10,
                    (self.version_needed & 0xFF) % 10
                ),
            ));
        }
        let mut h = [0u8; LOCAL_LEN as usize];
        src.read_at(self.offset, &mut h)
            .map_err(|_| zip_error(Some(&self.name), "its local header is cut short"))?;
        if le32(&h, 0) != LOCAL_SIG {
            return Err(zip_error(
                Some(&self.name),
                &format!("no local header at offset {}", self.offset),
            ));
        }
        let name_len = u64::from(le16(&h, 26));
        let extra_len = u64::from(le16(&h, 28));
        if name_len != self.raw_name.len() as u64 {
            return Err(zip_error(
                Some(&self.name),
                "the local header's name differs from the central directory's",
            ));
        }
        let mut local_name = vec![0u8; self.raw_name.len()];
        src.read_at(self.offset + LOCAL_LEN, &mut local_name)?;
        if local_name != self.raw_name {
            return Err(zip_error(
                Some(&self.name),
                "the local header's name differs from the central directory's",
            ));
        }
        let data = self.offset + LOCAL_LEN + name_len + extra_len;
        if data + self.csize > self.limit {
            return Err(zip_error(
                Some(&self.name),
                &format!(
                    "its {} bytes of data at offset {data} run past the next entry or the central directory at {}",
                    self.csize, self.limit
                ),
            ));
        }
        Ok(data)
    }

    /// Checks the CRC-32 of the member's uncompressed bytes.
    pub(crate) fn check_crc(&self, found: u32) -> Result<()> {
        if found != self.crc {
            return Err(ErrorKind::Crc {
                member: self.name.clone(),
                expected: self.crc,
                found,
            }
            .into());
        }
        Ok(())
    }

    pub(crate) fn check_method(&self) -> Result<()> {
        match self.method {
            STORED | DEFLATED => Ok(()),
            method => Err(ErrorKind::UnsupportedCompression {
                member: self.name.clone(),
                method,
            }
            .into()),
        }
    }
}

/// Inflates a raw deflate stream of exactly `usize` bytes. The output buffer
/// is never larger than the input could produce (deflate expands at most
/// 1032:1), so a lying size costs no memory.
pub(crate) fn inflate(entry: &Entry, input: &[u8]) -> Result<Vec<u8>> {
    use miniz_oxide::inflate::stream::{inflate, InflateState};
    use miniz_oxide::{DataFormat, MZFlush, MZStatus};
    let most = (input.len() as u64)
        .saturating_mul(1032)
        .saturating_add(1024);
    if entry.usize > most {
        return Err(zip_error(
            Some(&entry.name),
            &format!(
                "its {} compressed bytes cannot inflate to the {} bytes the directory states",
                input.len(),
                entry.usize
            ),
        ));
    }
    let len = usize::try_from(entry.usize)
        .map_err(|_| zip_error(Some(&entry.name), "too large for this platform"))?;
    let mut out = vec![0u8; len];
    let mut state = InflateState::new_boxed(DataFormat::Raw);
    let (mut read, mut written) = (0usize, 0usize);
    loop {
        let r = inflate(
            &mut state,
            &input[read..],
            &mut out[written..],
            MZFlush::Finish,
        );
        read += r.bytes_consumed;
        written += r.bytes_written;
        match r.status {
            Ok(MZStatus::StreamEnd) => break,
            Ok(_) if r.bytes_consumed > 0 || r.bytes_written > 0 => continue,
            _ => {
                let why = if written == len {
                    "it inflates past the size the directory states"
                } else if read == input.len() {
                    "its deflate stream is cut short"
                } else {
                    "its deflate stream is corrupt"
                };
                return Err(zip_error(Some(&entry.name), why));
            }
        }
    }
    if written != len {
        return Err(zip_error(
            Some(&entry.name),
            &format!("it inflates to {written} bytes, the directory states {len}"),
        ));
    }
    Ok(out)
}

/// CP437, the zip default for names without the UTF-8 flag: the upper half.
const CP437_HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";

/// Decodes a name as `zipfile` does: UTF-8 with the flag, else CP437; cut at
/// the first NUL.
fn decode_name(raw: &[u8], utf8: bool) -> String {
    let raw = raw.split(|&b| b == 0).next().unwrap_or(raw);
    if utf8 {
        return String::from_utf8_lossy(raw).into_owned();
    }
    raw.iter()
        .map(|&b| {
            if b < 0x80 {
                char::from(b)
            } else {
                CP437_HIGH
                    .chars()
                    .nth(usize::from(b - 0x80))
                    .unwrap_or(char::REPLACEMENT_CHARACTER)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp437_table_has_128_chars() {
        assert_eq!(CP437_HIGH.chars().count(), 128);
        assert_eq!(decode_name(b"\x82t\xe9.npy", false), "étΘ.npy");
    }
}
