//! `.npz` archive → Rust values: members are a struct's fields, a map's
//! entries or a tuple's elements, read only when the value asks for them.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io::{Read, Seek};

use serde::de::{self, DeserializeOwned, DeserializeSeed, Visitor};
use serde::Deserialize;

use super::zip::{inflate, Directory, Entry, ReadSource, Source, STORED};
use super::ReadOptions;
use crate::de::{Borrowed, Transient};
use crate::error::{Error, ErrorKind, Result};
use crate::with::Request;
use crate::MAGIC;

/// Where members come from: a byte slice (stored members borrowed) or a
/// reader (every member read into a buffer of its own).
pub(crate) trait Store<'de> {
    fn entries(&self) -> &[Entry];
    fn options(&self) -> &ReadOptions;
    /// The member's bytes, uncompressed and checked against their CRC-32.
    fn open(&self, index: usize) -> Result<Cow<'de, [u8]>>;
}

/// Counts inflated bytes against the limit.
fn reserve_inflate(entry: &Entry, inflated: &Cell<u64>, opts: &ReadOptions) -> Result<()> {
    let total = inflated.get().saturating_add(entry.usize);
    if total > opts.max_inflated {
        return Err(ErrorKind::SizeLimit {
            member: entry.name.clone(),
            size: entry.usize,
            limit: opts.max_inflated,
        }
        .into());
    }
    inflated.set(total);
    Ok(())
}

/// Checks a stored member's sizes agree, and its CRC when asked to.
fn check_stored(entry: &Entry, data: &[u8], opts: &ReadOptions) -> Result<()> {
    if entry.usize != entry.csize {
        return Err(ErrorKind::Zip {
            member: Some(entry.name.clone()),
            message: format!(
                "a stored member of {} bytes claims to uncompress to {}",
                entry.csize, entry.usize
            ),
        }
        .into());
    }
    if opts.verify_crc {
        entry.check_crc(crc32fast::hash(data))?;
    }
    Ok(())
}

fn inflate_checked(entry: &Entry, data: &[u8], opts: &ReadOptions) -> Result<Vec<u8>> {
    let out = inflate(entry, data)?;
    if opts.verify_crc {
        entry.check_crc(crc32fast::hash(&out))?;
    }
    Ok(out)
}

/// The members of an archive in memory.
pub(crate) struct SliceStore<'de> {
    bytes: &'de [u8],
    dir: Directory,
    opts: ReadOptions,
    inflated: Cell<u64>,
}

impl<'de> SliceStore<'de> {
    pub(crate) fn new(bytes: &'de [u8], opts: &ReadOptions) -> Result<Self> {
        Ok(SliceStore {
            bytes,
            dir: Directory::read(&mut &bytes[..])?,
            opts: opts.clone(),
            inflated: Cell::new(0),
        })
    }
}

impl<'de> Store<'de> for SliceStore<'de> {
    fn entries(&self) -> &[Entry] {
        &self.dir.entries
    }

    fn options(&self) -> &ReadOptions {
        &self.opts
    }

    fn open(&self, index: usize) -> Result<Cow<'de, [u8]>> {
        let entry = &self.dir.entries[index];
        entry.check_method()?;
        let start = entry.data_offset(&mut &self.bytes[..])?;
        // Invariant: `data_offset` checked the data ends within the archive.
        let data = &self.bytes[start as usize..(start + entry.csize) as usize];
        if entry.method == STORED {
            check_stored(entry, data, &self.opts)?;
            Ok(Cow::Borrowed(data))
        } else {
            reserve_inflate(entry, &self.inflated, &self.opts)?;
            Ok(Cow::Owned(inflate_checked(entry, data, &self.opts)?))
        }
    }
}

/// The members of an archive behind a reader.
pub(crate) struct ReaderStore<R> {
    src: RefCell<ReadSource<R>>,
    dir: Directory,
    opts: ReadOptions,
    inflated: Cell<u64>,
}

impl<R: Read + Seek> ReaderStore<R> {
    pub(crate) fn new(reader: R, opts: &ReadOptions) -> Result<Self> {
        let mut src = ReadSource::new(reader)?;
        let dir = Directory::read(&mut src)?;
        Ok(ReaderStore {
            src: RefCell::new(src),
            dir,
            opts: opts.clone(),
            inflated: Cell::new(0),
        })
    }

