//! The one error type of the crate.

use std::fmt::{self, Display};
use std::io;

/// Alias for `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while reading or writing `.npy` data.
///
/// Messages say what was expected, what was found and where, so that they can
/// be shown to a user as they are.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The underlying reader or writer failed.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),

    /// The input ended before a part of the file was complete.
    #[error("unexpected end of input while reading {what}: expected {expected} bytes, found {found} ({} missing)", expected - found)]
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
        "not a .npy file: expected the magic string b\"\\x93NUMPY\", found {}",
        escape_bytes(found)
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
    #[error("header is {len} bytes, more than the limit of {limit}; raise it with `ReadOptions::max_header_len` if the file is trusted")]
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
    #[error("data is {found} bytes, shape {shape} of {descr} needs {expected}")]
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
    #[error("ragged array: the sequence at index {index} has {found} elements, expected {expected} like the first one")]
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
    #[error("shape {shape} needs {expected} elements, but `data` has {found}")]
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
    #[error("shape {shape} of {descr} would decode into {elements} sequences and elements from {data_len} bytes of data; raise `ReadOptions::max_elements_without_data` if the file is trusted")]
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

    /// A message from a `Serialize` or `Deserialize` implementation.
    #[error("{0}")]
    Custom(String),
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

fn escape_bytes(bytes: &[u8]) -> String {
    let mut s = String::from("b\"");
    for b in bytes {
        s.extend(std::ascii::escape_default(*b).map(char::from));
    }
    s.push('"');
    s
}

impl serde::ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error::Custom(msg.to_string())
    }
}

impl serde::de::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error::Custom(msg.to_string())
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
