//! Reads the value of a metadata field (`shape`, `descr`,
//! `fortran_order`) or an f16's bits: a serializer that keeps what it sees.

use serde::ser::{self, Serialize};

use crate::dtype::Dtype;
use crate::error::{Error, ErrorKind, Result};

/// Captures a metadata field's value; `None` when it is not of the kind `into` wants.
pub(super) fn capture<T: Serialize + ?Sized, R>(
    value: &T,
    into: fn(Captured) -> Option<R>,
) -> Option<R> {
    value.serialize(Capture::default()).ok().and_then(into)
}

/// Values captured from a `shape`, `descr` or `fortran_order` field.
#[derive(Default)]
pub(super) enum Captured {
    #[default]
    Nothing,
    Int(u64),
    Bool(bool),
    Dims(Vec<usize>),
    Str(String),
}

impl Captured {
    pub(super) fn into_dims(self) -> Option<Vec<usize>> {
        match self {
            Captured::Dims(d) => Some(d),
            // ndarray writes a 1-D `dim` as a bare integer.
            Captured::Int(i) => usize::try_from(i).ok().map(|i| vec![i]),
            _ => None,
        }
    }
    pub(super) fn into_dtype(self) -> Option<Dtype> {
        match self {
            Captured::Str(s) => s.parse().ok(),
            _ => None,
        }
    }
    pub(super) fn into_bool(self) -> Option<bool> {
        match self {
            Captured::Bool(b) => Some(b),
            _ => None,
        }
    }
}

/// A small serializer that captures integers, a bool, or a sequence of integers.
#[derive(Default)]
pub(super) struct Capture {
    dims: Vec<usize>,
}

macro_rules! capture_int {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method(self, v: $ty) -> Result<Captured> {
            u64::try_from(v).map(Captured::Int).map_err(|_| ErrorKind::Custom("negative dimension".into()).into())
        }
    )*};
}

impl ser::Serializer for Capture {
    type Ok = Captured;
    type Error = Error;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = ser::Impossible<Captured, Error>;
    type SerializeMap = ser::Impossible<Captured, Error>;
    type SerializeStruct = ser::Impossible<Captured, Error>;
    type SerializeStructVariant = ser::Impossible<Captured, Error>;

    capture_int!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64);

    fn serialize_bool(self, v: bool) -> Result<Captured> {
        Ok(Captured::Bool(v))
    }
    fn serialize_f32(self, _v: f32) -> Result<Captured> {
        Ok(Captured::Nothing)
    }
    fn serialize_f64(self, _v: f64) -> Result<Captured> {
        Ok(Captured::Nothing)
    }
    fn serialize_char(self, _v: char) -> Result<Captured> {
        Ok(Captured::Nothing)
    }
    fn serialize_str(self, v: &str) -> Result<Captured> {
        Ok(Captured::Str(v.to_string()))
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<Captured> {
        Ok(Captured::Nothing)
    }
    fn serialize_none(self) -> Result<Captured> {
        Ok(Captured::Nothing)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> Result<Captured> {
        Ok(Captured::Nothing)
    }
    fn serialize_unit(self) -> Result<Captured> {
        Ok(Captured::Nothing)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Captured> {
        Ok(Captured::Nothing)
    }
    fn serialize_unit_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
    ) -> Result<Captured> {
        Ok(Captured::Nothing)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Captured> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _value: &T,
    ) -> Result<Captured> {
        Ok(Captured::Nothing)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self> {
        Ok(self)
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(ErrorKind::Custom("not a shape".into()).into())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Err(ErrorKind::Custom("not a shape".into()).into())
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        Err(ErrorKind::Custom("not a shape".into()).into())
    }
    fn serialize_struct_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(ErrorKind::Custom("not a shape".into()).into())
    }
}

impl Capture {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        match value.serialize(Capture::default())? {
            Captured::Int(i) => {
                let d = usize::try_from(i)
                    .map_err(|_| ErrorKind::Custom("dimension too large".into()))?;
                self.dims.push(d);
                Ok(())
            }
            _ => Err(ErrorKind::Custom("not a shape".into()).into()),
        }
    }
}

/// Sequences, tuples and tuple structs of integers all capture a shape.
macro_rules! capture_seq {
    ($($trait:ident::$method:ident),*) => {$(
        impl ser::$trait for Capture {
            type Ok = Captured;
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
                self.push(value)
            }
            fn end(self) -> Result<Captured> {
                Ok(Captured::Dims(self.dims))
            }
        }
    )*};
}

capture_seq!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field
);
