//! The `.npy` preamble: magic, version, header length and the header dictionary.
//!
//! Reading accepts everything `np.load` accepts (any key order, either quote
//! style, legacy 16-byte padding, no padding at all, format 1.0/2.0/3.0).
//! Writing reproduces the bytes of NumPy ≥ 1.24 `np.save` exactly: sorted
//! keys, trailing `, }`, growth spaces for the first axis and 64-byte alignment.

use std::io::Read;

use crate::dtype::{Dtype, DEFAULT_MAX_DEPTH, MAX_DIMS};
use crate::error::{shape_repr, Error, ErrorKind, Result};
use crate::pylit::{self, PyValue};

/// The magic string every `.npy` file starts with.
///
/// ```
/// let bytes = serde_npy::to_vec(&1u8)?;
/// assert!(bytes.starts_with(serde_npy::MAGIC));
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// Sequences and values an array may decode into per byte of data, before
/// `ReadOptions::max_elements_without_data` applies.
const NODES_PER_DATA_BYTE: usize = 256;

/// Digits reserved for the growth axis (NumPy's `GROWTH_AXIS_MAX_DIGITS`).
const GROWTH_AXIS_MAX_DIGITS: usize = 21;

/// The `.npy` format version.
///
/// ```
/// use serde_npy::{ByteOrder, Dtype, Header, Record, Version};
/// let plain = Header::from_slice(&serde_npy::to_vec(&[1.0f32])?)?;
/// assert_eq!(plain.version, Version::V1_0);
/// // A field name outside latin-1 needs a UTF-8 header: format 3.0.
/// let record = Record::packed(vec![("π".into(), Dtype::F64(ByteOrder::Little), vec![])])?;
/// assert_eq!(Header::new(Dtype::Record(record), vec![1], false).version, Version::V3_0);
/// # Ok::<(), serde_npy::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// 1.0: latin-1 header, `u16` length.
    V1_0,
    /// 2.0: latin-1 header, `u32` length (headers over 65535 bytes).
    V2_0,
    /// 3.0: UTF-8 header, `u32` length (field names outside latin-1).
    V3_0,
}

impl Version {
    /// `(major, minor)` as stored in bytes 6 and 7.
    ///
    /// ```
    /// use serde_npy::Version;
    /// let bytes = serde_npy::to_vec(&[1u8])?;
    /// assert_eq!((bytes[6], bytes[7]), Version::V1_0.bytes());
    /// assert_eq!(Version::V2_0.bytes(), (2, 0));
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn bytes(self) -> (u8, u8) {
        match self {
            Version::V1_0 => (1, 0),
            Version::V2_0 => (2, 0),
            Version::V3_0 => (3, 0),
        }
    }

    fn from_bytes(major: u8, minor: u8) -> Result<Version> {
        match (major, minor) {
            (1, 0) => Ok(Version::V1_0),
            (2, 0) => Ok(Version::V2_0),
            (3, 0) => Ok(Version::V3_0),
            _ => Err(ErrorKind::UnsupportedVersion { major, minor }.into()),
        }
    }

    /// Width of the header-length field.
    fn len_width(self) -> usize {
        match self {
            Version::V1_0 => 2,
            Version::V2_0 | Version::V3_0 => 4,
        }
    }
}

/// Limits applied while reading untrusted input.
///
/// ```
/// use serde_npy::{ErrorKind, ReadOptions};
///
/// let bytes = serde_npy::to_vec(&[1.0f32, 2.0])?;
/// let strict = ReadOptions::new().max_header_len(64).max_depth(4);
/// let err = serde_npy::from_reader_with::<_, Vec<f32>>(&bytes[..], &strict).unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::HeaderTooLarge { len: 118, limit: 64 }));
/// # Ok::<(), serde_npy::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadOptions {
    pub(crate) max_header_len: usize,
    pub(crate) max_depth: usize,
    pub(crate) max_elements_without_data: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_header_len: ReadOptions::DEFAULT_MAX_HEADER_LEN,
            max_depth: DEFAULT_MAX_DEPTH,
            max_elements_without_data: ReadOptions::DEFAULT_MAX_ELEMENTS_WITHOUT_DATA,
        }
    }
}

impl ReadOptions {
    /// Default header-length limit: 1 MiB.
    ///
    /// NumPy's own default is 10,000 characters, which format 2.0 files (headers
    /// over 64 KiB, such as a record of 10,000 fields at ~180 KB) legitimately
    /// exceed. This parser is linear-time and depth-bounded, so a larger limit is
    /// safe; it only bounds the memory a header can make the reader allocate.
    pub const DEFAULT_MAX_HEADER_LEN: usize = 1 << 20;

