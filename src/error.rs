//! The one error type of the crate.
//!
//! [`Error`] is one pointer wide, so that every `Result` in the reader's and
//! writer's per-element loops is returned in registers; everything it says
//! lives behind that pointer: the [`ErrorKind`] to match on, and where it
//! happened (element index, field path, the file's dtype).

use std::fmt::{self, Display};
use std::io;

use serde::de::{Expected, Unexpected};

/// Alias for `Result` with this crate's [`Error`].
///
/// ```
/// fn first(bytes: &[u8]) -> serde_npy::Result<f32> {
///     let values: Vec<f32> = serde_npy::from_slice(bytes)?;
///     Ok(values[0])
/// }
/// assert_eq!(first(&serde_npy::to_vec(&[2.5f32])?)?, 2.5);
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while reading or writing `.npy` data.
///
/// [`kind`](Error::kind) says what went wrong, as a value to match on;
/// [`path`](Error::path) says where in the array (`[3]`, `[1, 2].pos`) and
/// [`dtype`](Error::dtype) which file dtype a read failed on. The message
/// (`Display`) says all three, so it can be shown to a user as it is:
///
/// ```
/// use serde_npy::ErrorKind;
///
/// let bytes = serde_npy::to_vec(&[1.0f32, 2.0, 2.5])?;
/// let err = serde_npy::from_slice::<Vec<i32>>(&bytes).unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::InvalidType { .. }));
/// assert_eq!(err.path().as_deref(), Some("[0]"));
/// assert_eq!(err.dtype(), Some("'<f4'"));
/// assert_eq!(
///     err.to_string(),
///     "invalid type: floating point `1.0`, expected i32 (at [0], file dtype '<f4')"
/// );
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub struct Error {
    inner: Box<ErrorImpl>,
}

struct ErrorImpl {
    kind: ErrorKind,
    /// Where the error happened, innermost step first (it is built as the
    /// error travels outwards).
    path: Vec<Step>,
    /// The file's `descr`, for errors raised while reading values.
    dtype: Option<String>,
}

#[derive(Debug)]
enum Step {
    Index(usize),
    Field(Box<str>),
}

impl Error {
    /// What went wrong.
    ///
    /// ```
    /// use serde_npy::ErrorKind;
    ///
    /// let err = serde_npy::to_vec(&Some(1u8)).unwrap_err();
    /// assert!(matches!(err.kind(), ErrorKind::Unsupported { .. }));
    /// ```
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// What went wrong, by value.
    ///
    /// ```
    /// use serde_npy::ErrorKind;
    /// let err = serde_npy::from_slice::<Vec<u8>>(b"not a .npy").unwrap_err();
    /// match err.into_kind() {
    ///     ErrorKind::BadMagic { found } => assert_eq!(found, b"not a "),
    ///     other => panic!("{other}"),
    /// }
    /// ```
    pub fn into_kind(self) -> ErrorKind {
        self.inner.kind
    }

