//! Whole-slice paths for sequences of plain numbers whose Rust type is known.
//!
//! serde hands a `Vec<f32>` to a format one element at a time, and stable
//! Rust has no specialization to ask "is this a `Vec<f32>`?". Type ids can
//! answer it, once lifetimes are set aside (see [`type_id`]):
//!
//! - **writing**: `Vec<T>` and `[T]` serialize through
//!   `Serializer::collect_seq` with a `std::slice::Iter<T>`, and that iterator
//!   gives back the whole slice ([`number_bytes`]);
//! - **reading**: `Vec<T>` deserializes through `deserialize_seq` with a
//!   visitor of one type, learnt by letting `Vec<T>` deserialize from a probe.
//!   When the visitor is that one, its value is by definition the `Vec<T>` of
//!   the elements, which is then built in one pass ([`collect_vec`]), from
//!   a slice or as the data arrives from a reader.
//!
//! Anything else (other containers, newtypes around numbers, hand-written
//! visitors, a dtype that is not exactly `T`) takes the element-by-element
//! path, which gives the same result more slowly.

use std::any::TypeId;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;

use serde::de::{self, Deserialize, Visitor};

use crate::dtype::{ByteOrder, LeafKind};
use crate::error::Result;

/// The `TypeId` of `T`, which may hold lifetimes.
///
/// `TypeId::of` wants `T: 'static` so that a type id cannot be used to
/// downcast a short borrow into a long one. Lifetimes do not exist at run
/// time, so `slice::Iter<'a, f32>` has the id of `slice::Iter<'static, f32>`;
/// callers here only compare ids and never lengthen a borrow.
fn type_id<T: ?Sized>() -> TypeId {
    trait Id {
        fn id(&self) -> TypeId
        where
            Self: 'static;
    }
    impl<T: ?Sized> Id for PhantomData<T> {
        fn id(&self) -> TypeId
        where
            Self: 'static,
        {
            TypeId::of::<T>()
        }
    }
    let marker = PhantomData::<T>;
    // SAFETY: only the trait object's lifetime bound changes; the object is a
    // zero-sized marker whose one method reads no data, so nothing borrowed
    // through `T` can be reached, let alone outlive its borrow.
    let erased = unsafe { std::mem::transmute::<&dyn Id, &(dyn Id + 'static)>(&marker) };
    erased.id()
}

/// A number type whose every value is stored in `.npy` as its plain bytes.
trait Number: Copy + 'static {
    /// The element kind of this type in `order`.
    fn kind(order: ByteOrder) -> LeafKind;
    /// Decodes one little-endian value from exactly `size_of::<Self>()` bytes.
    fn read_le(bytes: &[u8]) -> Self;
    /// Decodes one big-endian value from exactly `size_of::<Self>()` bytes.
    fn read_be(bytes: &[u8]) -> Self;
}

macro_rules! numbers {
    ($($ty:ty => $kind:expr;)*) => {
        $(
            impl Number for $ty {
                #[inline(always)]
                fn kind(order: ByteOrder) -> LeafKind {
                    #[allow(clippy::redundant_closure_call)]
                    ($kind)(order)
                }
                #[inline(always)]
                fn read_le(bytes: &[u8]) -> Self {
                    let mut a = [0u8; std::mem::size_of::<$ty>()];
                    a.copy_from_slice(bytes);
                    <$ty>::from_le_bytes(a)
                }
                #[inline(always)]
                fn read_be(bytes: &[u8]) -> Self {
                    let mut a = [0u8; std::mem::size_of::<$ty>()];
                    a.copy_from_slice(bytes);
                    <$ty>::from_be_bytes(a)
                }
            }
        )*

        /// Calls `$body` with `$t` set to each number type in turn (and `bool`).
        macro_rules! for_each_number {
            ($t:ident => $body:block) => {{
                $({ type $t = $ty; $body })*
                { type $t = bool; $body }
            }};
        }
    };
}

numbers! {
    i8 => |_| LeafKind::I8;
    u8 => |_| LeafKind::U8;
    i16 => LeafKind::I16;
    u16 => LeafKind::U16;
    i32 => LeafKind::I32;
    u32 => LeafKind::U32;
    i64 => LeafKind::I64;
    u64 => LeafKind::U64;
    f32 => LeafKind::F32;
    f64 => LeafKind::F64;
}

impl Number for bool {
    #[inline(always)]
    fn kind(_order: ByteOrder) -> LeafKind {
        LeafKind::Bool
    }
    #[inline(always)]
    fn read_le(bytes: &[u8]) -> Self {
        // As the element path reads it: any nonzero byte is true.
        bytes.iter().any(|&b| b != 0)
    }
    #[inline(always)]
    fn read_be(bytes: &[u8]) -> Self {
        Self::read_le(bytes)
    }
}

/// The elements of `iter` as they are stored in a little-endian `.npy` file,
/// with their kind and count, when `iter` is a `slice::Iter` over a plain
/// number type on a little-endian host (`Vec<T>` and `[T]` serialize through
/// one).
#[inline]
pub(crate) fn number_bytes<I>(iter: &I) -> Option<(LeafKind, usize, &[u8])> {
    if cfg!(target_endian = "big") {
        return None;
    }
    for_each_number!(T => {
        if type_id::<I>() == TypeId::of::<std::slice::Iter<'static, T>>() {
            // SAFETY: `I` is `slice::Iter<'x, T>` for some `'x` (type ids
            // differ for any other type), and `'x` outlives the borrow of
            // `iter`, so reading it as `slice::Iter<'_, T>` for that borrow is
            // reading it as its own type.
            let slice = unsafe { &*(iter as *const I).cast::<std::slice::Iter<'_, T>>() }.as_slice();
            // SAFETY: every `Number` is a primitive integer, float or bool:
            // no padding, and its bytes in memory are its little-endian
            // encoding on this (little-endian) host; `u8` needs no alignment,
            // and the byte slice covers exactly the slice's memory for the
            // same borrow.
            let bytes = unsafe {
                std::slice::from_raw_parts(slice.as_ptr().cast::<u8>(), std::mem::size_of_val(slice))
            };
            return Some((T::kind(ByteOrder::Little), slice.len(), bytes));
        }
    });
    None
}

/// The type of visitor `Vec<T>`'s own `Deserialize` impl hands to
/// `deserialize_seq`, learnt by asking it to deserialize from a probe that
/// records the visitor's type and stops.
fn vec_visitor_id<T: Number>() -> Option<TypeId>
where
    Vec<T>: for<'de> Deserialize<'de>,
{
    let mut seen = None;
    // The probe always stops with an error; only what it recorded matters.
    let _ = Vec::<T>::deserialize(VisitorProbe { seen: &mut seen });
    seen
}

/// A deserializer that records the type of the visitor of a sequence request.
struct VisitorProbe<'s> {
    seen: &'s mut Option<TypeId>,
}