    /// The default limits.
    ///
    /// ```
    /// use serde_npy::ReadOptions;
    /// let opts = ReadOptions::new();
    /// assert_eq!(opts, ReadOptions::default());
    /// let bytes = serde_npy::to_vec(&[7u8])?;
    /// assert_eq!(serde_npy::from_reader_with::<_, Vec<u8>>(&bytes[..], &opts)?, [7]);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Refuse headers longer than `len` bytes.
    ///
    /// ```
    /// use serde_npy::{ErrorKind, Header, ReadOptions};
    /// let bytes = serde_npy::to_vec(&[1u8])?; // a 118-byte header, as np.save writes it
    /// let err = Header::from_slice_with(&bytes, &ReadOptions::new().max_header_len(100)).unwrap_err();
    /// assert!(matches!(err.kind(), ErrorKind::HeaderTooLarge { .. }));
    /// assert!(Header::from_slice_with(&bytes, &ReadOptions::new().max_header_len(118)).is_ok());
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn max_header_len(mut self, len: usize) -> Self {
        self.max_header_len = len;
        self
    }

    /// Refuse values nested deeper than `depth` (default 128), counting array
    /// axes, record levels and subarray axes: this bounds the reader's stack.
    ///
    /// ```
    /// use serde_npy::{ErrorKind, ReadOptions};
    /// let cube = serde_npy::to_vec(&[[[0u8; 2]; 2]; 2])?; // three axes
    /// let opts = ReadOptions::new().max_depth(2);
    /// let err = serde_npy::from_reader_with::<_, Vec<Vec<Vec<u8>>>>(&cube[..], &opts).unwrap_err();
    /// assert!(matches!(err.kind(), ErrorKind::TooDeep { limit: 2 }));
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.max_depth = depth;
        self
    }

    /// Default for [`ReadOptions::max_elements_without_data`]: 65,536.
    pub const DEFAULT_MAX_ELEMENTS_WITHOUT_DATA: usize = 1 << 16;

    /// Refuse arrays that would decode into more than `n` sequences and
    /// elements beyond 256 per data byte.
    ///
    /// Zero-length axes and zero-size items carry no data, so a 110-byte file
    /// of shape `(10**12, 0)` would otherwise decode into 10^12 empty
    /// sequences. Arrays whose items have a size stay within 256 per byte:
    /// at most 64 axes above each element, plus its record fields.
    ///
    /// ```
    /// use serde_npy::{Dtype, ErrorKind, Header, ReadOptions};
    /// // 100,000 empty rows: a header and no data at all.
    /// let bytes = Header::new(Dtype::U8, vec![100_000, 0], false).to_bytes();
    /// let err = serde_npy::from_slice::<Vec<Vec<u8>>>(&bytes).unwrap_err();
    /// assert!(matches!(err.kind(), ErrorKind::TooManyElements { .. }));
    /// let trusted = ReadOptions::new().max_elements_without_data(1 << 20);
    /// let rows: Vec<Vec<u8>> = serde_npy::from_reader_with(&bytes[..], &trusted)?;
    /// assert_eq!(rows.len(), 100_000);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn max_elements_without_data(mut self, n: usize) -> Self {
        self.max_elements_without_data = n;
        self
    }

    /// Checks the decode cost of `header` against these limits: nesting
    /// depth (stack) and sequences/elements per data byte (memory).
    pub(crate) fn check_decode(&self, header: &Header, data_len: usize) -> Result<()> {
        let depth = header.shape.len() + header.dtype.nesting();
        if depth > self.max_depth {
            return Err(ErrorKind::TooDeep {
                limit: self.max_depth,
            }
            .into());
        }
        let (axes, count) = crate::dtype::prefix_nodes(&header.shape);
        let nodes = axes.saturating_add(count.saturating_mul(1 + header.dtype.nodes()));
        let allowed = data_len
            .saturating_mul(NODES_PER_DATA_BYTE)
            .saturating_add(self.max_elements_without_data);
        if nodes > allowed {
            return Err(ErrorKind::TooManyElements {
                shape: shape_repr(&header.shape),
                descr: header.dtype.to_string(),
                elements: nodes as u64,
                data_len: data_len as u64,
            }
            .into());
        }
        Ok(())
    }
}

