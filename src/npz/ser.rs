//! Rust value → `.npz` archive: a struct's fields are the archive's members.
//!
//! The top-level value is walked by [`ArchiveSerializer`]; each field is
//! first classified by [`Probe`] (absent, a group, or an array), then an
//! array is written through the `.npy` writer straight into the archive.

use std::collections::HashSet;
use std::io::{Read, Seek, Write};

use serde::ser::{self, Impossible, Serialize};

use super::zip::{CrcWriter, DeflateWriter, SeekSink, Sink, VecSink, ZipWriter, DEFLATED, STORED};
use super::WriteOptions;
use crate::error::{Error, ErrorKind, Result};

/// Writes members one by one into a seekable writer: the lower level of
/// [`to_writer`](super::to_writer), for archives built piece by piece.
///
/// Each member's bytes are written once, straight into `writer`; its local
/// header is patched afterwards with the CRC-32 and sizes, as CPython's
/// `zipfile` does. [`finish`](Writer::finish) writes the central directory:
/// an archive without it is not readable.
///
/// ```
/// use std::io::Cursor;
///
/// let mut w = serde_npy::npz::Writer::new(Cursor::new(Vec::new()))?;
/// w.add("weights", &vec![0.5f32; 4])?;
/// w.add("step", &7u64)?;
/// let bytes = w.finish()?.into_inner();
///
/// #[derive(serde::Deserialize)]
/// struct Checkpoint { weights: Vec<f32>, step: u64 }
/// let c: Checkpoint = serde_npy::npz::from_slice(&bytes)?;
/// assert_eq!((c.weights.len(), c.step), (4, 7));
/// # Ok::<(), serde_npy::Error>(())
/// ```
pub struct Writer<W: Write + Seek> {
    inner: Members<SeekSink<W>>,
}

// Without `W: Debug`; the members written so far and the options are what
// a log needs.
impl<W: Write + Seek> std::fmt::Debug for Writer<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self.inner.names.iter().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_struct("Writer")
            .field("members", &names)
            .field("compress", &self.inner.compress)
            .field("align", &self.inner.align)
            .finish_non_exhaustive()
    }
}

impl<W: Write + Seek> Writer<W> {
    /// A writer of NumPy's stored archives (`np.savez`), starting at the
    /// writer's current position.
    pub fn new(writer: W) -> Result<Self> {
        Self::with_options(writer, &WriteOptions::new())
    }

    /// A writer with explicit options (compression, alignment).
    pub fn with_options(writer: W, options: &WriteOptions) -> Result<Self> {
        Ok(Writer {
            inner: Members::new(SeekSink::new(writer)?, options),
        })
    }

    /// Adds `value` as member `name + ".npy"`, holding exactly the bytes
    /// [`crate::to_vec`] gives it: the key `np.load(...)[name]` reads.
    pub fn add<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<()> {
        self.inner.add_npy(&format!("{name}.npy"), value)
    }

    /// Adds a member holding `bytes` as they are, under the full `name` (no
    /// `.npy` is appended): a `.npy` file made elsewhere, or any other data,
    /// which `np.load` returns as `bytes`.
    pub fn add_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        self.inner.add_raw(name, &mut |w| Ok(w.write_all(bytes)?))
    }

    /// Adds a member holding everything `reader` yields, under the full
    /// `name`; returns the number of bytes copied. The bytes stream through,
    /// so a member may be larger than memory.
    pub fn add_reader<R: Read>(&mut self, name: &str, mut reader: R) -> Result<u64> {
        let mut copied = 0;
        self.inner.add_raw(name, &mut |w| {
            copied = std::io::copy(&mut reader, w)?;
            Ok(())
        })?;
        Ok(copied)
    }

    /// Writes the central directory and gives the writer back, positioned at
    /// the end of the archive.
    pub fn finish(self) -> Result<W> {
        let mut zip = self.inner.zip;
        zip.finish()?;
        Ok(zip.sink.inner)
    }
}