    pub(crate) fn into_inner(self) -> R {
        self.src.into_inner().inner
    }
}

impl<'de, R: Read + Seek> Store<'de> for ReaderStore<R> {
    fn entries(&self) -> &[Entry] {
        &self.dir.entries
    }

    fn options(&self) -> &ReadOptions {
        &self.opts
    }

    fn open(&self, index: usize) -> Result<Cow<'de, [u8]>> {
        let entry = &self.dir.entries[index];
        entry.check_method()?;
        let mut src = self.src.borrow_mut();
        let start = entry.data_offset(&mut *src)?;
        // The data was checked to lie within the archive's length, so the
        // buffer is justified by the input.
        let len = usize::try_from(entry.csize).map_err(|_| Error::from(too_large(entry)))?;
        let mut data = vec![0u8; len];
        src.read_at(start, &mut data)?;
        drop(src);
        if entry.method == STORED {
            check_stored(entry, &data, &self.opts)?;
            Ok(Cow::Owned(data))
        } else {
            reserve_inflate(entry, &self.inflated, &self.opts)?;
            Ok(Cow::Owned(inflate_checked(entry, &data, &self.opts)?))
        }
    }
}

fn too_large(entry: &Entry) -> ErrorKind {
    ErrorKind::Zip {
        member: Some(entry.name.clone()),
        message: "the member is too large for this platform's address space".into(),
    }
}

// ---------------------------------------------------------------------------
// Names

/// NumPy's key for a member: its name with one `.npy` removed.
pub(crate) fn key_of(name: &str) -> &str {
    name.strip_suffix(".npy").unwrap_or(name)
}

/// The member a lookup means, as `NpzFile.__getitem__` finds it: the full
/// name, else the name with `.npy`; the last of duplicates.
pub(crate) fn find(entries: &[Entry], name: &str) -> Option<usize> {
    let exact = entries.iter().rposition(|e| e.name == name);
    exact.or_else(|| {
        entries
            .iter()
            .rposition(|e| e.name.len() == name.len() + 4 && key_of(&e.name) == name)
    })
}

/// The names of the members, for error messages (at most 32).
pub(crate) fn listing(entries: &[Entry]) -> Vec<String> {
    entries.iter().take(32).map(|e| e.name.clone()).collect()
}

pub(crate) fn no_such_member(entries: &[Entry], name: &str) -> Error {
    ErrorKind::NoSuchMember {
        name: name.to_owned(),
        members: listing(entries),
    }
    .into()
}

/// One entry of a level: a member, or a group of members under `key/`.
enum Child {
    Member(usize),
    Group,
}

/// The children of the group at `prefix`, each key once (the last member of
/// a name wins), in the order they first appear.
fn children(entries: &[Entry], prefix: &str, fields: &[&str]) -> Vec<(String, Child)> {
    let mut out: Vec<(String, Child)> = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        let Some(rest) = e.name.strip_prefix(prefix) else {
            continue;
        };
        let whole = key_of(rest);
        let (key, child) = match rest.find('/') {
            // A field named `a/b` is the member `a/b.npy`, not a group.
            _ if fields.contains(&whole) => (whole, Child::Member(i)),
            Some(at) if at + 1 < rest.len() => (&rest[..at], Child::Group),
            _ => (whole, Child::Member(i)),
        };
        match seen.get(key) {
            // A member outranks a group of the same name.
            Some(&slot) => {
                if let Child::Member(_) = child {
                    out[slot].1 = child;
                }
            }
            None => {
                seen.insert(key, out.len());
                out.push((key.to_owned(), child));
            }
        }
    }
    out
}

