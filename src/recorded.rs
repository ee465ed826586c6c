//! A serde value recorded as a tree, to be replayed.
//!
//! The `.npy` writer walks a value twice (the header depends on all of it),
//! but a `serde::Serializer` sees the value once. So
//! `impl serde::Serializer for &mut Serializer<W>` records what it is given
//! into a [`Recorded`] tree and hands that to the two-pass writer, whose
//! `Serialize` replays the very same calls. Typed values skip this through
//! [`to_writer`](crate::to_writer), which walks them directly.

use serde::ser::{self, Serialize, SerializeMap, SerializeStruct, SerializeStructVariant};
use serde::ser::{SerializeSeq, SerializeTuple, SerializeTupleStruct, SerializeTupleVariant};

use crate::error::{Error, Result};

/// One serde data-model value, owned.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    Bool(bool),
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    I128(i128),
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    U128(u128),
    F32(f32),
    F64(f64),
    Char(char),
    Str(String),
    Bytes(Vec<u8>),
    None,
    Some(Box<Recorded>),
    Unit,
    UnitStruct(&'static str),
    UnitVariant(&'static str, u32, &'static str),
    NewtypeStruct(&'static str, Box<Recorded>),
    NewtypeVariant(&'static str, u32, &'static str, Box<Recorded>),
    /// A sequence; replayed with its length known, as a `Vec` announces it,
    /// whether or not the original knew it up front.
    Seq(Vec<Recorded>),
    Tuple(Vec<Recorded>),
    TupleStruct(&'static str, Vec<Recorded>),
    TupleVariant(&'static str, u32, &'static str, Vec<Recorded>),
    Map(Vec<(Recorded, Recorded)>),
    Struct(&'static str, Vec<Field>),
    StructVariant(&'static str, u32, &'static str, Vec<Field>),
}

/// A struct field, or a field the struct skipped (`skip_serializing_if`).
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Present(&'static str, Recorded),
    Skipped(&'static str),
}

impl Serialize for Recorded {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Recorded::Bool(v) => s.serialize_bool(*v),
            Recorded::I8(v) => s.serialize_i8(*v),
            Recorded::I16(v) => s.serialize_i16(*v),
            Recorded::I32(v) => s.serialize_i32(*v),
            Recorded::I64(v) => s.serialize_i64(*v),
            Recorded::I128(v) => s.serialize_i128(*v),
            Recorded::U8(v) => s.serialize_u8(*v),
            Recorded::U16(v) => s.serialize_u16(*v),
            Recorded::U32(v) => s.serialize_u32(*v),
            Recorded::U64(v) => s.serialize_u64(*v),
            Recorded::U128(v) => s.serialize_u128(*v),
            Recorded::F32(v) => s.serialize_f32(*v),
            Recorded::F64(v) => s.serialize_f64(*v),
            Recorded::Char(v) => s.serialize_char(*v),
            Recorded::Str(v) => s.serialize_str(v),
            Recorded::Bytes(v) => s.serialize_bytes(v),
            Recorded::None => s.serialize_none(),
            Recorded::Some(v) => s.serialize_some(v),
            Recorded::Unit => s.serialize_unit(),
            Recorded::UnitStruct(name) => s.serialize_unit_struct(name),
            Recorded::UnitVariant(name, i, variant) => s.serialize_unit_variant(name, *i, variant),
            Recorded::NewtypeStruct(name, v) => s.serialize_newtype_struct(name, v),
            Recorded::NewtypeVariant(name, i, variant, v) => {
                s.serialize_newtype_variant(name, *i, variant, v)
            }
            Recorded::Seq(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Recorded::Tuple(items) => {
                let mut tuple = s.serialize_tuple(items.len())?;
                for item in items {
                    tuple.serialize_element(item)?;
                }
                tuple.end()
            }
            Recorded::TupleStruct(name, items) => {
                let mut tuple = s.serialize_tuple_struct(name, items.len())?;
                for item in items {
                    tuple.serialize_field(item)?;
                }
                tuple.end()
            }
            Recorded::TupleVariant(name, i, variant, items) => {
                let mut tuple = s.serialize_tuple_variant(name, *i, variant, items.len())?;
                for item in items {
                    tuple.serialize_field(item)?;
                }
                tuple.end()
            }
            Recorded::Map(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Recorded::Struct(name, fields) => {
                let mut st = s.serialize_struct(name, present(fields))?;
                for field in fields {
                    match field {
                        Field::Present(key, v) => st.serialize_field(key, v)?,
                        Field::Skipped(key) => st.skip_field(key)?,
                    }
                }
                st.end()
            }
            Recorded::StructVariant(name, i, variant, fields) => {
                let mut st = s.serialize_struct_variant(name, *i, variant, present(fields))?;
                for field in fields {
                    match field {
                        Field::Present(key, v) => st.serialize_field(key, v)?,
                        Field::Skipped(key) => st.skip_field(key)?,
                    }
                }
                st.end()
            }
        }
    }
}

/// The field count a struct announces: serde's derive counts the fields it
/// will serialize, not the ones it skips.
fn present(fields: &[Field]) -> usize {
    fields
        .iter()
        .filter(|f| matches!(f, Field::Present(..)))
        .count()
}

/// A `serde::Serializer` whose output is the [`Recorded`] value.
pub struct Recorder;

fn record<T: Serialize + ?Sized>(value: &T) -> Result<Recorded> {
    value.serialize(Recorder)
}

impl ser::Serializer for Recorder {
    type Ok = Recorded;
    type Error = Error;
    type SerializeSeq = Items;
    type SerializeTuple = Items;
    type SerializeTupleStruct = Items;
    type SerializeTupleVariant = Items;
    type SerializeMap = Entries;
    type SerializeStruct = Fields;
    type SerializeStructVariant = Fields;

    fn serialize_bool(self, v: bool) -> Result<Recorded> {
        Ok(Recorded::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Recorded> {
        Ok(Recorded::I8(v))
    }
    fn serialize_i16(self, v: i16) -> Result<Recorded> {
        Ok(Recorded::I16(v))
    }
    fn serialize_i32(self, v: i32) -> Result<Recorded> {
        Ok(Recorded::I32(v))
    }
    fn serialize_i64(self, v: i64) -> Result<Recorded> {
        Ok(Recorded::I64(v))
    }
    fn serialize_i128(self, v: i128) -> Result<Recorded> {
        Ok(Recorded::I128(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Recorded> {
        Ok(Recorded::U8(v))
    }
    fn serialize_u16(self, v: u16) -> Result<Recorded> {
        Ok(Recorded::U16(v))
    }
    fn serialize_u32(self, v: u32) -> Result<Recorded> {
        Ok(Recorded::U32(v))
    }
    fn serialize_u64(self, v: u64) -> Result<Recorded> {
        Ok(Recorded::U64(v))
    }
    fn serialize_u128(self, v: u128) -> Result<Recorded> {
        Ok(Recorded::U128(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Recorded> {
        Ok(Recorded::F32(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Recorded> {
        Ok(Recorded::F64(v))
    }
    fn serialize_char(self, v: char) -> Result<Recorded> {
        Ok(Recorded::Char(v))
    }
    fn serialize_str(self, v: &str) -> Result<Recorded> {
        Ok(Recorded::Str(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Recorded> {
        Ok(Recorded::Bytes(v.to_vec()))
    }
    fn serialize_none(self) -> Result<Recorded> {
        Ok(Recorded::None)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Recorded> {
        Ok(Recorded::Some(Box::new(record(value)?)))
    }
    fn serialize_unit(self) -> Result<Recorded> {
        Ok(Recorded::Unit)
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<Recorded> {
        Ok(Recorded::UnitStruct(name))
    }
    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<Recorded> {
        Ok(Recorded::UnitVariant(name, index, variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Recorded> {
        Ok(Recorded::NewtypeStruct(name, Box::new(record(value)?)))
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Recorded> {
        let value = Box::new(record(value)?);
        Ok(Recorded::NewtypeVariant(name, index, variant, value))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Items> {
        Ok(Items::new(Shape::Seq, len.unwrap_or(0)))
    }
    fn serialize_tuple(self, len: usize) -> Result<Items> {
        Ok(Items::new(Shape::Tuple, len))
    }
    fn serialize_tuple_struct(self, name: &'static str, len: usize) -> Result<Items> {
        Ok(Items::new(Shape::TupleStruct(name), len))
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Items> {
        Ok(Items::new(Shape::TupleVariant(name, index, variant), len))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Entries> {
        Ok(Entries {
            // A length from the input is a hint, not a promise: cap it.
            entries: Vec::with_capacity(len.unwrap_or(0).min(PREALLOC)),
            key: None,
        })
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Fields> {
        Ok(Fields {
            variant: None,
            name,
            fields: Vec::with_capacity(len.min(PREALLOC)),
        })
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Fields> {
        Ok(Fields {
            variant: Some((index, variant)),
            name,
            fields: Vec::with_capacity(len.min(PREALLOC)),
        })
    }
}

/// Most elements reserved up front from an announced length.
const PREALLOC: usize = 4096;

#[derive(Debug)]
enum Shape {
    Seq,
    Tuple,
    TupleStruct(&'static str),
    TupleVariant(&'static str, u32, &'static str),
}

/// The elements of a sequence, tuple or tuple struct being recorded.
#[derive(Debug)]
pub struct Items {
    shape: Shape,
    items: Vec<Recorded>,
}

impl Items {
    fn new(shape: Shape, len: usize) -> Self {
        Items {
            shape,
            items: Vec::with_capacity(len.min(PREALLOC)),
        }
    }

    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.items.push(record(value)?);
        Ok(())
    }

    fn finish(self) -> Recorded {
        match self.shape {
            Shape::Seq => Recorded::Seq(self.items),
            Shape::Tuple => Recorded::Tuple(self.items),
            Shape::TupleStruct(name) => Recorded::TupleStruct(name, self.items),
            Shape::TupleVariant(name, i, variant) => {
                Recorded::TupleVariant(name, i, variant, self.items)
            }
        }
    }
}

/// The four sequence-like traits all push an element and finish by shape.
macro_rules! items_impl {
    ($($trait:ident::$method:ident),*) => {$(
        impl $trait for Items {
            type Ok = Recorded;
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
                self.push(value)
            }
            fn end(self) -> Result<Recorded> {
                Ok(self.finish())
            }
        }
    )*};
}

items_impl!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// The entries of a map being recorded.
#[derive(Debug)]
pub struct Entries {
    entries: Vec<(Recorded, Recorded)>,
    key: Option<Recorded>,
}

impl SerializeMap for Entries {
    type Ok = Recorded;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.key = Some(record(key)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let Some(key) = self.key.take() else {
            return Err(ser::Error::custom(
                "serialize_value called before serialize_key",
            ));
        };
        self.entries.push((key, record(value)?));
        Ok(())
    }
    fn end(self) -> Result<Recorded> {
        Ok(Recorded::Map(self.entries))
    }
}

/// The fields of a struct or struct variant being recorded.
#[derive(Debug)]
pub struct Fields {
    variant: Option<(u32, &'static str)>,
    name: &'static str,
    fields: Vec<Field>,
}

impl Fields {
    fn finish(self) -> Recorded {
        match self.variant {
            None => Recorded::Struct(self.name, self.fields),
            Some((i, variant)) => Recorded::StructVariant(self.name, i, variant, self.fields),
        }
    }
}

/// A struct and a struct variant record their fields alike.
macro_rules! fields_impl {
    ($($trait:ident),*) => {$(
        impl $trait for Fields {
            type Ok = Recorded;
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<()> {
                self.fields.push(Field::Present(key, record(value)?));
                Ok(())
            }
            fn skip_field(&mut self, key: &'static str) -> Result<()> {
                self.fields.push(Field::Skipped(key));
                Ok(())
            }
            fn end(self) -> Result<Recorded> {
                Ok(self.finish())
            }
        }
    )*};
}

fields_impl!(SerializeStruct, SerializeStructVariant);