/// Members written so far, over any [`Sink`].
pub(crate) struct Members<S> {
    zip: ZipWriter<S>,
    compress: bool,
    align: Option<u16>,
    names: HashSet<String>,
}

impl<S: Sink> Members<S> {
    fn new(sink: S, options: &WriteOptions) -> Self {
        Members {
            zip: ZipWriter::new(sink),
            compress: options.compress,
            align: options.align,
            names: HashSet::new(),
        }
    }

    fn claim(&mut self, name: &str) -> Result<()> {
        if !self.names.insert(name.to_owned()) {
            return Err(ErrorKind::DuplicateMember {
                name: name.to_owned(),
            }
            .into());
        }
        Ok(())
    }

    fn method(&self) -> (u16, Option<u16>) {
        if self.compress {
            (DEFLATED, None)
        } else {
            (STORED, self.align)
        }
    }

    pub(crate) fn add_npy<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<()> {
        self.claim(name)?;
        let (method, align) = self.method();
        let open = self.zip.begin(name, method, align)?;
        let start = self.zip.sink.pos();
        let (crc, usize) = if method == STORED {
            let crc = self.zip.sink.put_npy(value).map_err(|e| e.in_field(name))?;
            (crc, self.zip.sink.pos() - start)
        } else {
            deflate_into(&mut self.zip.sink, &mut |w| crate::ser::to_writer(w, value))
                .map_err(|e| e.in_field(name))?
        };
        self.zip.end(open, crc, usize)
    }

    fn add_raw(
        &mut self,
        name: &str,
        write: &mut dyn FnMut(&mut dyn Write) -> Result<()>,
    ) -> Result<()> {
        self.claim(name)?;
        let (method, align) = self.method();
        let open = self.zip.begin(name, method, align)?;
        let start = self.zip.sink.pos();
        let (crc, usize) = if method == STORED {
            let mut hasher = crc32fast::Hasher::new();
            self.zip.sink.put_stream(&mut |w| {
                write(&mut CrcWriter {
                    inner: w,
                    hasher: &mut hasher,
                })
            })?;
            (hasher.finalize(), self.zip.sink.pos() - start)
        } else {
            deflate_into(&mut self.zip.sink, write)?
        };
        self.zip.end(open, crc, usize)
    }
}

/// Deflates what `write` writes into `sink`; returns the CRC-32 and length
/// of the uncompressed bytes.
fn deflate_into<S: Sink>(
    sink: &mut S,
    write: &mut dyn FnMut(&mut dyn Write) -> Result<()>,
) -> Result<(u32, u64)> {
    let mut result = (0, 0);
    sink.put_stream(&mut |out| {
        let mut d = DeflateWriter::new(out);
        write(&mut d)?;
        d.finish()?;
        result = (d.hasher.clone().finalize(), d.count);
        Ok(())
    })?;
    Ok(result)
}

/// Writes `value`'s members into `sink` and finishes the archive.
pub(crate) fn write_archive<S: Sink, T: Serialize + ?Sized>(
    sink: S,
    value: &T,
    options: &WriteOptions,
) -> Result<S> {
    let mut members = Members::new(sink, options);
    value.serialize(ArchiveSerializer {
        members: &mut members,
        prefix: "",
        top: true,
    })?;
    members.zip.finish()?;
    Ok(members.zip.sink)
}

/// Writes an archive in memory.
pub(crate) fn to_vec_with<T: Serialize + ?Sized>(
    value: &T,
    options: &WriteOptions,
) -> Result<Vec<u8>> {
    Ok(write_archive(VecSink { buf: Vec::new() }, value, options)?.buf)
}

/// Writes an archive into a seekable writer.
pub(crate) fn to_writer_with<W: Write + Seek, T: Serialize + ?Sized>(
    writer: W,
    value: &T,
    options: &WriteOptions,
) -> Result<()> {
    let mut sink = write_archive(SeekSink::new(writer)?, value, options)?;
    sink.inner.flush()?;
    Ok(())
}

// ---------------------------------------------------------------------------
// The mapping