    /// Where in the array the error happened: element indices and record
    /// field names from the outside in, as in `[3]`, `[1, 2]` or `[4].pos.x`;
    /// `None` for errors that concern the whole file (its header, its length).
    ///
    /// ```
    /// #[derive(serde::Serialize)]
    /// struct P { x: f32, tag: Option<u8> }
    ///
    /// let err = serde_npy::to_vec(&vec![P { x: 1.0, tag: None }]).unwrap_err();
    /// assert_eq!(err.path().as_deref(), Some("[0].tag"));
    /// ```
    pub fn path(&self) -> Option<String> {
        if self.inner.path.is_empty() {
            return None;
        }
        let mut out = String::new();
        let mut steps = self.inner.path.iter().rev().peekable();
        while let Some(step) = steps.next() {
            match step {
                Step::Index(i) => {
                    // Consecutive indices are one N-D index: `[1, 2]`.
                    out.push('[');
                    out.push_str(&i.to_string());
                    while let Some(Step::Index(j)) = steps.peek() {
                        out.push_str(", ");
                        out.push_str(&j.to_string());
                        steps.next();
                    }
                    out.push(']');
                }
                Step::Field(name) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(name);
                }
            }
        }
        Some(out)
    }

    /// The `descr` of the file being read when the error happened (`'<f4'`,
    /// `[('x', '<f4'), ('y', '<f4')]`), so that a message about a missing
    /// field or a wrong type also says what the file holds.
    ///
    /// ```
    /// #[derive(serde::Deserialize, Debug)]
    /// struct P { x: f32, z: f32 }
    ///
    /// #[derive(serde::Serialize)]
    /// struct Q { x: f32, y: f32 }
    ///
    /// let bytes = serde_npy::to_vec(&[Q { x: 1.0, y: 2.0 }])?;
    /// let err = serde_npy::from_slice::<Vec<P>>(&bytes).unwrap_err();
    /// assert!(matches!(err.kind(), serde_npy::ErrorKind::MissingField { field: "z" }));
    /// assert_eq!(err.dtype(), Some("[('x', '<f4'), ('y', '<f4')]"));
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn dtype(&self) -> Option<&str> {
        self.inner.dtype.as_deref()
    }

    /// Whether the input ended too early: a stream cut short, or a reader
    /// at its end.
    ///
    /// ```
    /// let bytes = serde_npy::to_vec(&[1u32, 2, 3])?;
    /// let cut = &bytes[..bytes.len() - 2];
    /// assert!(serde_npy::from_reader::<_, Vec<u32>>(cut).unwrap_err().is_eof());
    /// assert!(!serde_npy::from_slice::<Vec<bool>>(&bytes).unwrap_err().is_eof());
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn is_eof(&self) -> bool {
        match self.kind() {
            ErrorKind::UnexpectedEof { .. } => true,
            ErrorKind::Io(e) => e.kind() == io::ErrorKind::UnexpectedEof,
            _ => false,
        }
    }

    pub(crate) fn kind_mut(&mut self) -> &mut ErrorKind {
        &mut self.inner.kind
    }

    /// Restates an end of input met `done` bytes into a part that needs
    /// `expected` bytes in all (a read of its later chunks counts only
    /// itself); other errors pass through.
    #[cold]
    pub(crate) fn eof_within(mut self, what: &'static str, expected: u64, done: u64) -> Self {
        if let ErrorKind::UnexpectedEof { found, .. } = self.inner.kind {
            self.inner.kind = ErrorKind::UnexpectedEof {
                what,
                expected,
                found: done + found,
            };
        }
        self
    }

    /// The error happened in element `i` of the enclosing axis. A
    /// dimension error names the whole shape it is about, which an element
    /// index would only blur.
    #[cold]
    pub(crate) fn at_index(mut self, i: usize) -> Self {
        if !matches!(self.inner.kind, ErrorKind::Dimension { .. }) {
            self.inner.path.push(Step::Index(i));
        }
        self
    }

    /// The error happened in element `i` of the outermost axis: replaces the
    /// outermost index of the path (or adds one). The planner names a row
    /// planned on its own as element 0; an appender knows its real index.
    #[cold]
    pub(crate) fn at_outer_index(mut self, i: usize) -> Self {
        match self.inner.path.last_mut() {
            Some(Step::Index(j)) => *j = i,
            _ => self.inner.path.push(Step::Index(i)),
        }
        self
    }

    /// The error happened in record field `name`.
    #[cold]
    pub(crate) fn in_field(mut self, name: &str) -> Self {
        self.inner.path.push(Step::Field(name.into()));
        self
    }

    /// The error happened while reading the values of a file of this
    /// `descr`; an error that already names a dtype keeps it, and errors
    /// about the bytes themselves (I/O, a short input) take none.
    #[cold]
    pub(crate) fn with_dtype(mut self, descr: impl FnOnce() -> String) -> Self {
        let about_bytes = matches!(
            self.inner.kind,
            ErrorKind::Io(_) | ErrorKind::UnexpectedEof { .. } | ErrorKind::DataLength { .. }
        );
        if self.inner.dtype.is_none() && !about_bytes {
            self.inner.dtype = Some(descr());
        }
        self
    }
}

impl From<ErrorKind> for Error {
    #[cold]
    fn from(kind: ErrorKind) -> Self {
        Error {
            inner: Box::new(ErrorImpl {
                kind,
                path: Vec::new(),
                dtype: None,
            }),
        }
    }
}

impl From<io::Error> for Error {
    #[cold]
    fn from(e: io::Error) -> Self {
        ErrorKind::Io(e).into()
    }
}

