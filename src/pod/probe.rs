//! The probe that proves a record is its own `.npy` bytes: a serializer that
//! walks one value and checks every number it is handed against the value's
//! memory.

use std::fmt;
use std::mem::size_of;

use bytemuck::Pod;
use serde::ser::{self, Serialize, Serializer};

/// Whether `record` serializes as exactly its own bytes: numbers only, each
/// from its own place in `record`, in memory order, covering every byte.
pub(super) fn holds_own_bytes<T: Pod + Serialize>(record: &T) -> bool {
    let mut tiler = Tiler {
        base: record as *const T as usize,
        bytes: bytemuck::bytes_of(record),
        next: 0,
    };
    let at = LeafAt {
        addr: tiler.base,
        tiler: &mut tiler,
    };
    record.serialize(at).is_ok() && tiler.next == size_of::<T>()
}

/// Walks a record, expecting its numbers back to back from offset 0.
struct Tiler<'r> {
    base: usize,
    bytes: &'r [u8],
    /// Offset at which the next number must sit.
    next: usize,
}

/// Not a record that is its own bytes; nothing more to learn from it.
#[derive(Debug)]
struct Untiled;

impl fmt::Display for Untiled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a record laid out as its .npy bytes")
    }
}

impl std::error::Error for Untiled {}

/// What each step of the walk returns.
type Tiled = std::result::Result<(), Untiled>;

impl ser::Error for Untiled {
    fn custom<M: fmt::Display>(_msg: M) -> Self {
        Untiled
    }
}

/// Serializes a value found at `addr`.
struct LeafAt<'t, 'r> {
    tiler: &'t mut Tiler<'r>,
    addr: usize,
}

impl LeafAt<'_, '_> {
    /// A number written from this place: it must be the next bytes of the
    /// record, both where it sits and what it holds. (Its size need not be
    /// checked: the next number, or the final length, would be misplaced.)
    fn number(self, value: &[u8]) -> Tiled {
        let tiler = self.tiler;
        let at = tiler.base.wrapping_add(tiler.next);
        let end = tiler.next + value.len();
        if self.addr != at || tiler.bytes.get(tiler.next..end) != Some(value) {
            return Err(Untiled);
        }
        tiler.next = end;
        Ok(())
    }
}

/// Where a value reached through a reference sits.
fn place<V: ?Sized>(value: &V) -> usize {
    value as *const V as *const u8 as usize
}

/// The compound forms a record can take; each element is checked at its own
/// address.
struct Members<'t, 'r> {
    tiler: &'t mut Tiler<'r>,
}

impl Members<'_, '_> {
    fn member<V: Serialize + ?Sized>(&mut self, value: &V) -> Tiled {
        value.serialize(LeafAt {
            tiler: self.tiler,
            addr: place(value),
        })
    }
}

impl ser::SerializeStruct for Members<'_, '_> {
    type Ok = ();
    type Error = Untiled;

    fn serialize_field<V: Serialize + ?Sized>(&mut self, _key: &'static str, value: &V) -> Tiled {
        self.member(value)
    }

    fn end(self) -> Tiled {
        Ok(())
    }
}

impl ser::SerializeTuple for Members<'_, '_> {
    type Ok = ();
    type Error = Untiled;

    fn serialize_element<V: Serialize + ?Sized>(&mut self, value: &V) -> Tiled {
        self.member(value)
    }

    fn end(self) -> Tiled {
        Ok(())
    }
}

impl ser::SerializeTupleStruct for Members<'_, '_> {
    type Ok = ();
    type Error = Untiled;

    fn serialize_field<V: Serialize + ?Sized>(&mut self, value: &V) -> Tiled {
        self.member(value)
    }

    fn end(self) -> Tiled {
        Ok(())
    }
}

macro_rules! tiled_numbers {
    ($($method:ident: $ty:ty;)*) => {$(
        fn $method(self, v: $ty) -> Tiled {
            self.number(&v.to_ne_bytes())
        }
    )*};
}

macro_rules! untiled {
    ($($method:ident($($arg:ty),*) -> $ret:ty;)*) => {$(
        fn $method(self, $(_: $arg),*) -> std::result::Result<$ret, Untiled> {
            Err(Untiled)
        }
    )*};
}

impl<'t, 'r> Serializer for LeafAt<'t, 'r> {
    type Ok = ();
    type Error = Untiled;
    type SerializeSeq = ser::Impossible<(), Untiled>;
    type SerializeTuple = Members<'t, 'r>;
    type SerializeTupleStruct = Members<'t, 'r>;
    type SerializeTupleVariant = ser::Impossible<(), Untiled>;
    type SerializeMap = ser::Impossible<(), Untiled>;
    type SerializeStruct = Members<'t, 'r>;
    type SerializeStructVariant = ser::Impossible<(), Untiled>;

    tiled_numbers! {
        serialize_i8: i8;
        serialize_i16: i16;
        serialize_i32: i32;
        serialize_i64: i64;
        serialize_u8: u8;
        serialize_u16: u16;
        serialize_u32: u32;
        serialize_u64: u64;
        serialize_f32: f32;
        serialize_f64: f64;
    }

    fn serialize_newtype_struct<V: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &V,
    ) -> Tiled {
        // `f16`, `bf16`, `Complex` and the datetimes are newtypes the planner
        // gives dtypes of their own; leave them to serde.
        if crate::dtype::special_newtype(name) {
            return Err(Untiled);
        }
        value.serialize(LeafAt {
            tiler: self.tiler,
            addr: place(value),
        })
    }

    fn serialize_tuple(self, _len: usize) -> std::result::Result<Members<'t, 'r>, Untiled> {
        Ok(Members { tiler: self.tiler })
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> std::result::Result<Members<'t, 'r>, Untiled> {
        Ok(Members { tiler: self.tiler })
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> std::result::Result<Members<'t, 'r>, Untiled> {
        Ok(Members { tiler: self.tiler })
    }

    fn serialize_some<V: Serialize + ?Sized>(self, _: &V) -> Tiled {
        Err(Untiled)
    }

    fn serialize_newtype_variant<V: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &V,
    ) -> Tiled {
        Err(Untiled)
    }

    untiled! {
        serialize_bool(bool) -> ();
        serialize_char(char) -> ();
        serialize_str(&str) -> ();
        serialize_bytes(&[u8]) -> ();
        serialize_none() -> ();
        serialize_unit() -> ();
        serialize_unit_struct(&'static str) -> ();
        serialize_unit_variant(&'static str, u32, &'static str) -> ();
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_elsewhere_is_not_tiled() {
        let pair = [1u32, 2u32];
        let mut tiler = Tiler {
            base: &pair as *const _ as usize,
            bytes: bytemuck::bytes_of(&pair),
            next: 0,
        };
        // The second element, checked where the first must be.
        let leaf = LeafAt {
            addr: &pair[1] as *const u32 as usize,
            tiler: &mut tiler,
        };
        assert!(leaf.number(&2u32.to_ne_bytes()).is_err());
    }
}