/// Walks the archive's value (the top level, or a group inside it).
struct ArchiveSerializer<'a, 'p, S> {
    members: &'a mut Members<S>,
    /// The group's path, ending in `/` (empty at the top).
    prefix: &'p str,
    /// At the top level, where a tuple is `arr_0`, `arr_1`, ….
    top: bool,
}

impl<'a, 'p, S: Sink> ArchiveSerializer<'a, 'p, S> {
    /// Writes the field `key` holding `value`: nothing for `None`, a group
    /// for a struct that is not an array, else one `.npy` member.
    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<()> {
        let kind = match value.serialize(Probe) {
            Ok(kind) | Err(Decided(kind)) => kind,
        };
        match kind {
            Kind::Absent => Ok(()),
            Kind::Some => value.serialize(SomeField { inner: self, key }),
            Kind::Group => {
                let prefix = format!("{}{key}/", self.prefix);
                value.serialize(ArchiveSerializer {
                    members: &mut *self.members,
                    prefix: &prefix,
                    top: false,
                })
            }
            // A value's own error in the probe classifies it as an array:
            // writing it reports the error with its full context.
            Kind::Array => self
                .members
                .add_npy(&format!("{}{key}.npy", self.prefix), value),
        }
    }

    fn not_an_archive(&self, what: &'static str) -> Error {
        ErrorKind::Unsupported {
            what,
            hint: "an .npz archive is a struct, a map with string keys or a tuple of arrays",
        }
        .into()
    }
}

macro_rules! refuse {
    ($($method:ident($($arg:ty),*) => $what:expr;)*) => {$(
        fn $method(self, $(_: $arg),*) -> Result<()> {
            Err(self.not_an_archive($what))
        }
    )*};
}

impl<'a, 'p, S: Sink> ser::Serializer for ArchiveSerializer<'a, 'p, S> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = MapMembers<'a, 'p, S>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), Error>;

    refuse! {
        serialize_bool(bool) => "a bool as a whole archive";
        serialize_i8(i8) => "a number as a whole archive";
        serialize_i16(i16) => "a number as a whole archive";
        serialize_i32(i32) => "a number as a whole archive";
        serialize_i64(i64) => "a number as a whole archive";
        serialize_u8(u8) => "a number as a whole archive";
        serialize_u16(u16) => "a number as a whole archive";
        serialize_u32(u32) => "a number as a whole archive";
        serialize_u64(u64) => "a number as a whole archive";
        serialize_f32(f32) => "a number as a whole archive";
        serialize_f64(f64) => "a number as a whole archive";
        serialize_char(char) => "a char as a whole archive";
        serialize_str(&str) => "a string as a whole archive";
        serialize_bytes(&[u8]) => "bytes as a whole archive";
        serialize_unit_struct(&'static str) => "a unit struct as a whole archive";
        serialize_unit_variant(&'static str, u32, &'static str) => "an enum as a whole archive";
    }

    /// No members: `np.savez(f)`.
    fn serialize_none(self) -> Result<()> {
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<()> {
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<()> {
        Err(self.not_an_archive("an enum as a whole archive"))
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(self.not_an_archive(
            "a sequence as a whole archive (a top-level tuple gives members arr_0, arr_1, …)",
        ))
    }

    fn serialize_tuple(self, _: usize) -> Result<Self> {
        if self.top {
            Ok(self)
        } else {
            Err(self.not_an_archive("a tuple inside a group"))
        }
    }

    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Self> {
        ser::Serializer::serialize_tuple(self, len)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(self.not_an_archive("an enum as a whole archive"))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<MapMembers<'a, 'p, S>> {
        Ok(MapMembers {
            inner: self,
            key: None,
        })
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self> {
        Ok(self)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(self.not_an_archive("an enum as a whole archive"))
    }

    fn collect_str<T: std::fmt::Display + ?Sized>(self, _: &T) -> Result<()> {
        Err(self.not_an_archive("a string as a whole archive"))
    }
}

impl<S: Sink> ser::SerializeStruct for ArchiveSerializer<'_, '_, S> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.entry(key, value)
    }

    fn end(self) -> Result<()> {
        Ok(())
    }
}

/// Positional members, as `np.savez(f, a, b)` names them.
struct Positional;

impl Positional {
    fn name(i: usize) -> String {
        format!("arr_{i}")
    }
}

impl<S: Sink> ser::SerializeTuple for ArchiveSerializer<'_, '_, S> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let i = self.members.names.len();
        self.members
            .add_npy(&format!("{}.npy", Positional::name(i)), value)
    }

    fn end(self) -> Result<()> {
        Ok(())
    }
}