impl Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Display::fmt(&self.inner.kind, f)?;
        match (self.path(), &self.inner.dtype) {
            (Some(path), Some(dtype)) => write!(f, " (at {path}, file dtype {dtype})"),
            (Some(path), None) => write!(f, " (at {path})"),
            (None, Some(dtype)) => write!(f, " (file dtype {dtype})"),
            (None, None) => Ok(()),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Error");
        s.field("kind", &self.inner.kind);
        if let Some(path) = self.path() {
            s.field("path", &path);
        }
        if let Some(dtype) = &self.inner.dtype {
            s.field("dtype", dtype);
        }
        s.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.inner.kind)
    }
}

/// What went wrong: the part of an [`Error`] a program matches on.
///
/// New kinds may be added in minor releases, so a `match` needs a `_` arm.
///
/// ```
/// use serde_npy::ErrorKind;
///
/// let err = serde_npy::from_slice::<Vec<f32>>(b"PK\x03\x04").unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::BadMagic { .. }));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The underlying reader or writer failed.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),

    /// The input ended before a part of the file was complete.
    #[error("unexpected end of input while reading {what}: expected {}, found {found} ({} missing)", count(*expected, "byte"), expected - found)]
    UnexpectedEof {
        /// The part being read (`"magic string"`, `"header"`, `"array data"`, …).
        what: &'static str,
        /// How many bytes that part needs.
        expected: u64,
        /// How many bytes were there.
        found: u64,
    },

    /// The first six bytes are not `\x93NUMPY`.
    #[error(
        "not a .npy file: expected the magic string b\"\\x93NUMPY\", found {}{}",
        escape_bytes(found),
        zip_hint(found)
    )]
    BadMagic {
        /// The bytes found where the magic string belongs.
        found: Vec<u8>,
    },

    /// The format version is not 1.0, 2.0 or 3.0.
    #[error("unsupported .npy format version {major}.{minor}: only 1.0, 2.0 and 3.0 exist")]
    UnsupportedVersion {
        /// Major version byte.
        major: u8,
        /// Minor version byte.
        minor: u8,
    },

    /// The header is longer than the reader's limit.
    #[error("header is {}, more than the limit of {limit}; raise it with `ReadOptions::max_header_len` if the file is trusted", count(*len, "byte"))]
    HeaderTooLarge {
        /// Length of the header as stated in the file.
        len: u64,
        /// The limit in force.
        limit: usize,
    },

    /// The header text is not a valid `.npy` header dictionary.
    #[error("invalid header{}: {message}", at_byte(offset))]
    Header {
        /// What is wrong.
        message: String,
        /// Byte offset into the header text (after the length field) for
        /// syntax errors; `None` when the text parsed but means nothing valid.
        offset: Option<usize>,
    },

    /// The `descr` names a dtype this crate does not read or write.
    #[error("unsupported dtype {descr}: {reason}")]
    UnsupportedDtype {
        /// The descr as found.
        descr: String,
        /// Why it is refused.
        reason: String,
    },

    /// The dtype holds Python objects, whose data is a pickle.
    #[error("dtype {descr} holds Python objects stored as a pickle; pickled data is never loaded (save the array with a numeric, string or structured dtype instead)")]
    ObjectDtype {
        /// The descr as found.
        descr: String,
    },

    /// Shape × itemsize does not fit in memory addresses.
    #[error("shape {shape} of {descr} is too large: its size in bytes overflows")]
    ShapeOverflow {
        /// The shape, as Python writes it.
        shape: String,
        /// The element dtype.
        descr: String,
    },

    /// The data section is shorter than the header announces.
    #[error("data is {}, shape {shape} of {descr} needs {expected}", count(*found, "byte"))]
    DataLength {
        /// The shape, as Python writes it.
        shape: String,
        /// The element dtype.
        descr: String,
        /// Bytes the shape needs.
        expected: u64,
        /// Bytes available.
        found: u64,
    },

    /// The Rust type asks for a different number of dimensions than the file has.
    #[error("expected {expected}, found shape {shape}")]
    Dimension {
        /// What the Rust type asked for, e.g. `"1-D"`.
        expected: String,
        /// The array's shape, as Python writes it.
        shape: String,
    },

    /// A file value cannot be given to the Rust type that was asked for.
    #[error("cannot read {found} as {expected}")]
    TypeMismatch {
        /// What the Rust type asked for.
        expected: String,
        /// What the file holds.
        found: String,
    },

    /// Nested sequences do not form a rectangular array.
    #[error("ragged array: the sequence at index {index} has {}, expected {expected} like the first one", count(*found as u64, "element"))]
    Ragged {
        /// Index of the offending sequence, e.g. `[2]` or `[1, 0]`.
        index: String,
        /// Its length.
        found: usize,
        /// The length of the first sequence at the same depth.
        expected: usize,
    },

    /// Elements of one array serialized as different types.
    #[error("element at index {index} is {found}, expected {expected} like the first element (all elements of an array share one dtype)")]
    MixedTypes {
        /// Index of the offending element.
        index: String,
        /// The dtype of the first element.
        expected: String,
        /// What this element serialized as.
        found: String,
    },

    /// A Rust value has no `.npy` representation.
    #[error("cannot store {what} in a .npy array{}", hint_suffix(hint))]
    Unsupported {
        /// What was found, e.g. `"an enum variant"`.
        what: &'static str,
        /// What to do instead.
        hint: &'static str,
    },

    /// A struct with `shape` and `data` whose lengths disagree.
    #[error("shape {shape} needs {}, but `data` has {found}", count(*expected, "element"))]
    ShapeDataMismatch {
        /// The shape, as Python writes it.
        shape: String,
        /// The product of the shape.
        expected: u64,
        /// The number of elements in `data`.
        found: u64,
    },

    /// A value nested deeper than the reader's limit.
    #[error("the array nests deeper than the limit of {limit} (array axes, record levels and subarray axes together); raise it with `ReadOptions::max_depth` if the file is trusted")]
    TooDeep {
        /// The limit in force.
        limit: usize,
    },

    /// Zero-size axes or items that would decode into far more values than
    /// the data justifies.
    #[error("shape {shape} of {descr} would decode into {elements} sequences and elements from {} of data; raise `ReadOptions::max_elements_without_data` if the file is trusted", count(*data_len, "byte"))]
    TooManyElements {
        /// The shape, as Python writes it.
        shape: String,
        /// The element dtype.
        descr: String,
        /// Sequences and elements the decoder would produce.
        elements: u64,
        /// Bytes of data present.
        data_len: u64,
    },

    /// A `Deserialize` impl was given a value of the wrong type, such as a
    /// float where it wants an integer (serde's `invalid_type`).
    #[error("invalid type: {unexpected}, expected {expected}")]
    InvalidType {
        /// What the file holds, e.g. ``floating point `1.5` ``.
        unexpected: String,
        /// What the Rust type wants, e.g. `i32`.
        expected: String,
    },

    /// A `Deserialize` impl was given a value of the right type but out of
    /// its range, such as `300` for a `u8` (serde's `invalid_value`).
    #[error("invalid value: {unexpected}, expected {expected}")]
    InvalidValue {
        /// The value found.
        unexpected: String,
        /// What the Rust type wants.
        expected: String,
    },

    /// A sequence has a different length than the Rust type wants, such as
    /// an axis of 4 read into `[f32; 3]` (serde's `invalid_length`).
    #[error("invalid length {len}, expected {expected}")]
    InvalidLength {
        /// The length found.
        len: usize,
        /// What the Rust type wants.
        expected: String,
    },

    /// An enum variant name the Rust type does not know.
    #[error("unknown variant `{variant}`, expected {}", one_of(expected))]
    UnknownVariant {
        /// The name found.
        variant: String,
        /// The variants the type knows.
        expected: &'static [&'static str],
    },

    /// A record field the Rust struct does not have, refused because of
    /// `#[serde(deny_unknown_fields)]`.
    #[error("unknown field `{field}`, expected {}", one_of(expected))]
    UnknownField {
        /// The field found in the file.
        field: String,
        /// The fields the struct has.
        expected: &'static [&'static str],
    },

    /// The Rust struct needs a field the file's records do not have; the
    /// error's [`dtype`](Error::dtype) lists the fields the file has.
    #[error("missing field `{field}`")]
    MissingField {
        /// The field the struct needs.
        field: &'static str,
    },

    /// A field appeared twice.
    #[error("duplicate field `{field}`")]
    DuplicateField {
        /// The field's name.
        field: &'static str,
    },

    /// The input is not an `.npz` archive: it does not start with a zip
    /// local header (`PK\x03\x04`) or an empty archive's end record
    /// (`PK\x05\x06`), which is how `np.load` tells an archive.
    #[error(
        "not an .npz archive: expected b\"PK\\x03\\x04\" or b\"PK\\x05\\x06\", found {}{}",
        escape_bytes(found),
        npy_hint(found)
    )]
    NotNpz {
        /// The first bytes of the input (at most four).
        found: Vec<u8>,
    },

    /// The zip container of an `.npz` archive is malformed: a record is cut
    /// short, a size or offset points outside the archive, entries overlap.
    #[error("malformed .npz archive{}: {message}", member_suffix(member))]
    Zip {
        /// The member concerned, when the problem is in one member.
        member: Option<String>,
        /// What is wrong, and where.
        message: String,
    },

    /// A member is compressed with a method this crate does not read.
    #[error("member `{member}` is compressed with zip method {method} ({}); only stored (0) and deflate (8) are read, as np.savez and np.savez_compressed write them", method_name(*method))]
    UnsupportedCompression {
        /// The member's name.
        member: String,
        /// The zip compression method number.
        method: u16,
    },

    /// A member's bytes do not match the CRC-32 the archive records for it.
    #[error("bad CRC-32 for member `{member}`: the archive records {expected:#010x}, its bytes give {found:#010x} (the archive is corrupt)")]
    Crc {
        /// The member's name.
        member: String,
        /// The CRC-32 the central directory records.
        expected: u32,
        /// The CRC-32 of the bytes read.
        found: u32,
    },

    /// Decompressing a member would exceed the reader's limit on inflated
    /// bytes.
    #[error("member `{member}` inflates to {}, which with the members already inflated passes the limit of {limit}; raise it with `npz::ReadOptions::max_inflated` if the archive is trusted", count(*size, "byte"))]
    SizeLimit {
        /// The member's name.
        member: String,
        /// The member's uncompressed size, as the central directory states it.
        size: u64,
        /// The limit in force.
        limit: u64,
    },

    /// A struct field has no member in the archive.
    #[error(
        "missing member `{member}` for field `{field}`; the archive has {}",
        member_list(members)
    )]
    MissingMember {
        /// The field the struct needs.
        field: &'static str,
        /// The member name it was looked up as.
        member: String,
        /// The names of the archive's members (at most the first 32).
        members: Vec<String>,
    },

    /// Two members of an archive being written have the same name.
    #[error("duplicate member name `{name}`: an .npz archive holds each name once")]
    DuplicateMember {
        /// The name written twice.
        name: String,
    },

    /// A member name asked for is not in the archive.
    #[error("no member `{name}` in the archive; it has {}", member_list(members))]
    NoSuchMember {
        /// The name asked for.
        name: String,
        /// The names of the archive's members (at most the first 32).
        members: Vec<String>,
    },

    /// A row given to an [`Appender`](crate::Appender) has another dtype or
    /// row shape than the file's rows; nothing was appended.
    #[error("row {index} does not match the file's rows: expected {expected}, found {found}; every row appended must have exactly the file's dtype and row shape (no casting), and strings must fit its U/S width")]
    RowMismatch {
        /// The index the row would have had along the growing axis.
        index: u64,
        /// The file's rows, e.g. `'<f4'` or `shape (3,) of '<f4'`.
        expected: String,
        /// What the row serialized as.
        found: String,
    },

    /// A file's header has no room for a longer growing axis, so rows cannot
    /// be appended in place; the file was left untouched.
    #[error("the header has no room to grow: the data starts at byte {data_offset}, and a header that can count more rows needs {needed} bytes (NumPy < 1.24 and some other writers leave no spare space). Shifting the data in place could lose rows to a crash, so the file is left untouched: copy it once into a new file with `AppendOptions::open_copy` (or in Python, `np.save(new, np.load(old))` with NumPy >= 1.24), rename the copy over the original, and append to that")]
    NoGrowthRoom {
        /// Where the data starts: the length of the file's preamble.
        data_offset: u64,
        /// The preamble length NumPy's header with growth space needs.
        needed: u64,
    },

    /// A file cannot be appended to, for the reason given.
    #[error("cannot append: {reason}")]
    NotAppendable {
        /// What is wrong, and what to do.
        reason: String,
    },

    /// A message from a `Serialize` or `Deserialize` implementation.
    #[error("{0}")]
    Custom(String),
}

