//! The `serde::Serializer` impl of [`Serializer`]: a value seen once, so
//! recorded as a tree, then written as one array when it ends.

use std::io::Write;

use serde::ser::{self, Serialize};

use super::{to_writer, Serializer};
use crate::error::{Error, Result};
use crate::recorded::{self, Recorded, Recorder};

impl<W: Write> Serializer<W> {
    /// Writes a recorded top-level value as one array.
    fn write_recorded(&mut self, value: &Recorded) -> Result<()> {
        to_writer(&mut self.writer, value)
    }
}

/// Each method records its value and writes it as one array; see
/// [`Serializer`].
macro_rules! record_then_write {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method(self, $($arg: $ty),*) -> Result<()> {
            let value = Recorder.$method($($arg),*)?;
            self.write_recorded(&value)
        }
    )*};
}

impl<'a, W: Write> ser::Serializer for &'a mut Serializer<W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Recording<'a, W, recorded::Items>;
    type SerializeTuple = Recording<'a, W, recorded::Items>;
    type SerializeTupleStruct = Recording<'a, W, recorded::Items>;
    type SerializeTupleVariant = Recording<'a, W, recorded::Items>;
    type SerializeMap = Recording<'a, W, recorded::Entries>;
    type SerializeStruct = Recording<'a, W, recorded::Fields>;
    type SerializeStructVariant = Recording<'a, W, recorded::Fields>;

    record_then_write! {
        serialize_bool(v: bool); serialize_i8(v: i8); serialize_i16(v: i16); serialize_i32(v: i32);
        serialize_i64(v: i64); serialize_i128(v: i128); serialize_u8(v: u8); serialize_u16(v: u16);
        serialize_u32(v: u32); serialize_u64(v: u64); serialize_u128(v: u128); serialize_f32(v: f32);
        serialize_f64(v: f64); serialize_char(v: char); serialize_str(v: &str);
        serialize_bytes(v: &[u8]); serialize_none(); serialize_unit();
        serialize_unit_struct(name: &'static str);
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str);
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        let value = Recorder.serialize_some(value)?;
        self.write_recorded(&value)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<()> {
        let value = Recorder.serialize_newtype_struct(name, value)?;
        self.write_recorded(&value)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        let value = Recorder.serialize_newtype_variant(name, index, variant, value)?;
        self.write_recorded(&value)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq> {
        Recording::new(self, Recorder.serialize_seq(len)?)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple> {
        Recording::new(self, Recorder.serialize_tuple(len)?)
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Recording::new(self, Recorder.serialize_tuple_struct(name, len)?)
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Recording::new(
            self,
            Recorder.serialize_tuple_variant(name, index, variant, len)?,
        )
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap> {
        Recording::new(self, Recorder.serialize_map(len)?)
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Self::SerializeStruct> {
        Recording::new(self, Recorder.serialize_struct(name, len)?)
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Recording::new(
            self,
            Recorder.serialize_struct_variant(name, index, variant, len)?,
        )
    }
}

/// A compound top-level value being recorded; written as one array when it
/// ends.
pub struct Recording<'a, W, C> {
    ser: &'a mut Serializer<W>,
    inner: C,
}

impl<'a, W: Write, C> Recording<'a, W, C> {
    fn new(ser: &'a mut Serializer<W>, inner: C) -> Result<Self> {
        Ok(Recording { ser, inner })
    }
}

/// Implements a compound serializer trait for [`Recording`] by recording
/// into its inner part and writing the recorded value at the end.
macro_rules! recording_impl {
    ($trait:ident, $inner:ty, $method:ident) => {
        impl<W: Write> ser::$trait for Recording<'_, W, $inner> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
                ser::$trait::$method(&mut self.inner, value)
            }
            fn end(self) -> Result<()> {
                let value = ser::$trait::end(self.inner)?;
                self.ser.write_recorded(&value)
            }
        }
    };
}

recording_impl!(SerializeSeq, recorded::Items, serialize_element);
recording_impl!(SerializeTuple, recorded::Items, serialize_element);
recording_impl!(SerializeTupleStruct, recorded::Items, serialize_field);
recording_impl!(SerializeTupleVariant, recorded::Items, serialize_field);

impl<W: Write> ser::SerializeMap for Recording<'_, W, recorded::Entries> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.inner.serialize_key(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.inner.serialize_value(value)
    }
    fn end(self) -> Result<()> {
        let value = ser::SerializeMap::end(self.inner)?;
        self.ser.write_recorded(&value)
    }
}

/// Implements a struct serializer trait for [`Recording`].
macro_rules! recording_struct_impl {
    ($trait:ident) => {
        impl<W: Write> ser::$trait for Recording<'_, W, recorded::Fields> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<()> {
                ser::$trait::serialize_field(&mut self.inner, key, value)
            }
            fn skip_field(&mut self, key: &'static str) -> Result<()> {
                ser::$trait::skip_field(&mut self.inner, key)
            }
            fn end(self) -> Result<()> {
                let value = ser::$trait::end(self.inner)?;
                self.ser.write_recorded(&value)
            }
        }
    };
}

recording_struct_impl!(SerializeStruct);
recording_struct_impl!(SerializeStructVariant);
