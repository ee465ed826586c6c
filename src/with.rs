//! `#[serde(with = "serde_npy")]`: one field of a struct travels as a complete
//! `.npy` blob inside any other serde format.
//!
//! The field becomes one bytes value (MessagePack `bin`, a length-prefixed blob
//! in postcard and bincode, an array of numbers in JSON), so the receiver —
//! Rust, or Python with `np.load(io.BytesIO(blob))` — gets shape and dtype with
//! the data. `Option<T>` fields stay optional in the host format.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{self, Serialize, Serializer};

use crate::de::{Borrowed, Lend, Transient, View};
use crate::error::{Error, ErrorKind};

/// Serializes `value` as one bytes value holding a complete `.npy` file.
///
/// `None` of an `Option` field is written as the host format's none, and
/// `Some(array)` as the blob.
///
/// ```
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, PartialEq, Debug)]
/// struct Frame {
///     id: u32,
///     #[serde(with = "serde_npy")]
///     pixels: Vec<[u8; 3]>,
/// }
///
/// let frame = Frame { id: 7, pixels: vec![[255, 0, 0]; 4] };
/// let json = serde_json::to_string(&frame).unwrap();
/// let back: Frame = serde_json::from_str(&json).unwrap();
/// assert_eq!(back, frame);
/// ```
pub fn serialize<T, S>(value: &T, serializer: S) -> Result<S::Ok, S::Error>
where
    T: Serialize + ?Sized,
    S: Serializer,
{
    match value.serialize(OptionProbe) {
        Ok(None) => serializer.serialize_none(),
        Ok(Some(blob)) => serializer.serialize_some(&Blob(&blob)),
        Err(Probe::Failed(e)) => Err(ser::Error::custom(e)),
        Err(Probe::NotAnOption) => with_scratch(|blob| {
            crate::ser::to_vec_into(value, blob).map_err(ser::Error::custom)?;
            serializer.serialize_bytes(blob)
        }),
    }
}

/// Deserializes a field written by [`serialize`], or any `.npy` blob.
///
/// Accepts borrowed bytes (read in place, so `&[u8]` and `&str` targets can
/// borrow from the host's input), owned bytes, and sequences of `u8` (JSON and
/// other formats without a bytes type).
///
/// A malformed blob is reported through the host format's `custom` error,
/// carrying this crate's message (serde_json, rmp-serde and bincode keep it;
/// postcard replaces every custom message with its own generic error).
///
/// ```
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize)]
/// struct Sent {
///     #[serde(with = "serde_bytes")]
///     samples: Vec<u8>, // a .npy blob made elsewhere, e.g. by np.save into io.BytesIO
/// }
///
/// #[derive(Deserialize)]
/// struct Received {
///     #[serde(with = "serde_npy")]
///     samples: Vec<f64>,
/// }
///
/// let sent = Sent { samples: serde_npy::to_vec(&[0.5f64, 1.5])? };
/// let packed = rmp_serde::to_vec_named(&sent)?;
/// let received: Received = rmp_serde::from_slice(&packed)?;
/// assert_eq!(received.samples, [0.5, 1.5]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn deserialize<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    T::deserialize(BlobDeserializer(deserializer))
}

thread_local! {
    /// A per-thread buffer for blobs, so that embedding an array costs one
    /// copy into the host format instead of a fresh allocation each time.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Buffers larger than this are freed after use rather than kept per thread.
const SCRATCH_KEEP: usize = 16 << 20;

/// Runs `f` with the thread's scratch buffer. A `with` field nested inside
/// another's serialization finds it taken and starts from an empty one.
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    // Taken out of the cell while `f` runs, and `try_with` so that a thread
    // being torn down (a `with` field serialized from another thread-local's
    // `Drop`) gets a fresh buffer instead of a panic.
    let mut buf = SCRATCH
        .try_with(|cell| cell.try_borrow_mut().map(|mut b| std::mem::take(&mut *b)))
        .ok()
        .and_then(|taken| taken.ok())
        .unwrap_or_default();
    let r = f(&mut buf);
    if buf.capacity() <= SCRATCH_KEEP {
        let _ = SCRATCH.try_with(|cell| {
            if let Ok(mut slot) = cell.try_borrow_mut() {
                *slot = buf;
            }
        });
    }
    r
}

/// Serializes a byte slice with `serialize_bytes`.
struct Blob<'a>(&'a [u8]);

impl Serialize for Blob<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