impl<S: Sink> ser::SerializeTupleStruct for ArchiveSerializer<'_, '_, S> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeTuple::serialize_element(self, value)
    }

    fn end(self) -> Result<()> {
        Ok(())
    }
}

/// A map's entries as members, keyed by their string keys.
struct MapMembers<'a, 'p, S> {
    inner: ArchiveSerializer<'a, 'p, S>,
    key: Option<String>,
}

impl<S: Sink> ser::SerializeMap for MapMembers<'_, '_, S> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.key = Some(key.serialize(KeySerializer)?);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        // Invariant: serde calls serialize_key before serialize_value.
        let key = self.key.take().unwrap_or_default();
        self.inner.entry(&key, value)
    }

    fn end(self) -> Result<()> {
        Ok(())
    }
}

/// The `Serializer` methods that start a compound value (and newtype
/// variants), all refused with `$err`: for the serializers below that take
/// one plain value (a map key, the inside of a `Some`).
macro_rules! refuse_compound {
    ($err:expr) => {
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<Self::Ok> {
            Err($err)
        }

        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
            Err($err)
        }

        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
            Err($err)
        }

        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct> {
            Err($err)
        }

        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant> {
            Err($err)
        }

        fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
            Err($err)
        }

        fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
            Err($err)
        }

        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant> {
            Err($err)
        }
    };
}

/// Takes a map key as a member name: strings only.
struct KeySerializer;

fn key_error() -> Error {
    ErrorKind::Unsupported {
        what: "a map key that is not a string",
        hint: "member names are strings",
    }
    .into()
}

macro_rules! key_refuse {
    ($($method:ident($($arg:ty),*);)*) => {$(
        fn $method(self, $(_: $arg),*) -> Result<String> {
            Err(key_error())
        }
    )*};
}

impl ser::Serializer for KeySerializer {
    type Ok = String;
    type Error = Error;
    type SerializeSeq = Impossible<String, Error>;
    type SerializeTuple = Impossible<String, Error>;
    type SerializeTupleStruct = Impossible<String, Error>;
    type SerializeTupleVariant = Impossible<String, Error>;
    type SerializeMap = Impossible<String, Error>;
    type SerializeStruct = Impossible<String, Error>;
    type SerializeStructVariant = Impossible<String, Error>;

    key_refuse! {
        serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
        serialize_i64(i64); serialize_u8(u8); serialize_u16(u16); serialize_u32(u32);
        serialize_u64(u64); serialize_f32(f32); serialize_f64(f64); serialize_bytes(&[u8]);
        serialize_none(); serialize_unit(); serialize_unit_struct(&'static str);
    }

    fn serialize_char(self, v: char) -> Result<String> {
        Ok(v.to_string())
    }

    fn serialize_str(self, v: &str) -> Result<String> {
        Ok(v.to_owned())
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String> {
        Ok(variant.to_owned())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<String> {
        v.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<String> {
        v.serialize(self)
    }

    refuse_compound!(key_error());
}

// ---------------------------------------------------------------------------
// Classifying a field

/// What a field's value is to the archive.
enum Kind {
    /// `None`: no member.
    Absent,
    /// `Some(value)`: what `value` is.
    Some,
    /// A struct that is not an array, or a map: its fields are members
    /// under `field/`.
    Group,
    /// Anything the `.npy` writer takes (or refuses, with its own error).
    Array,
}

/// Looks at the outermost shape of a value, without walking its data.
struct Probe;

/// The probe's early exit: it never needs more than the first call.
#[derive(Debug)]
struct Decided(Kind);

impl std::fmt::Display for Decided {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("classified")
    }
}

impl std::fmt::Debug for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kind::Absent => "Absent",
            Kind::Some => "Some",
            Kind::Group => "Group",
            Kind::Array => "Array",
        })
    }
}