/// `n` and `noun`, in the plural unless `n` is 1: "1 byte", "12 bytes".
pub(crate) fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn member_suffix(member: &Option<String>) -> String {
    match member {
        Some(m) => format!(" (member `{m}`)"),
        None => String::new(),
    }
}

fn method_name(method: u16) -> &'static str {
    match method {
        12 => "bzip2",
        14 => "lzma",
        93 => "zstd",
        95 => "xz",
        _ => "unknown",
    }
}

fn member_list(members: &[String]) -> String {
    if members.is_empty() {
        return "no members".into();
    }
    let mut s = String::from("members ");
    for (i, m) in members.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('`');
        s.push_str(m);
        s.push('`');
    }
    s
}

/// What to say when an archive is read as `.npy`, or an `.npy` as an archive.
fn zip_hint(found: &[u8]) -> &'static str {
    if found.starts_with(b"PK\x03\x04") || found.starts_with(b"PK\x05\x06") {
        "; this is an .npz (zip) archive; read it with serde_npy::npz"
    } else {
        ""
    }
}

fn npy_hint(found: &[u8]) -> &'static str {
    if found.starts_with(b"\x93NUM") {
        "; this is a .npy file; read it with serde_npy::from_slice"
    } else {
        ""
    }
}

fn at_byte(offset: &Option<usize>) -> String {
    match offset {
        Some(o) => format!(" at byte {o} of the header text"),
        None => String::new(),
    }
}