/// Tells an `Option` from everything else without serializing the rest twice.
#[derive(Debug)]
enum Probe {
    NotAnOption,
    Failed(Error),
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Probe::NotAnOption => f.write_str("not an Option"),
            Probe::Failed(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Probe {}

impl ser::Error for Probe {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        Probe::Failed(ErrorKind::Custom(msg.to_string()).into())
    }
}

struct OptionProbe;

macro_rules! not_an_option {
    ($($method:ident($($arg:ty),*) -> $ret:ty;)*) => {$(
        fn $method(self, $(_: $arg),*) -> Result<$ret, Probe> {
            Err(Probe::NotAnOption)
        }
    )*};
}

impl Serializer for OptionProbe {
    type Ok = Option<Vec<u8>>;
    type Error = Probe;
    type SerializeSeq = ser::Impossible<Self::Ok, Probe>;
    type SerializeTuple = ser::Impossible<Self::Ok, Probe>;
    type SerializeTupleStruct = ser::Impossible<Self::Ok, Probe>;
    type SerializeTupleVariant = ser::Impossible<Self::Ok, Probe>;
    type SerializeMap = ser::Impossible<Self::Ok, Probe>;
    type SerializeStruct = ser::Impossible<Self::Ok, Probe>;
    type SerializeStructVariant = ser::Impossible<Self::Ok, Probe>;

