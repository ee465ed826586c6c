//! Whole-slice paths for `Vec`s and slices of plain numbers (`T`) or of
//! short rows of them (`[T; 2]`, `[T; 3]`, `[T; 4]`), whose Rust type is known.
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
//! visitors, a dtype that is not exactly `T`, rows that are not the array's
//! contiguous last axis) takes the element-by-element path, which gives the
//! same result more slowly. The item types are a fixed list because each one
//! costs a type-id check in every instantiation of the callers.

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
        <bool as Number>::read_le(bytes)
    }
}

/// What a `Vec` or slice holds, `Self::Value`: a plain number, or a Rust
/// array of two to four of them (a row of an `(n, N)` array: points, pixels,
/// quaternions). Neither has padding, so a slice of items is its numbers
/// back to back.
trait Item {
    type Value: Copy + 'static;
    type Number: Number;
    /// The length of a row (the array's last axis); `None` for a number.
    const ROW: Option<usize>;
    /// Decodes one item from exactly `size_of::<Self::Value>()` bytes.
    fn read_le(bytes: &[u8]) -> Self::Value;
    fn read_be(bytes: &[u8]) -> Self::Value;
}

/// A number as an [`Item`].
struct One<T>(PhantomData<T>);

impl<T: Number> Item for One<T> {
    type Value = T;
    type Number = T;
    const ROW: Option<usize> = None;
    #[inline(always)]
    fn read_le(bytes: &[u8]) -> T {
        T::read_le(bytes)
    }
    #[inline(always)]
    fn read_be(bytes: &[u8]) -> T {
        T::read_be(bytes)
    }
}

/// A row of `N` numbers as an [`Item`].
struct Row<T, const N: usize>(PhantomData<T>);

impl<T: Number, const N: usize> Item for Row<T, N> {
    type Value = [T; N];
    type Number = T;
    const ROW: Option<usize> = Some(N);
    // `bytes` is one whole row (`N * size`): the slicing cannot fail.
    #[inline(always)]
    fn read_le(bytes: &[u8]) -> [T; N] {
        let size = std::mem::size_of::<T>();
        std::array::from_fn(|i| T::read_le(&bytes[i * size..][..size]))
    }
    #[inline(always)]
    fn read_be(bytes: &[u8]) -> [T; N] {
        let size = std::mem::size_of::<T>();
        std::array::from_fn(|i| T::read_be(&bytes[i * size..][..size]))
    }
}

/// Calls `$body` with `$item` set to each [`Item`] whose `Vec` and slice
/// take the whole-slice paths.
macro_rules! for_each_item {
    ($item:ident => $body:block) => {
        for_each_number!(T => {
            { type $item = One<T>; $body }
            { type $item = Row<T, 2>; $body }
            { type $item = Row<T, 3>; $body }
            { type $item = Row<T, 4>; $body }
        })
    };
}

/// A slice of items as the bytes of a little-endian `.npy` file's data.
pub(crate) struct NumberSlice<'a> {
    /// The kind of each number.
    pub(crate) kind: LeafKind,
    /// The items; each is one number, or a row of `row` numbers.
    pub(crate) len: usize,
    pub(crate) row: Option<usize>,
    pub(crate) bytes: &'a [u8],
}

impl NumberSlice<'_> {
    /// Whether the slice is an array of exactly `dims`.
    pub(crate) fn has_dims(&self, dims: &[usize]) -> bool {
        match *dims {
            [len] => self.row.is_none() && len == self.len,
            [len, row] => self.row == Some(row) && len == self.len,
            _ => false,
        }
    }

    /// The array's shape.
    pub(crate) fn dims(&self) -> Vec<usize> {
        match self.row {
            None => vec![self.len],
            Some(row) => vec![self.len, row],
        }
    }
}