/// Every member under `prefix`, by NumPy's key relative to it, each once.
fn flat(entries: &[Entry], prefix: &str) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        let Some(rest) = e.name.strip_prefix(prefix) else {
            continue;
        };
        let key = key_of(rest);
        match seen.get(key) {
            Some(&slot) => out[slot].1 = i,
            None => {
                seen.insert(key, out.len());
                out.push((key.to_owned(), i));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// A level: the archive, or a group inside it

/// The archive at `prefix` (empty for the whole archive, `enc/` for a group).
pub(crate) struct Level<'s, S> {
    pub(crate) store: &'s S,
    pub(crate) prefix: String,
}

impl<'s, S> Level<'s, S> {
    fn member(&self, index: usize) -> MemberDeserializer<'s, S> {
        MemberDeserializer {
            store: self.store,
            index,
        }
    }
}

impl<'de, 's, S: Store<'de>> Level<'s, S> {
    fn wrong(&self, what: &str) -> Error {
        ErrorKind::TypeMismatch {
            expected: what.to_owned(),
            found: if self.prefix.is_empty() {
                "an .npz archive, which reads into a struct, a map or a tuple".into()
            } else {
                format!(
                    "the group `{}` of an .npz archive, which reads into a struct or a map",
                    self.prefix.trim_end_matches('/')
                )
            },
        }
        .into()
    }

    fn missing(&self, e: Error) -> Error {
        match e.kind() {
            ErrorKind::MissingField { field } if e.path().is_none() => ErrorKind::MissingMember {
                field,
                member: format!("{}{field}.npy", self.prefix),
                members: listing(self.store.entries()),
            }
            .into(),
            _ => e,
        }
    }
}

macro_rules! level_refuses {
    ($($method:ident($($arg:ident: $ty:ty),*) => $what:expr;)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* _visitor: V) -> Result<V::Value> {
            $(let _ = $arg;)*
            Err(self.wrong($what))
        }
    )*};
}

impl<'de, 's, S: Store<'de>> de::Deserializer<'de> for Level<'s, S> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let entries = flat(self.store.entries(), &self.prefix);
        visitor.visit_map(FlatAccess {
            level: &self,
            entries: entries.into_iter(),
            next: None,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let children = children(self.store.entries(), &self.prefix, fields);
        let r = visitor.visit_map(StructAccess {
            level: &self,
            children: children.into_iter(),
            next: None,
        });
        r.map_err(|e| self.missing(e))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let entries = flat(self.store.entries(), &self.prefix);
        visitor.visit_seq(PositionalAccess {
            level: &self,
            entries,
            index: 0,
        })
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    level_refuses! {
        deserialize_bool() => "a bool";
        deserialize_i8() => "an integer";
        deserialize_i16() => "an integer";
        deserialize_i32() => "an integer";
        deserialize_i64() => "an integer";
        deserialize_i128() => "an integer";
        deserialize_u8() => "an integer";
        deserialize_u16() => "an integer";
        deserialize_u32() => "an integer";
        deserialize_u64() => "an integer";
        deserialize_u128() => "an integer";
        deserialize_f32() => "a float";
        deserialize_f64() => "a float";
        deserialize_char() => "a char";
        deserialize_str() => "a string";
        deserialize_string() => "a string";
        deserialize_bytes() => "bytes";
        deserialize_byte_buf() => "bytes";
        deserialize_identifier() => "an identifier";
        deserialize_unit_struct(name: &'static str) => "a unit struct";
        deserialize_enum(name: &'static str, variants: &'static [&'static str]) => "an enum";
    }
}

/// A struct's fields: one entry per child (member or group).
struct StructAccess<'l, 's, S> {
    level: &'l Level<'s, S>,
    children: std::vec::IntoIter<(String, Child)>,
    next: Option<(String, Child)>,
}

impl<'de, S: Store<'de>> de::MapAccess<'de> for StructAccess<'_, '_, S> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some((key, child)) = self.children.next() else {
            return Ok(None);
        };
        let k = seed.deserialize(de::value::StrDeserializer::<Error>::new(&key))?;
        self.next = Some((key, child));
        Ok(Some(k))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value> {
        let (key, child) = self.next.take().ok_or_else(value_before_key)?;
        match child {
            Child::Member(i) => seed.deserialize(self.level.member(i)),
            Child::Group => seed.deserialize(Level {
                store: self.level.store,
                prefix: format!("{}{key}/", self.level.prefix),
            }),
        }
    }
}

fn value_before_key() -> Error {
    ErrorKind::Custom("next_value called before next_key".into()).into()
}

/// A map's entries: every member under the level, by NumPy's key.
struct FlatAccess<'l, 's, S> {
    level: &'l Level<'s, S>,
    entries: std::vec::IntoIter<(String, usize)>,
    next: Option<usize>,
}

impl<'de, S: Store<'de>> de::MapAccess<'de> for FlatAccess<'_, '_, S> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some((key, index)) = self.entries.next() else {
            return Ok(None);
        };
        self.next = Some(index);
        seed.deserialize(de::value::StrDeserializer::<Error>::new(&key))
            .map(Some)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value> {
        let index = self.next.take().ok_or_else(value_before_key)?;
        seed.deserialize(self.level.member(index))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// A tuple's elements: members `arr_0`, `arr_1`, … until one is missing.
struct PositionalAccess<'l, 's, S> {
    level: &'l Level<'s, S>,
    entries: Vec<(String, usize)>,
    index: usize,
}

impl<'de, S: Store<'de>> de::SeqAccess<'de> for PositionalAccess<'_, '_, S> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let name = format!("arr_{}", self.index);
        let Some(&(_, member)) = self.entries.iter().rev().find(|(k, _)| *k == name) else {
            return Ok(None);
        };
        self.index += 1;
        seed.deserialize(self.level.member(member)).map(Some)
    }
}