impl std::error::Error for Decided {}

impl ser::Error for Decided {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Decided(Kind::Array)
    }
}

macro_rules! array {
    ($($method:ident($($arg:ty),*);)*) => {$(
        fn $method(self, $(_: $arg),*) -> Result<Kind, Decided> {
            Ok(Kind::Array)
        }
    )*};
}

impl ser::Serializer for Probe {
    type Ok = Kind;
    type Error = Decided;
    type SerializeSeq = Impossible<Kind, Decided>;
    type SerializeTuple = Impossible<Kind, Decided>;
    type SerializeTupleStruct = Impossible<Kind, Decided>;
    type SerializeTupleVariant = Impossible<Kind, Decided>;
    type SerializeMap = Impossible<Kind, Decided>;
    type SerializeStruct = StructProbe;
    type SerializeStructVariant = Impossible<Kind, Decided>;

    array! {
        serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
        serialize_i64(i64); serialize_u8(u8); serialize_u16(u16); serialize_u32(u32);
        serialize_u64(u64); serialize_f32(f32); serialize_f64(f64); serialize_char(char);
        serialize_str(&str); serialize_bytes(&[u8]); serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_none(self) -> Result<Kind, Decided> {
        Ok(Kind::Absent)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<Kind, Decided> {
        Ok(Kind::Some)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<Kind, Decided> {
        v.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Kind, Decided> {
        Ok(Kind::Array)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Decided> {
        Err(Decided(Kind::Array))
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Decided> {
        Err(Decided(Kind::Array))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Decided> {
        Err(Decided(Kind::Array))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Decided> {
        Err(Decided(Kind::Array))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Decided> {
        Err(Decided(Kind::Group))
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<StructProbe, Decided> {
        Ok(StructProbe { keys: Vec::new() })
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Decided> {
        Err(Decided(Kind::Array))
    }
}

/// Collects a struct's field names, to tell an array (`shape` + `data`,
/// ndarray's `v` + `dim` + `data`) from a group, by the rule the `.npy`
/// writer applies.
struct StructProbe {
    keys: Vec<&'static str>,
}

impl ser::SerializeStruct for StructProbe {
    type Ok = Kind;
    type Error = Decided;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        _: &T,
    ) -> Result<(), Decided> {
        if !crate::ser::SHAPED_KEYS.contains(&key) {
            return Err(Decided(Kind::Group));
        }
        self.keys.push(key);
        Ok(())
    }

    fn end(self) -> Result<Kind, Decided> {
        Ok(if crate::de::is_shaped(&self.keys) {
            Kind::Array
        } else {
            Kind::Group
        })
    }
}

/// Writes the value inside a `Some` field as the field itself.
struct SomeField<'f, 'a, 'p, S> {
    inner: &'f mut ArchiveSerializer<'a, 'p, S>,
    key: &'f str,
}

fn not_some() -> Error {
    ErrorKind::Custom(
        "a field's Serialize impl called serialize_some in one pass and not the next".into(),
    )
    .into()
}

macro_rules! not_some {
    ($($method:ident($($arg:ty),*);)*) => {$(
        fn $method(self, $(_: $arg),*) -> Result<()> {
            Err(not_some())
        }
    )*};
}

impl<S: Sink> ser::Serializer for SomeField<'_, '_, '_, S> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    not_some! {
        serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
        serialize_i64(i64); serialize_u8(u8); serialize_u16(u16); serialize_u32(u32);
        serialize_u64(u64); serialize_f32(f32); serialize_f64(f64); serialize_char(char);
        serialize_str(&str); serialize_bytes(&[u8]); serialize_none(); serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        self.inner.entry(self.key, value)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, _: &T) -> Result<()> {
        Err(not_some())
    }

    refuse_compound!(not_some());
}