#[derive(Debug)]
struct ProbeStop;

impl std::fmt::Display for ProbeStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("visitor probe")
    }
}

impl std::error::Error for ProbeStop {}

impl de::Error for ProbeStop {
    fn custom<M: std::fmt::Display>(_msg: M) -> Self {
        ProbeStop
    }
}

impl<'de> de::Deserializer<'de> for VisitorProbe<'_> {
    type Error = ProbeStop;

    fn deserialize_seq<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ProbeStop> {
        *self.seen = Some(type_id::<V>());
        Err(ProbeStop)
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ProbeStop> {
        Err(ProbeStop)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// Whole elements of one kind, in file order, a chunk at a time: the data
/// section in memory (one chunk) or as it arrives from a reader.
pub(crate) trait ElementChunks {
    /// The next chunk of whole elements, or `None` after the last.
    fn next_chunk(&mut self) -> Result<Option<&[u8]>>;
}

impl ElementChunks for Option<&[u8]> {
    fn next_chunk(&mut self) -> Result<Option<&[u8]>> {
        Ok(self.take())
    }
}

/// `V`'s value, built from `chunks` (whole elements of `kind`) in one pass,
/// when `V` is the visitor of `Vec<T>`'s own `Deserialize` impl and `kind` is
/// exactly `T` in either byte order. `None` means: visit element by element
/// (nothing has been read from `chunks` then).
#[inline]
pub(crate) fn collect_vec<'de, V: Visitor<'de>, C: ElementChunks>(
    kind: LeafKind,
    mut chunks: C,
) -> Option<Result<V::Value>> {
    for_each_number!(T => {
        if type_id::<V::Value>() == TypeId::of::<Vec<T>>() {
            let order = match kind {
                LeafKind::Bool | LeafKind::I8 | LeafKind::U8 => ByteOrder::Little,
                LeafKind::I16(o) | LeafKind::I32(o) | LeafKind::I64(o) | LeafKind::U16(o)
                | LeafKind::U32(o) | LeafKind::U64(o) | LeafKind::F32(o) | LeafKind::F64(o) => o,
                LeafKind::Other => return None,
            };
            if T::kind(order) != kind || vec_visitor_id::<T>() != Some(type_id::<V>()) {
                return None;
            }
            let mut values: Vec<T> = Vec::new();
            loop {
                let chunk = match chunks.next_chunk() {
                    Ok(Some(chunk)) => chunk,
                    Ok(None) => break,
                    Err(e) => return Some(Err(e)),
                };
                // One loop per byte order, so that each is a plain copy (or
                // swap) the compiler can vectorize.
                let elements = chunk.chunks_exact(std::mem::size_of::<T>());
                match order {
                    ByteOrder::Little => values.extend(elements.map(T::read_le)),
                    ByteOrder::Big => values.extend(elements.map(T::read_be)),
                }
            }
            // SAFETY: `V::Value` is `Vec<T>` (equal type ids, and `Vec<T>`
            // has no lifetimes to differ in), so this moves the vector into
            // a variable of its own type; `ManuallyDrop` keeps it from being
            // dropped twice.
            return Some(Ok(unsafe { std::mem::transmute_copy(&*ManuallyDrop::new(values)) }));
        }
    });
    None
}