/// The items of `iter` as they are stored in a little-endian `.npy` file,
/// when `iter` is a `slice::Iter` over plain numbers or rows of them on a
/// little-endian host (`Vec<T>` and `[T]` serialize through one).
#[inline]
pub(crate) fn number_bytes<I>(iter: &I) -> Option<NumberSlice<'_>> {
    if cfg!(target_endian = "big") {
        return None;
    }
    for_each_item!(AsItem => {
        type E = <AsItem as Item>::Value;
        if type_id::<I>() == TypeId::of::<std::slice::Iter<'static, E>>() {
            // SAFETY: `I` is `slice::Iter<'x, E>` for some `'x` (type ids
            // differ for any other type), and `'x` outlives the borrow of
            // `iter`, so reading it as `slice::Iter<'_, E>` for that borrow
            // is reading it as its own type.
            let slice = unsafe { &*(iter as *const I).cast::<std::slice::Iter<'_, E>>() }.as_slice();
            // SAFETY: every item is a primitive integer, float or bool, or
            // an array of them: no padding, and its bytes in memory are
            // their little-endian encoding on this (little-endian) host;
            // `u8` needs no alignment, and the byte slice covers exactly the
            // slice's memory for the same borrow.
            let bytes = unsafe {
                std::slice::from_raw_parts(slice.as_ptr().cast::<u8>(), std::mem::size_of_val(slice))
            };
            return Some(NumberSlice {
                kind: <AsItem as Item>::Number::kind(ByteOrder::Little),
                len: slice.len(),
                row: <AsItem as Item>::ROW,
                bytes,
            });
        }
    });
    None
}

/// The type of visitor `Vec<E>`'s own `Deserialize` impl hands to
/// `deserialize_seq`, learnt by asking it to deserialize from a probe that
/// records the visitor's type and stops.
fn vec_visitor_id<E>() -> Option<TypeId>
where
    Vec<E>: for<'de> Deserialize<'de>,
{
    let mut seen = None;
    // The probe always stops with an error; only what it recorded matters.
    let _ = Vec::<E>::deserialize(VisitorProbe { seen: &mut seen });
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

/// `V`'s value, built from `chunks` (whole items: numbers of `kind`, or rows
/// of `row` of them) in one pass, when `V` is the visitor of `Vec<E>`'s own
/// `Deserialize` impl for an item type `E` that is exactly that: `T`, or
/// `[T; row]`, with `T` of `kind` in either byte order.
///
/// `None` means: visit element by element (nothing has been read from
/// `chunks` then).
#[inline]
pub(crate) fn collect_vec<'de, V: Visitor<'de>, C: ElementChunks>(
    kind: LeafKind,
    row: Option<usize>,
    chunks: C,
) -> Option<Result<V::Value>> {
    for_each_item!(AsItem => {
        type E = <AsItem as Item>::Value;
        if type_id::<V::Value>() == TypeId::of::<Vec<E>>() {
            let order = order_of::<<AsItem as Item>::Number>(kind)?;
            if <AsItem as Item>::ROW != row || vec_visitor_id::<E>() != Some(type_id::<V>()) {
                return None;
            }
            let values = match decode::<AsItem, C>(order, chunks) {
                Ok(values) => values,
                Err(e) => return Some(Err(e)),
            };
            // SAFETY: `V::Value` is `Vec<E>` (equal type ids, and `Vec<E>`
            // has no lifetimes to differ in), so this moves the vector into a
            // variable of its own type; `ManuallyDrop` keeps it from being
            // dropped twice.
            return Some(Ok(unsafe { std::mem::transmute_copy(&*ManuallyDrop::new(values)) }));
        }
    });
    None
}

/// Whether `V` builds a `Vec` of an item type [`collect_vec`] knows: a
/// constant for each `V`, so callers can skip their own checks for all others.
#[inline(always)]
pub(crate) fn may_collect<'de, V: Visitor<'de>>() -> bool {
    for_each_item!(AsItem => {
        if type_id::<V::Value>() == TypeId::of::<Vec<<AsItem as Item>::Value>>() {
            return true;
        }
    });
    false
}

/// The byte order in which numbers of `kind` are `T`, if they are.
#[inline(always)]
fn order_of<T: Number>(kind: LeafKind) -> Option<ByteOrder> {
    [ByteOrder::Little, ByteOrder::Big]
        .into_iter()
        .find(|&order| T::kind(order) == kind)
}

/// Decodes every item of `chunks`.
fn decode<E: Item, C: ElementChunks>(order: ByteOrder, mut chunks: C) -> Result<Vec<E::Value>> {
    let size = std::mem::size_of::<E::Value>();
    let mut values = Vec::new();
    while let Some(chunk) = chunks.next_chunk()? {
        // One loop per byte order, so that each is a plain copy (or swap)
        // the compiler can vectorize.
        let items = chunk.chunks_exact(size);
        match order {
            ByteOrder::Little => values.extend(items.map(E::read_le)),
            ByteOrder::Big => values.extend(items.map(E::read_be)),
        }
    }
    Ok(values)
}
