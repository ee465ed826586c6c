//! The per-element fast path: an [`Elem`] reads a plain number straight from
//! its bytes, and takes every other request to its general [`View`].

use serde::de::{self, Visitor};

use crate::dtype::{ByteOrder, LeafKind, Record};
use crate::error::{Error, Result};

use super::record::field_at;
use super::run::leaf_at;
use super::view::{Lend, View};

/// One element or record field. Requests that match its kind (a plain
/// number) read its bytes directly; all others, and every request for a
/// field of kind `Other`, go through the general [`View`] it came from.
pub(super) struct Elem<'a, 'd, 'm, L> {
    /// The bytes from the element's start: at least its width when `kind`
    /// is a number (a record field gets the rest of its record, so that
    /// taking it costs one bounds check, not two).
    pub(super) bytes: &'d [u8],
    pub(super) kind: LeafKind,
    pub(super) origin: Origin<'a, 'd, 'm, L>,
}

/// Where an [`Elem`] sits, to rebuild its full [`View`] when needed.
pub(super) enum Origin<'a, 'd, 'm, L> {
    /// At `offset` along the last axis of `parent`.
    Axis {
        parent: &'a View<'d, 'm, L>,
        offset: usize,
    },
    /// Field `index` of `record`, at `offset` in `parent.data`.
    Field {
        parent: &'a View<'d, 'm, L>,
        record: &'m Record,
        index: usize,
        offset: usize,
    },
}

impl<'d, 'm, L: Copy> Elem<'_, 'd, 'm, L> {
    /// The element's general view, built out of line from the origin's
    /// fields: handing the `Elem` itself to an out-of-line call, by value or
    /// by reference, would keep every element's `Elem` in memory on the fast
    /// path too.
    #[inline(always)]
    fn full(self) -> View<'d, 'm, L> {
        match self.origin {
            Origin::Axis { parent, offset } => leaf_at(parent, offset),
            Origin::Field {
                parent,
                record,
                index,
                offset,
            } => field_at(parent, record, index, offset),
        }
    }
}

/// Invokes `$then!` with every number the element fast paths read from
/// several bytes, in either byte order: the method, the kind, the type and
/// the visitor call. Shared by [`Elem`] and [`RunElem`].
macro_rules! wide_numbers {
    ($then:ident) => {
        $then! {
            deserialize_i16: I16 => i16, visit_i16;
            deserialize_i32: I32 => i32, visit_i32;
            deserialize_i64: I64 => i64, visit_i64;
            deserialize_u16: U16 => u16, visit_u16;
            deserialize_u32: U32 => u32, visit_u32;
            deserialize_u64: U64 => u64, visit_u64;
            deserialize_f32: F32 => f32, visit_f32;
            deserialize_f64: F64 => f64, visit_f64;
        }
    };
}

/// Invokes `$then!` with the one-byte numbers: the method, the kind and the
/// visitor call with the conversion from the byte.
macro_rules! byte_numbers {
    ($then:ident) => {
        $then! {
            deserialize_u8: U8 => visit_u8(|b: u8| b);
            deserialize_i8: I8 => visit_i8(|b: u8| b as i8);
            deserialize_bool: Bool => visit_bool(|b: u8| b != 0);
        }
    };
}

/// Invokes `$then!` with every other `Deserializer` method of an element,
/// all of which go through its general [`View`] (`deserialize_struct` is
/// left to each element type).
macro_rules! general_requests {
    ($then:ident) => {
        other_requests!($then);
        $then! {
            deserialize_seq(); deserialize_tuple(len: usize); deserialize_tuple_struct(name: &'static str, len: usize);
        }
    };
}

/// [`general_requests!`] but the sequences.
macro_rules! other_requests {
    ($then:ident) => {
        $then! {
            deserialize_any(); deserialize_char(); deserialize_str(); deserialize_string();
            deserialize_bytes(); deserialize_byte_buf(); deserialize_option(); deserialize_unit();
            deserialize_unit_struct(name: &'static str); deserialize_newtype_struct(name: &'static str);
            deserialize_map(); deserialize_enum(name: &'static str, variants: &'static [&'static str]);
            deserialize_identifier(); deserialize_ignored_any(); deserialize_i128(); deserialize_u128();
        }
    };
}

macro_rules! elem_fast {
    ($($method:ident: $kind:ident => $ty:ty, $visit:ident;)*) => {$(
        #[inline(always)]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            // Little-endian first, as one compare of the kind: it is what
            // NumPy writes on every common machine.
            const N: usize = std::mem::size_of::<$ty>();
            let (bytes, kind) = (self.bytes, self.kind);
            if kind == LeafKind::$kind(ByteOrder::Little) {
                if let Some(b) = bytes.get(..N).and_then(|b| <[u8; N]>::try_from(b).ok()) {
                    return visitor.$visit(<$ty>::from_le_bytes(b));
                }
            }
            // Big-endian too is out of line: inline, the compiler reads
            // every number both ways and picks one.
            let view = self.full();
            general(move || match bytes.get(..N).and_then(|b| <[u8; N]>::try_from(b).ok()) {
                Some(b) if kind == LeafKind::$kind(ByteOrder::Big) => {
                    visitor.$visit(<$ty>::from_be_bytes(b))
                }
                _ => view.$method(visitor),
            })
        }
    )*};
}

macro_rules! elem_forward {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value> {
            self.full().$method($($arg,)* visitor)
        }
    )*};
}

macro_rules! elem_byte {
    ($($method:ident: $kind:ident => $visit:ident($conv:expr);)*) => {$(
        #[inline(always)]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            match (self.kind, self.bytes.first()) {
                (LeafKind::$kind, Some(&b)) => visitor.$visit($conv(b)),
                _ => {
                    let view = self.full();
                    general(move || view.$method(visitor))
                }
            }
        }
    )*};
}

impl<'d, 'm, 'de, L: Lend<'d, 'de>> de::Deserializer<'de> for Elem<'_, 'd, 'm, L> {
    type Error = Error;

    wide_numbers!(elem_fast);
    byte_numbers!(elem_byte);
    general_requests!(elem_forward);
    elem_forward! {
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
    }
}

/// Runs `f` out of line, as a cold call: the general paths of the
/// per-element and per-record fast reads go through it, apart from the fast
/// code they would otherwise bloat (and, for big-endian numbers, merge into:
/// see `elem_fast!`).
#[cold]
#[inline(never)]
pub(super) fn general<R>(f: impl FnOnce() -> R) -> R {
    f()
}