// ---------------------------------------------------------------------------
// One member

/// Deserializes one member: a `.npy` through the crate's reader, anything
/// else as raw bytes (as `np.load` returns it).
pub(crate) struct MemberDeserializer<'s, S> {
    pub(crate) store: &'s S,
    pub(crate) index: usize,
}

impl<'de, S: Store<'de>> MemberDeserializer<'_, S> {
    fn run<V: Visitor<'de>>(self, request: Request, visitor: V) -> Result<V::Value> {
        let entry = &self.store.entries()[self.index];
        let name = entry.name.as_str();
        let bytes = self.store.open(self.index).map_err(|e| e.in_field(name))?;
        let opts = &self.store.options().npy;
        let r = if bytes.starts_with(MAGIC) {
            match bytes {
                Cow::Borrowed(b) => request.on_npy(b, opts, Borrowed, visitor),
                Cow::Owned(b) => request.on_npy(&b, opts, Transient, visitor),
            }
        } else {
            raw(bytes, request, visitor)
        };
        r.map_err(|e| e.in_field(name))
    }
}

/// A member without the `.npy` magic: its bytes.
fn raw<'de, V: Visitor<'de>>(
    bytes: Cow<'de, [u8]>,
    request: Request,
    visitor: V,
) -> Result<V::Value> {
    match request {
        // `deserialize_any` too: self-describing targets (JSON values) take
        // bytes as a sequence of numbers.
        Request::Any | Request::Seq | Request::Tuple(_) | Request::TupleStruct(..) => visitor
            .visit_seq(de::value::SeqDeserializer::<_, Error>::new(
                bytes.iter().copied(),
            )),
        _ => match bytes {
            Cow::Borrowed(b) => visitor.visit_borrowed_bytes(b),
            Cow::Owned(b) => visitor.visit_byte_buf(b),
        },
    }
}

impl<'de, S: Store<'de>> de::Deserializer<'de> for MemberDeserializer<'_, S> {
    type Error = Error;

    /// A member that is there is `Some`; a missing one never gets here.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_some(self)
    }

    /// An ignored member is never read.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    crate::with::by_request!(run);
}

// ---------------------------------------------------------------------------
// Entry points

/// Deserializes a whole archive from a store.
pub(crate) fn from_store<'de, S: Store<'de>, T: Deserialize<'de>>(store: &S) -> Result<T> {
    T::deserialize(Level {
        store,
        prefix: String::new(),
    })
}

/// Deserializes a whole archive behind a reader.
pub(crate) fn from_reader_with<R: Read + Seek, T: DeserializeOwned>(
    reader: R,
    opts: &ReadOptions,
) -> Result<T> {
    let store = ReaderStore::new(reader, opts)?;
    from_store(&store)
}