/// A parsed `.npy` header: everything needed to interpret the data.
///
/// ```
/// use serde_npy::{Dtype, ByteOrder, Header};
/// let bytes = serde_npy::to_vec(&vec![1.0f32, 2.0, 3.0]).unwrap();
/// let header = Header::from_slice(&bytes).unwrap();
/// assert_eq!(header.dtype, Dtype::F32(ByteOrder::Little));
/// assert_eq!(header.shape, vec![3]);
/// assert_eq!(header.data_offset, 128);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Element type.
    pub dtype: Dtype,
    /// Logical shape (never reversed for Fortran order); empty for a 0-d array.
    pub shape: Vec<usize>,
    /// Whether the data is stored column-major.
    pub fortran_order: bool,
    /// Format version.
    pub version: Version,
    /// Offset of the first data byte from the start of the file.
    pub data_offset: usize,
}

impl Header {
    /// Number of elements (1 for a 0-d array), or an error when it overflows.
    ///
    /// ```
    /// use serde_npy::{Dtype, Header};
    /// assert_eq!(Header::new(Dtype::U8, vec![2, 3], false).element_count()?, 6);
    /// assert_eq!(Header::new(Dtype::U8, vec![], false).element_count()?, 1); // 0-d
    /// assert!(Header::new(Dtype::U8, vec![usize::MAX, 2], false).element_count().is_err());
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn element_count(&self) -> Result<usize> {
        self.shape
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .ok_or_else(|| self.overflow())
    }

    /// Bytes of data that follow the header, checked against overflow.
    ///
    /// ```
    /// let bytes = serde_npy::to_vec(&[[1.0f64; 3]; 2])?;
    /// let header = serde_npy::Header::from_slice(&bytes)?;
    /// assert_eq!(header.data_len()?, 2 * 3 * 8);
    /// assert_eq!(header.data_offset + header.data_len()?, bytes.len());
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn data_len(&self) -> Result<usize> {
        self.element_count()?
            .checked_mul(self.dtype.itemsize())
            .ok_or_else(|| self.overflow())
    }

    fn overflow(&self) -> Error {
        ErrorKind::ShapeOverflow {
            shape: shape_repr(&self.shape),
            descr: self.dtype.to_string(),
        }
        .into()
    }

    /// Parses the header at the start of `bytes` (the data need not follow).
    ///
    /// ```
    /// let bytes = serde_npy::to_vec(&vec![0u16; 1000])?;
    /// // The first 128 bytes are enough: the data is not looked at.
    /// let header = serde_npy::Header::from_slice(&bytes[..128])?;
    /// assert_eq!((header.shape.as_slice(), header.data_offset), (&[1000][..], 128));
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn from_slice(bytes: &[u8]) -> Result<Header> {
        Self::from_slice_with(bytes, &ReadOptions::default())
    }