fn hint_suffix(hint: &str) -> String {
    if hint.is_empty() {
        String::new()
    } else {
        format!(" ({hint})")
    }
}

/// serde's wording for a list of expected names.
fn one_of(names: &[&str]) -> String {
    match names {
        [] => "there are none".into(),
        [a] => format!("`{a}`"),
        [a, b] => format!("`{a}` or `{b}`"),
        [init @ .., last] => {
            let mut s = String::from("one of ");
            for n in init {
                s.push_str(&format!("`{n}`, "));
            }
            s.push_str(&format!("`{last}`"));
            s
        }
    }
}

fn escape_bytes(bytes: &[u8]) -> String {
    let mut s = String::from("b\"");
    for b in bytes {
        s.extend(std::ascii::escape_default(*b).map(char::from));
    }
    s.push('"');
    s
}

impl serde::ser::Error for Error {
    #[cold]
    fn custom<T: Display>(msg: T) -> Self {
        ErrorKind::Custom(msg.to_string()).into()
    }
}

impl serde::de::Error for Error {
    #[cold]
    fn custom<T: Display>(msg: T) -> Self {
        ErrorKind::Custom(msg.to_string()).into()
    }

    #[cold]
    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        ErrorKind::InvalidType {
            unexpected: unexp.to_string(),
            expected: exp.to_string(),
        }
        .into()
    }

    #[cold]
    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        ErrorKind::InvalidValue {
            unexpected: unexp.to_string(),
            expected: exp.to_string(),
        }
        .into()
    }

    #[cold]
    fn invalid_length(len: usize, exp: &dyn Expected) -> Self {
        ErrorKind::InvalidLength {
            len,
            expected: exp.to_string(),
        }
        .into()
    }

    #[cold]
    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        ErrorKind::UnknownVariant {
            variant: variant.into(),
            expected,
        }
        .into()
    }

    #[cold]
    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        ErrorKind::UnknownField {
            field: field.into(),
            expected,
        }
        .into()
    }

    #[cold]
    fn missing_field(field: &'static str) -> Self {
        ErrorKind::MissingField { field }.into()
    }

    #[cold]
    fn duplicate_field(field: &'static str) -> Self {
        ErrorKind::DuplicateField { field }.into()
    }
}

/// Formats a shape the way Python writes a tuple: `()`, `(3,)`, `(2, 3)`.
pub(crate) fn shape_repr(shape: &[usize]) -> String {
    struct Repr<'a>(&'a [usize]);
    impl Display for Repr<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("(")?;
            for (i, d) in self.0.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{d}")?;
            }
            if self.0.len() == 1 {
                f.write_str(",")?;
            }
            f.write_str(")")
        }
    }
    Repr(shape).to_string()
}

/// Formats an element index as `[1, 2]`.
pub(crate) fn index_repr(index: &[usize]) -> String {
    format!("{index:?}")
}
