//! Checks, without allocating, that a value is an array of a known shape of
//! plain numbers of one kind: the elements after the first of a Rust array.

use serde::ser::{self, Serialize};

use super::plan::scalar_dtypes;
use crate::complex::COMPLEX_NEWTYPE;
use crate::dtype::{ByteOrder, Dtype, LeafKind, F16_NEWTYPE};

/// Asks a value whether it is an array of shape `dims` (one number when
/// empty) of plain numbers of one kind, and which kind. Cheaper than a
/// [`Plan`], and allocation-free, for the elements of Rust arrays, which
/// serialize as tuples and so cannot stop planning after the first element.
pub(super) struct ShapeProbe<'p> {
    pub(super) dims: &'p [usize],
    /// The kind the numbers must have, when known: a row of another kind is
    /// then a miss at its first number rather than after its last.
    pub(super) kind: Option<LeafKind>,
}

/// A value that is not such an array; it gets planned instead.
#[derive(Debug)]
pub(super) struct ProbeMiss;

impl std::fmt::Display for ProbeMiss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not an array of plain numbers of one kind")
    }
}

impl std::error::Error for ProbeMiss {}

impl ser::Error for ProbeMiss {
    fn custom<T: std::fmt::Display>(_msg: T) -> Self {
        ProbeMiss
    }
}

macro_rules! probe_scalar {
    ($($method:ident: $ty:ty => $dtype:expr;)*) => {$(
        #[inline]
        fn $method(self, _v: $ty) -> Result<LeafKind, ProbeMiss> {
            let kind = LeafKind::of(&$dtype);
            if self.dims.is_empty() && self.kind.map_or(true, |k| k == kind) {
                Ok(kind)
            } else {
                Err(ProbeMiss)
            }
        }
    )*};
}

/// What a probe's `Serializer` impl shares with the others: its types, with
/// `$axis` for sequences and tuples, newtypes, and the methods it answers
/// with `$miss` whatever the value.
macro_rules! probe_misses {
    ($axis:ty, $error:ty, $miss:expr) => {
        type Ok = LeafKind;
        type Error = $error;
        type SerializeSeq = $axis;
        type SerializeTuple = $axis;
        type SerializeTupleStruct = $axis;
        type SerializeTupleVariant = ser::Impossible<LeafKind, $error>;
        type SerializeMap = ser::Impossible<LeafKind, $error>;
        type SerializeStruct = ser::Impossible<LeafKind, $error>;
        type SerializeStructVariant = ser::Impossible<LeafKind, $error>;

        probe_misses! {
            $miss;
            serialize_i128(v: i128) -> LeafKind;
            serialize_u128(v: u128) -> LeafKind;
            serialize_char(v: char) -> LeafKind;
            serialize_str(v: &str) -> LeafKind;
            serialize_bytes(v: &[u8]) -> LeafKind;
            serialize_none() -> LeafKind;
            serialize_unit() -> LeafKind;
            serialize_unit_struct(n: &'static str) -> LeafKind;
            serialize_unit_variant(n: &'static str, i: u32, v: &'static str) -> LeafKind;
            serialize_tuple_variant(n: &'static str, i: u32, v: &'static str, l: usize) -> Self::SerializeTupleVariant;
            serialize_map(l: Option<usize>) -> Self::SerializeMap;
            serialize_struct(n: &'static str, l: usize) -> Self::SerializeStruct;
            serialize_struct_variant(n: &'static str, i: u32, v: &'static str, l: usize) -> Self::SerializeStructVariant;
        }
        fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> Result<LeafKind, Self::Error> {
            Err($miss)
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            name: &'static str,
            value: &T,
        ) -> Result<LeafKind, Self::Error> {
            // f16 and complex are newtypes the planner treats specially;
            // other newtypes are what they wrap.
            if name == F16_NEWTYPE || name == COMPLEX_NEWTYPE {
                return Err($miss);
            }
            value.serialize(self)
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _n: &'static str,
            _i: u32,
            _v: &'static str,
            _value: &T,
        ) -> Result<LeafKind, Self::Error> {
            Err($miss)
        }
    };
    ($miss:expr; $($method:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {$(
        fn $method(self, $(_: $ty),*) -> Result<$ret, Self::Error> {
            Err($miss)
        }
    )*};
}
pub(super) use probe_misses;

impl<'p> ser::Serializer for ShapeProbe<'p> {
    probe_misses!(AxisProbe<'p>, ProbeMiss, ProbeMiss);
    scalar_dtypes!(probe_scalar);

    // Sequences and tuples alike: the planner gives both an axis.
    fn serialize_seq(self, _len: Option<usize>) -> Result<AxisProbe<'p>, ProbeMiss> {
        match self.dims.split_first() {
            Some((&expected, rest)) => Ok(AxisProbe {
                rest,
                expected,
                count: 0,
                kind: None,
                want: self.kind,
            }),
            None => Err(ProbeMiss),
        }
    }
    fn serialize_tuple(self, len: usize) -> Result<AxisProbe<'p>, ProbeMiss> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<AxisProbe<'p>, ProbeMiss> {
        self.serialize_seq(Some(len))
    }
}

/// One axis of a [`ShapeProbe`]: every element the same shape and kind.
pub(super) struct AxisProbe<'p> {
    rest: &'p [usize],
    expected: usize,
    count: usize,
    kind: Option<LeafKind>,
    /// [`ShapeProbe::kind`], handed down to the elements.
    want: Option<LeafKind>,
}

impl AxisProbe<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ProbeMiss> {
        if self.count == self.expected {
            return Err(ProbeMiss);
        }
        let kind = value.serialize(ShapeProbe {
            dims: self.rest,
            kind: self.want,
        })?;
        if self.kind.is_some_and(|k| k != kind) {
            return Err(ProbeMiss);
        }
        self.kind = Some(kind);
        self.count += 1;
        Ok(())
    }

    /// The kind, if every element came; an empty axis has none to tell.
    fn finish(self) -> Result<LeafKind, ProbeMiss> {
        match self.kind {
            Some(kind) if self.count == self.expected => Ok(kind),
            _ => Err(ProbeMiss),
        }
    }
}

/// The three sequence traits of an axis probe, all by its `element` and
/// `finish`.
macro_rules! probe_axis_traits {
    ($axis:ident, $error:ty) => {
        probe_axis_traits! {
            $axis, $error;
            SerializeSeq::serialize_element;
            SerializeTuple::serialize_element;
            SerializeTupleStruct::serialize_field;
        }
    };
    ($axis:ident, $error:ty; $($trait:ident::$method:ident;)*) => {$(
        impl ser::$trait for $axis<'_> {
            type Ok = LeafKind;
            type Error = $error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), $error> {
                self.element(value)
            }
            fn end(self) -> Result<LeafKind, $error> {
                self.finish()
            }
        }
    )*};
}
pub(super) use probe_axis_traits;

probe_axis_traits!(AxisProbe, ProbeMiss);