    /// [`Header::from_slice`] with explicit limits.
    ///
    /// ```
    /// use serde_npy::{Header, ReadOptions};
    /// let bytes = serde_npy::to_vec(&[1i32, 2])?;
    /// let header = Header::from_slice_with(&bytes, &ReadOptions::new().max_header_len(4096))?;
    /// assert_eq!(header.shape, [2]);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn from_slice_with(bytes: &[u8], opts: &ReadOptions) -> Result<Header> {
        let (version, len, start) = read_preamble(bytes)?;
        check_header_len(len, opts)?;
        let end = start.checked_add(len).filter(|&e| e <= bytes.len()).ok_or(
            ErrorKind::UnexpectedEof {
                what: "header",
                expected: len as u64,
                found: (bytes.len() - start) as u64,
            },
        )?;
        parse_dict(&bytes[start..end], version, end, opts)
    }

    /// Reads exactly the preamble and header from `reader`, leaving it at the
    /// first data byte.
    ///
    /// ```
    /// use std::io::{Cursor, Read};
    /// let mut reader = Cursor::new(serde_npy::to_vec(&[1u8, 2, 3])?);
    /// let header = serde_npy::Header::from_reader(&mut reader)?;
    /// assert_eq!(reader.position(), header.data_offset as u64);
    /// let mut data = Vec::new();
    /// reader.read_to_end(&mut data)?;
    /// assert_eq!(data, [1, 2, 3]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_reader<R: Read>(reader: R) -> Result<Header> {
        Self::from_reader_with(reader, &ReadOptions::default())
    }

    /// [`Header::from_reader`] with explicit limits.
    ///
    /// ```
    /// use serde_npy::{ErrorKind, Header, ReadOptions};
    /// let bytes = serde_npy::to_vec(&[1u8])?;
    /// let opts = ReadOptions::new().max_header_len(16);
    /// let err = Header::from_reader_with(&bytes[..], &opts).unwrap_err();
    /// assert!(matches!(err.kind(), ErrorKind::HeaderTooLarge { .. }));
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn from_reader_with<R: Read>(mut reader: R, opts: &ReadOptions) -> Result<Header> {
        let mut pre = [0u8; 12];
        read_full(&mut reader, &mut pre[..8], "magic string")?;
        if pre[..6] != MAGIC[..] {
            return Err(ErrorKind::BadMagic {
                found: pre[..6].to_vec(),
            }
            .into());
        }
        let version = Version::from_bytes(pre[6], pre[7])?;
        let w = version.len_width();
        read_full(&mut reader, &mut pre[8..8 + w], "header length")?;
        let len = header_len_field(&pre[8..8 + w]);
        check_header_len(len, opts)?;
        // Grows as bytes arrive, so a short stream cannot make it allocate
        // the claimed length (which the limit above also bounds).
        let mut text = Vec::with_capacity(len.min(4096));
        let got = (&mut reader).take(len as u64).read_to_end(&mut text)?;
        if got < len {
            return Err(ErrorKind::UnexpectedEof {
                what: "header",
                expected: len as u64,
                found: got as u64,
            }
            .into());
        }
        parse_dict(&text, version, 8 + w + len, opts)
    }

    /// A header for writing; the version is chosen as NumPy does when saving.
    ///
    /// ```
    /// use serde_npy::{ByteOrder, Dtype, Header, Version};
    /// let header = Header::new(Dtype::F32(ByteOrder::Little), vec![2, 3], true);
    /// assert_eq!((header.version, header.data_offset), (Version::V1_0, 128));
    /// assert!(header.fortran_order);
    /// ```
    pub fn new(dtype: Dtype, shape: Vec<usize>, fortran_order: bool) -> Header {
        let mut h = Header {
            dtype,
            shape,
            fortran_order,
            version: Version::V1_0,
            data_offset: 0,
        };
        let (text, version) = h.render();
        h.version = version;
        h.data_offset = preamble_len(version, text.len());
        h
    }

    /// The preamble bytes `np.save` writes for this header (magic through the
    /// final `\n`). The version is recomputed as NumPy would choose it.
    ///
    /// ```
    /// use serde_npy::{ByteOrder, Dtype, Header};
    /// // The preamble, then the data in little-endian order: a complete file.
    /// let mut file = Header::new(Dtype::F32(ByteOrder::Little), vec![2], false).to_bytes();
    /// file.extend([1.5f32, 2.5].iter().flat_map(|v| v.to_le_bytes()));
    /// assert_eq!(file, serde_npy::to_vec(&[1.5f32, 2.5])?);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_to(&mut out);
        out
    }

    /// Appends the preamble to `out`; returns its length.
    pub(crate) fn write_to(&self, out: &mut Vec<u8>) -> usize {
        write_preamble(&self.dtype, &self.shape, self.fortran_order, out)
    }

    /// The dict text plus growth spaces, encoded, and the version it needs.
    fn render(&self) -> (Vec<u8>, Version) {
        render(&self.dtype, &self.shape, self.fortran_order)
    }
}

/// Appends the preamble `np.save` writes for this array to `out`; returns its length.
pub(crate) fn write_preamble(
    dtype: &Dtype,
    shape: &[usize],
    fortran_order: bool,
    out: &mut Vec<u8>,
) -> usize {
    let preamble = Preamble::new(dtype, shape, fortran_order);
    let start = out.len();
    out.resize(start + preamble.len(), 0);
    preamble.write(&mut out[start..]);
    preamble.len()
}

/// The preamble `np.save` writes for an array, rendered once so that the
/// writer can size its output before placing it.
pub(crate) struct Preamble {
    body: Vec<u8>,
    version: Version,
    len: usize,
}

impl Preamble {
    pub(crate) fn new(dtype: &Dtype, shape: &[usize], fortran_order: bool) -> Preamble {
        let (body, version) = render(dtype, shape, fortran_order);
        Preamble {
            len: preamble_len(version, body.len()),
            body,
            version,
        }
    }