    fn serialize_none(self) -> Result<Self::Ok, Probe> {
        Ok(None)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Self::Ok, Probe> {
        crate::to_vec(value).map(Some).map_err(Probe::Failed)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, Probe> {
        Err(Probe::NotAnOption)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, Probe> {
        Err(Probe::NotAnOption)
    }

    not_an_option! {
        serialize_bool(bool) -> Self::Ok;
        serialize_i8(i8) -> Self::Ok;
        serialize_i16(i16) -> Self::Ok;
        serialize_i32(i32) -> Self::Ok;
        serialize_i64(i64) -> Self::Ok;
        serialize_u8(u8) -> Self::Ok;
        serialize_u16(u16) -> Self::Ok;
        serialize_u32(u32) -> Self::Ok;
        serialize_u64(u64) -> Self::Ok;
        serialize_f32(f32) -> Self::Ok;
        serialize_f64(f64) -> Self::Ok;
        serialize_char(char) -> Self::Ok;
        serialize_str(&str) -> Self::Ok;
        serialize_bytes(&[u8]) -> Self::Ok;
        serialize_unit() -> Self::Ok;
        serialize_unit_struct(&'static str) -> Self::Ok;
        serialize_unit_variant(&'static str, u32, &'static str) -> Self::Ok;
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
}

/// The `Deserializer` methods of a deserializer that only passes on what was
/// asked: each becomes its [`Request`], handed to `self.$via(request,
/// visitor)`. `deserialize_option` and `deserialize_ignored_any` are left to
/// the caller, which each treats in its own way. Shared by the `with` helper
/// (a blob in a host format) and `npz` (a member of an archive).
macro_rules! by_request {
    ($via:ident) => {
        $crate::with::by_request! { @$via
            deserialize_any() => Any;
            deserialize_bool() => Bool;
            deserialize_i8() => I8;
            deserialize_i16() => I16;
            deserialize_i32() => I32;
            deserialize_i64() => I64;
            deserialize_u8() => U8;
            deserialize_u16() => U16;
            deserialize_u32() => U32;
            deserialize_u64() => U64;
            deserialize_f32() => F32;
            deserialize_f64() => F64;
            deserialize_char() => Char;
            deserialize_str() => Str;
            deserialize_string() => String;
            deserialize_bytes() => Bytes;
            deserialize_byte_buf() => ByteBuf;
            deserialize_unit() => Unit;
            deserialize_unit_struct(name: &'static str) => UnitStruct(name);
            deserialize_newtype_struct(name: &'static str) => NewtypeStruct(name);
            deserialize_seq() => Seq;
            deserialize_tuple(len: usize) => Tuple(len);
            deserialize_tuple_struct(name: &'static str, len: usize) => TupleStruct(name, len);
            deserialize_map() => Map;
            deserialize_struct(name: &'static str, fields: &'static [&'static str]) => Struct(name, fields);
            deserialize_enum(name: &'static str, variants: &'static [&'static str]) => Enum(name, variants);
            deserialize_identifier() => Identifier;
        }
    };
    (@$via:ident $($method:ident($($arg:ident: $ty:ty),*) => $req:ident$(($($val:ident),*))?;)*) => {$(
        fn $method<V: serde::de::Visitor<'de>>(
            self,
            $($arg: $ty,)*
            visitor: V,
        ) -> core::result::Result<V::Value, Self::Error> {
            self.$via($crate::with::Request::$req$(($($val),*))?, visitor)
        }
    )*};
}
pub(crate) use by_request;

/// What the field's type asked of its deserializer, replayed on the `.npy` blob.
#[derive(Clone, Copy)]
pub(crate) enum Request {
    Any,
    Bool,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
    Char,
    Str,
    String,
    Bytes,
    ByteBuf,
    Unit,
    UnitStruct(&'static str),
    NewtypeStruct(&'static str),
    Seq,
    Tuple(usize),
    TupleStruct(&'static str, usize),
    Map,
    Struct(&'static str, &'static [&'static str]),
    Enum(&'static str, &'static [&'static str]),
    Identifier,
    IgnoredAny,
}

impl Request {
    fn run<'d, 'de, L: Lend<'d, 'de>, V: Visitor<'de>>(
        self,
        view: View<'d, '_, L>,
        v: V,
    ) -> Result<V::Value, Error> {
        use serde::Deserializer as _;
        match self {
            Request::Any => view.deserialize_any(v),
            Request::Bool => view.deserialize_bool(v),
            Request::I8 => view.deserialize_i8(v),
            Request::I16 => view.deserialize_i16(v),
            Request::I32 => view.deserialize_i32(v),
            Request::I64 => view.deserialize_i64(v),
            Request::U8 => view.deserialize_u8(v),
            Request::U16 => view.deserialize_u16(v),
            Request::U32 => view.deserialize_u32(v),
            Request::U64 => view.deserialize_u64(v),
            Request::F32 => view.deserialize_f32(v),
            Request::F64 => view.deserialize_f64(v),
            Request::Char => view.deserialize_char(v),
            Request::Str => view.deserialize_str(v),
            Request::String => view.deserialize_string(v),
            Request::Bytes => view.deserialize_bytes(v),
            Request::ByteBuf => view.deserialize_byte_buf(v),
            Request::Unit => view.deserialize_unit(v),
            Request::UnitStruct(n) => view.deserialize_unit_struct(n, v),
            Request::NewtypeStruct(n) => view.deserialize_newtype_struct(n, v),
            Request::Seq => view.deserialize_seq(v),
            Request::Tuple(len) => view.deserialize_tuple(len, v),
            Request::TupleStruct(n, len) => view.deserialize_tuple_struct(n, len, v),
            Request::Map => view.deserialize_map(v),
            Request::Struct(n, f) => view.deserialize_struct(n, f, v),
            Request::Enum(n, vs) => view.deserialize_enum(n, vs, v),
            Request::Identifier => view.deserialize_identifier(v),
            Request::IgnoredAny => view.deserialize_ignored_any(v),
        }
    }

    /// Parses `blob` and replays the request on it.
    fn on_blob<'d, 'de, L: Lend<'d, 'de>, V: Visitor<'de>>(
        self,
        blob: &'d [u8],
        lend: L,
        v: V,
    ) -> Result<V::Value, Error> {
        let npy = crate::Deserializer::from_slice(blob)?;
        self.run(View::top(npy.header(), npy.data(), lend), v)
    }

    /// [`on_blob`](Self::on_blob) with explicit limits; errors name the
    /// file's dtype.
    #[cfg(feature = "npz")]
    pub(crate) fn on_npy<'d, 'de, L: Lend<'d, 'de>, V: Visitor<'de>>(
        self,
        blob: &'d [u8],
        opts: &crate::ReadOptions,
        lend: L,
        v: V,
    ) -> Result<V::Value, Error> {
        let npy = crate::Deserializer::from_slice_with(blob, opts)?;
        let header = npy.header();
        self.run(View::top(header, npy.data(), lend), v)
            .map_err(|e| e.with_dtype(|| header.dtype.descr()))
    }
}

/// Wraps the host format's deserializer: options pass through, everything
/// else is read as a bytes value and decoded as `.npy`.
struct BlobDeserializer<D>(D);

impl<'de, D: Deserializer<'de>> BlobDeserializer<D> {
    /// Reads the host format's bytes value and replays `request` on it.
    fn via_blob<V: Visitor<'de>>(self, request: Request, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_bytes(BlobVisitor { request, visitor })
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for BlobDeserializer<D> {
    type Error = D::Error;

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_option(OptionVisitor(visitor))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.via_blob(Request::IgnoredAny, visitor)
    }

    by_request!(via_blob);
}

struct OptionVisitor<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for OptionVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an optional .npy blob")
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_none()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_some(BlobDeserializer(d))
    }
}

/// Cap on pre-allocation from a sequence's size hint, as serde_bytes does:
/// the hint comes from untrusted input.
const MAX_PREALLOC: usize = 64 * 1024;

struct BlobVisitor<V> {
    request: Request,
    visitor: V,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for BlobVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a .npy blob (bytes or a sequence of u8)")
    }

    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<V::Value, E> {
        self.request
            .on_blob(v, Borrowed, self.visitor)
            .map_err(E::custom)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<V::Value, E> {
        self.request
            .on_blob(v, Transient, self.visitor)
            .map_err(E::custom)
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<V::Value, E> {
        self.visit_bytes(&v)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        let blob = collect_blob(seq)?;
        self.visit_bytes(&blob)
    }
}

/// A blob sent as a sequence of `u8` (JSON and other formats without bytes).
pub(crate) fn collect_blob<'de, A: de::SeqAccess<'de>>(mut seq: A) -> Result<Vec<u8>, A::Error> {
    let mut blob = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX_PREALLOC));
    while let Some(b) = seq.next_element::<u8>()? {
        blob.push(b);
    }
    Ok(blob)
}