    /// Bytes from the magic string through the final `\n`.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The same header text padded with more spaces, to `len` bytes in all
    /// (for a file whose header is longer than `np.save`'s, rewritten in
    /// place); `None` when the text does not fit. Format 1.0 becomes 2.0 when
    /// the padded length overflows its `u16` length field.
    pub(crate) fn with_len(mut self, len: usize) -> Option<Preamble> {
        if len < self.len {
            return None;
        }
        if self.version == Version::V1_0 && len - 10 > usize::from(u16::MAX) {
            self.version = Version::V2_0;
            // The 2-byte-wider length field must still leave room for the text.
            if 8 + 4 + self.body.len() + 1 > len {
                return None;
            }
        }
        if len - 8 - self.version.len_width() > u32::MAX as usize {
            return None;
        }
        self.len = len;
        Some(self)
    }

    /// Writes the preamble over the first [`Preamble::len`] bytes of `dst`.
    pub(crate) fn write(&self, dst: &mut [u8]) {
        // Invariant: callers size `dst` from `len()`.
        let dst = &mut dst[..self.len];
        let (major, minor) = self.version.bytes();
        let header_len = self.len - 8 - self.version.len_width();
        let mut at = 0;
        let mut put = |bytes: &[u8]| {
            dst[at..at + bytes.len()].copy_from_slice(bytes);
            at += bytes.len();
        };
        put(MAGIC);
        put(&[major, minor]);
        match self.version {
            // Invariant: `render` picks V1_0 only when header_len fits in u16.
            Version::V1_0 => put(&(header_len as u16).to_le_bytes()),
            _ => put(&(header_len as u32).to_le_bytes()),
        }
        put(&self.body);
        dst[at..self.len - 1].fill(b' ');
        dst[self.len - 1] = b'\n';
    }
}

/// The dict text plus growth spaces, encoded, and the version it needs.
fn render(dtype: &Dtype, shape: &[usize], fortran_order: bool) -> (Vec<u8>, Version) {
    let mut text = String::with_capacity(96);
    text.push_str("{'descr': ");
    dtype.write_descr(&mut text);
    text.push_str(", 'fortran_order': ");
    text.push_str(if fortran_order { "True" } else { "False" });
    text.push_str(", 'shape': ");
    write_shape(&mut text, shape);
    text.push_str(", }");
    let axis = if fortran_order {
        shape.last()
    } else {
        shape.first()
    };
    if let Some(d) = axis {
        let digits = d.checked_ilog10().map_or(1, |l| l as usize + 1);
        let growth = GROWTH_AXIS_MAX_DIGITS.saturating_sub(digits);
        const SPACES: &str = "                                ";
        text.push_str(&SPACES[..growth.min(SPACES.len())]);
    }
    // Only record field names and titles and datetime units (`μs`) can be
    // other than ASCII; every other descr is a plain typestr.
    let ascii = match dtype {
        Dtype::Record(_) | Dtype::DateTime(..) | Dtype::TimeDelta(..) => text.is_ascii(),
        _ => true,
    };
    if ascii || text.chars().all(|c| (c as u32) < 0x100) {
        // Latin-1: each char below U+0100 is the byte of the same value.
        let body: Vec<u8> = if ascii {
            text.into_bytes()
        } else {
            text.chars().map(|c| c as u8).collect()
        };
        let version = if preamble_len(Version::V1_0, body.len()) - 10 <= usize::from(u16::MAX) {
            Version::V1_0
        } else {
            Version::V2_0
        };
        (body, version)
    } else {
        (text.into_bytes(), Version::V3_0)
    }
}

/// Appends a shape as Python writes a tuple: `()`, `(3,)`, `(2, 3)`.
fn write_shape(out: &mut String, shape: &[usize]) {
    out.push('(');
    for (i, &d) in shape.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        crate::dtype::push_decimal(out, d);
    }
    if shape.len() == 1 {
        out.push(',');
    }
    out.push(')');
}

/// Parses the exact text NumPy writes,
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` plus spaces
/// and `\n`, without building a literal tree; the descr, a typestr or a
/// record list, is read by [`crate::dtype::parse_canonical_descr`]. Anything
/// else returns `None` and goes through the general parser, which accepts
/// every literal form.
fn parse_canonical(
    raw: &[u8],
    version: Version,
    data_offset: usize,
    max_depth: usize,
) -> Option<Header> {
    let rest = raw.strip_prefix(b"{'descr': ")?;
    let (dtype, rest) = crate::dtype::parse_canonical_descr(rest, max_depth)?;
    let rest = rest.strip_prefix(b", 'fortran_order': ")?;
    let (fortran_order, rest) = if let Some(r) = rest.strip_prefix(b"False") {
        (false, r)
    } else {
        (true, rest.strip_prefix(b"True")?)
    };
    let rest = rest.strip_prefix(b", 'shape': (")?;
    let (shape, rest) = crate::dtype::parse_canonical_dims(rest)?;
    let rest = rest.strip_prefix(b", }")?;
    // Spaces then `\n`, as NumPy pads; other padding takes the general
    // parser. Eight bytes at a time: the padding is most of the header.
    let spaces = rest.strip_suffix(b"\n")?;
    let mut words = spaces.chunks_exact(8);
    if !words.all(|w| w == b"        ") || !words.remainder().iter().all(|&b| b == b' ') {
        return None;
    }
    if shape.len() > MAX_DIMS {
        return None;
    }
    Some(Header {
        dtype,
        shape,
        fortran_order,
        version,
        data_offset,
    })
}

/// Full preamble length: the smallest multiple of 64 strictly greater than
/// magic + version + length field + body + `\n` (NumPy always pads 1..=64).
fn preamble_len(version: Version, body_len: usize) -> usize {
    let unpadded = 8 + version.len_width() + body_len + 1;
    unpadded + (64 - unpadded % 64)
}

fn header_len_field(b: &[u8]) -> usize {
    match *b {
        [a, b] => usize::from(u16::from_le_bytes([a, b])),
        // A u32 always fits in usize on the 32- and 64-bit targets Rust supports here.
        [a, b, c, d] => u32::from_le_bytes([a, b, c, d]) as usize,
        _ => 0,
    }
}

/// Parses magic, version and length; returns (version, header length, header start).
fn read_preamble(bytes: &[u8]) -> Result<(Version, usize, usize)> {
    if bytes.len() < 8 {
        if !MAGIC.starts_with(&bytes[..bytes.len().min(6)]) {
            return Err(ErrorKind::BadMagic {
                found: bytes[..bytes.len().min(6)].to_vec(),
            }
            .into());
        }
        return Err(ErrorKind::UnexpectedEof {
            what: "magic string",
            expected: 8,
            found: bytes.len() as u64,
        }
        .into());
    }
    if bytes[..6] != MAGIC[..] {
        return Err(ErrorKind::BadMagic {
            found: bytes[..6].to_vec(),
        }
        .into());
    }
    let version = Version::from_bytes(bytes[6], bytes[7])?;
    let w = version.len_width();
    let field = bytes.get(8..8 + w).ok_or(ErrorKind::UnexpectedEof {
        what: "header length",
        expected: w as u64,
        found: (bytes.len() - 8) as u64,
    })?;
    Ok((version, header_len_field(field), 8 + w))
}

fn check_header_len(len: usize, opts: &ReadOptions) -> Result<()> {
    if len > opts.max_header_len {
        return Err(ErrorKind::HeaderTooLarge {
            len: len as u64,
            limit: opts.max_header_len,
        }
        .into());
    }
    Ok(())
}

/// Reads until `buf` is full, retrying on `Interrupted`; a short stream is an
/// `UnexpectedEof` naming the part and the byte counts.
pub(crate) fn read_full<R: Read>(r: &mut R, buf: &mut [u8], what: &'static str) -> Result<()> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => {
                return Err(ErrorKind::UnexpectedEof {
                    what,
                    expected: buf.len() as u64,
                    found: filled as u64,
                }
                .into())
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ErrorKind::Io(e).into()),
        }
    }
    Ok(())
}

fn header_err(message: impl Into<String>) -> Error {
    ErrorKind::Header {
        message: message.into(),
        offset: None,
    }
    .into()
}

fn parse_dict(
    raw: &[u8],
    version: Version,
    data_offset: usize,
    opts: &ReadOptions,
) -> Result<Header> {
    let header = match version {
        Version::V3_0 => parse_general(raw, version, data_offset, opts)?,
        _ => match parse_canonical(raw, version, data_offset, opts.max_depth) {
            Some(h) => h,
            None => parse_general(raw, version, data_offset, opts)?,
        },
    };
    numpy_can_shape(&header)?;
    Ok(header)
}

/// NumPy's limits on a shape, which hold even when there is no data: each
/// dimension is an `npy_intp` (int64), and the item size times the product
/// of the non-zero dimensions must fit one too (`(0, 2**63)` cannot be
/// loaded, `(0, 2**62)` can).
fn numpy_can_shape(header: &Header) -> Result<()> {
    // Every header passes here: one checked multiply an axis. Each
    // dimension is at most the product unless it is 0, and zeros are
    // checked on their own.
    let limit = i64::MAX as u64;
    let mut bytes = Some(header.dtype.itemsize() as u64);
    let mut too_big = false;
    for &d in &header.shape {
        let d = d as u64;
        too_big |= d > limit;
        if d != 0 {
            bytes = bytes.and_then(|b| b.checked_mul(d));
        }
    }
    if too_big || bytes.map_or(true, |b| b > limit) {
        return Err(ErrorKind::ShapeOverflow {
            shape: shape_repr(&header.shape),
            descr: header.dtype.to_string(),
        }
        .into());
    }
    Ok(())
}

/// Parses any header `np.load` accepts, through a literal tree.
fn parse_general(
    raw: &[u8],
    version: Version,
    data_offset: usize,
    opts: &ReadOptions,
) -> Result<Header> {
    let text: std::borrow::Cow<str> = match version {
        Version::V3_0 => std::str::from_utf8(raw)
            .map_err(|e| {
                Error::from(ErrorKind::Header {
                    message: "format 3.0 header is not valid UTF-8".into(),
                    offset: Some(e.valid_up_to()),
                })
            })?
            .into(),
        // ASCII reads as it is; latin-1 maps each byte to the code point of
        // the same value.
        _ if raw.is_ascii() => std::str::from_utf8(raw).unwrap_or_default().into(),
        _ => raw.iter().map(|&b| b as char).collect::<String>().into(),
    };
    // Each record level costs at most three literal levels: list, tuple, (type, shape).
    let lit_depth = opts.max_depth.saturating_mul(3).saturating_add(4);
    let value = pylit::parse(&text, version != Version::V3_0, lit_depth)?;
    let PyValue::Dict(entries) = value else {
        return Err(header_err(format!(
            "the header must be a dict, found {}",
            value.kind()
        )));
    };
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    for (k, v) in &entries {
        match k {
            // Python dict semantics: a duplicate key's last value wins.
            PyValue::Str(s) if s == "descr" => descr = Some(v),
            PyValue::Str(s) if s == "fortran_order" => fortran = Some(v),
            PyValue::Str(s) if s == "shape" => shape = Some(v),
            other => {
                return Err(header_err(format!(
                    "unexpected key {other}: the header must have exactly the keys 'descr', 'fortran_order' and 'shape'"
                )))
            }
        }
    }
    let missing = |k: &str| {
        header_err(format!("missing key '{k}': the header must have exactly the keys 'descr', 'fortran_order' and 'shape'"))
    };
    let descr = descr.ok_or_else(|| missing("descr"))?;
    let fortran_order = match fortran.ok_or_else(|| missing("fortran_order"))? {
        PyValue::Bool(b) => *b,
        other => {
            return Err(header_err(format!(
                "fortran_order must be True or False, found {other}"
            )))
        }
    };
    let shape = match shape.ok_or_else(|| missing("shape"))? {
        PyValue::Tuple(dims) => dims
            .iter()
            .map(|d| match d {
                PyValue::Int(i) => usize::try_from(*i).map_err(|_| {
                    header_err(format!("shape dimension {i} is negative or too large"))
                }),
                other => Err(header_err(format!(
                    "shape must be a tuple of integers, found an element {other}"
                ))),
            })
            .collect::<Result<Vec<usize>>>()?,
        other => {
            return Err(header_err(format!(
                "shape must be a tuple of integers, found {}",
                other.kind()
            )))
        }
    };
    if shape.len() > MAX_DIMS {
        return Err(header_err(format!(
            "shape has {} dimensions; NumPy arrays have at most {MAX_DIMS}",
            shape.len()
        )));
    }
    let count = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    let dtype = Dtype::from_py(descr, opts.max_depth, count)?;
    Ok(Header {
        dtype,
        shape,
        fortran_order,
        version,
        data_offset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::ByteOrder;

    #[test]
    fn e1_bytes() {
        let h = Header::new(Dtype::F32(ByteOrder::Little), vec![3], false);
        let b = h.to_bytes();
        assert_eq!(b.len(), 128);
        let mut want =
            b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"
                .to_vec();
        want.resize(127, b' ');
        want.push(b'\n');
        assert_eq!(b, want);
        assert_eq!(Header::from_slice(&b).unwrap(), h);
    }

    #[test]
    fn v1_v2_cutoff() {
        // Text of exactly n characters: pad a record name to reach the size.
        for (n, v) in [(65524usize, Version::V1_0), (65525, Version::V2_0)] {
            let base = Header::new(
                Dtype::Record(
                    crate::dtype::Record::packed(vec![(String::new(), Dtype::I8, vec![])]).unwrap(),
                ),
                vec![],
                false,
            );
            let (t, _) = base.render();
            let name = "a".repeat(n - t.len());
            let d = Dtype::Record(
                crate::dtype::Record::packed(vec![(name, Dtype::I8, vec![])]).unwrap(),
            );
            let h = Header::new(d, vec![], false);
            assert_eq!(h.version, v, "{n}");
        }
    }

    /// Both parsers on one header text: where the canonical one answers, the
    /// general one must agree. Returns whether the canonical one answered.
    fn parsers_agree(raw: &[u8], version: Version) -> bool {
        let opts = ReadOptions::default();
        let Some(fast) = parse_canonical(raw, version, 128, opts.max_depth) else {
            return false;
        };
        let general = parse_general(raw, version, 128, &opts);
        assert_eq!(
            general.as_ref().ok(),
            Some(&fast),
            "{:?}",
            String::from_utf8_lossy(raw)
        );
        true
    }

    /// The header text of a file: after magic, version and length.
    fn header_text(file: &[u8]) -> Option<(&[u8], Version)> {
        let (version, len, start) = read_preamble(file).ok()?;
        Some((file.get(start..start + len)?, version))
    }

    #[test]
    fn canonical_parser_agrees_on_every_fixture() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/npy");
        let (mut records, mut files) = (0, 0);
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().map_or(true, |e| e != "npy") {
                continue;
            }
            let file = std::fs::read(&path).unwrap();
            let Some((raw, version)) = header_text(&file) else {
                continue;
            };
            files += 1;
            if version != Version::V3_0 && parsers_agree(raw, version) && raw.contains(&b'[') {
                records += 1;
            }
        }
        // Packed record fixtures take the canonical path; padded, titled and
        // empty ones the general path.
        assert!(
            files > 150 && records >= 15,
            "{files} files, {records} records"
        );
    }

    /// A small deterministic generator, enough to vary dtypes and mutations.
    struct XorShift(u64);

    impl XorShift {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    fn random_dtype(rng: &mut XorShift, depth: usize) -> Dtype {
        const NAMES: [&str; 8] = ["x", "y", "id", "pos", "f0", "two words", "a-b", "Z9"];
        const LEAVES: [&str; 9] = [
            "<f4", ">f8", "|u1", "<i2", "|b1", "<c8", "|S3", "<U2", "<M8[us]",
        ];
        if depth == 0 || rng.below(3) == 0 {
            return LEAVES[rng.below(LEAVES.len())].parse().unwrap();
        }
        let mut fields: Vec<(String, Dtype, Vec<usize>)> = Vec::new();
        for i in 0..1 + rng.below(4) {
            let name = format!("{}{i}", NAMES[rng.below(NAMES.len())]);
            let shape = (0..rng.below(3)).map(|_| rng.below(4)).collect();
            fields.push((name, random_dtype(rng, depth - 1), shape));
        }
        Dtype::Record(crate::dtype::Record::packed(fields).unwrap())
    }

    #[test]
    fn canonical_parser_agrees_on_random_and_mutated_headers() {
        const NOISE: &[u8] = b"'\"(),[] 0123456789<>|fiuSUVb\\x\n";
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        let mut answered = 0;
        for _ in 0..400 {
            let dtype = random_dtype(&mut rng, 3);
            let shape: Vec<usize> = (0..rng.below(4)).map(|_| rng.below(5)).collect();
            let file = Header::new(dtype, shape, rng.below(2) == 0).to_bytes();
            let (raw, version) = header_text(&file).unwrap();
            assert!(parsers_agree(raw, version));
            answered += 1;
            for _ in 0..50 {
                let mut text = raw.to_vec();
                let at = rng.below(text.len());
                match rng.below(3) {
                    0 => text[at] = NOISE[rng.below(NOISE.len())],
                    1 => {
                        text.remove(at);
                    }
                    _ => text.insert(at, NOISE[rng.below(NOISE.len())]),
                }
                answered += usize::from(parsers_agree(&text, version));
            }
        }
        assert!(answered > 2_000, "{answered}");
    }
}
