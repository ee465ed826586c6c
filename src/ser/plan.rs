//! The first pass in full: walks the value without writing and infers its
//! dimensions and element type, as `np.array` would.

use std::borrow::Cow;

use serde::ser::{self, Serialize};

use super::at_index;
use super::capture::{capture, Captured};
use super::probe::ShapeProbe;
use crate::complex::COMPLEX_NEWTYPE;
use crate::dtype::{ByteOrder, Dtype, LeafKind, Record, F16_NEWTYPE};
use crate::error::{index_repr, shape_repr, Error, ErrorKind, Result};

/// The element type inferred so far.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Elem {
    /// No element seen (only empty sequences): written as `<f8`, like `np.array([])`.
    Unknown,
    Scalar(Dtype),
    /// Longest string so far, in chars.
    Str(usize),
    /// Longest byte string so far.
    Bytes(usize),
    Record(Vec<(Cow<'static, str>, Plan)>),
}

/// What a value looks like: its dimensions and element type.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Plan {
    pub(super) dims: Vec<usize>,
    pub(super) elem: Elem,
}

impl Plan {
    fn scalar(d: Dtype) -> Plan {
        Plan {
            dims: Vec::new(),
            elem: Elem::Scalar(d),
        }
    }

    /// Whether every element of this type has the same size, so that one
    /// element tells all (strings grow; unknown may still be learned).
    fn is_fixed(&self) -> bool {
        match &self.elem {
            Elem::Scalar(_) => true,
            Elem::Record(fields) => fields.iter().all(|(_, p)| p.is_fixed()),
            Elem::Unknown | Elem::Str(_) | Elem::Bytes(_) => false,
        }
    }

    pub(super) fn describe(&self) -> String {
        let e = match &self.elem {
            Elem::Unknown => "an empty sequence".to_string(),
            Elem::Scalar(d) => d.to_string(),
            Elem::Str(_) => "a string".to_string(),
            Elem::Bytes(_) => "bytes".to_string(),
            Elem::Record(_) => "a record".to_string(),
        };
        if self.dims.is_empty() {
            e
        } else {
            format!("shape {} of {e}", shape_repr(&self.dims))
        }
    }

    /// Whether [`Plan::merge`] of `other` into `self` would succeed.
    fn compatible(&self, other: &Plan) -> bool {
        self.dims == other.dims
            && match (&self.elem, &other.elem) {
                (Elem::Unknown, _) | (_, Elem::Unknown) => true,
                (Elem::Scalar(a), Elem::Scalar(b)) => a == b,
                (Elem::Str(_), Elem::Str(_)) | (Elem::Bytes(_), Elem::Bytes(_)) => true,
                (Elem::Record(a), Elem::Record(b)) => {
                    a.len() == b.len()
                        && a.iter()
                            .zip(b)
                            .all(|(x, y)| x.0 == y.0 && x.1.compatible(&y.1))
                }
                _ => false,
            }
    }

    /// Folds the plan of one more element into `self`.
    fn merge(&mut self, other: Plan, index: &[usize]) -> Result<()> {
        if self.dims != other.dims {
            // Same depth, different length: the first differing axis tells where.
            if self.dims.len() == other.dims.len() {
                let axis = self
                    .dims
                    .iter()
                    .zip(&other.dims)
                    .position(|(a, b)| a != b)
                    .unwrap_or(0);
                let mut at = index.to_vec();
                at.extend(std::iter::repeat(0).take(axis));
                return Err(ErrorKind::Ragged {
                    index: index_repr(&at),
                    found: other.dims[axis],
                    expected: self.dims[axis],
                }
                .into());
            }
            return Err(self.mixed(&other, index));
        }
        match (&mut self.elem, other.elem) {
            (_, Elem::Unknown) => {}
            (mine @ Elem::Unknown, theirs) => *mine = theirs,
            (Elem::Scalar(a), Elem::Scalar(b)) if *a == b => {}
            (Elem::Str(a), Elem::Str(b)) => *a = (*a).max(b),
            (Elem::Bytes(a), Elem::Bytes(b)) => *a = (*a).max(b),
            (Elem::Record(a), Elem::Record(b))
                if a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x.0 == y.0) =>
            {
                for ((_, pa), (_, pb)) in a.iter_mut().zip(b) {
                    pa.merge(pb, index)?;
                }
            }
            (_, theirs) => {
                let other = Plan {
                    dims: other.dims,
                    elem: theirs,
                };
                return Err(self.mixed(&other, index));
            }
        }
        Ok(())
    }

    fn mixed(&self, other: &Plan, index: &[usize]) -> Error {
        ErrorKind::MixedTypes {
            index: index_repr(index),
            expected: self.describe(),
            found: other.describe(),
        }
        .into()
    }

    pub(super) fn dtype(&self) -> Result<Dtype> {
        Ok(match &self.elem {
            Elem::Unknown => Dtype::F64(ByteOrder::Little),
            Elem::Scalar(d) => d.clone(),
            // NumPy never infers a zero width: `np.array([''])` is `<U1`.
            Elem::Str(n) => Dtype::str_checked((*n).max(1), ByteOrder::Little)?,
            Elem::Bytes(n) => Dtype::Bytes((*n).max(1)),
            Elem::Record(fields) => Dtype::Record(Record::packed(
                fields
                    .iter()
                    .map(|(name, p)| Ok((name.to_string(), p.dtype()?, p.dims.clone())))
                    .collect::<Result<_>>()?,
            )?),
        })
    }
}

/// What the top-level struct revealed, if it is a shape + data wrapper.
#[derive(Default)]
pub(super) struct TopLevel {
    pub(super) shaped: Option<Shaped>,
}

/// A top-level `shape` + `data` struct's metadata.
pub(super) struct Shaped {
    pub(super) shape: Vec<usize>,
    pub(super) fortran: bool,
    /// An optional `descr` field (a typestr such as `"<f4"` or a record descr).
    pub(super) descr: Option<Dtype>,
}

/// Plans `value`; `top` is `Some` only for the outermost value.
pub(super) fn plan_value<T: Serialize + ?Sized>(
    value: &T,
    top: Option<&mut TopLevel>,
) -> Result<Plan> {
    match value.serialize(Planner { top }) {
        Ok(p) | Err(PlanError::Stop(p)) => Ok(p),
        Err(PlanError::Fail(e)) => Err(e),
    }
}

/// The planner's error: a real error, or "this sequence is planned, stop
/// iterating" (carried through the user's `Serialize` impl by `?`).
#[derive(Debug)]
enum PlanError {
    Stop(Plan),
    Fail(Error),
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::Stop(_) => f.write_str("planning stopped early"),
            PlanError::Fail(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for PlanError {}

impl ser::Error for PlanError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        PlanError::Fail(ErrorKind::Custom(msg.to_string()).into())
    }
}

impl From<Error> for PlanError {
    fn from(e: Error) -> Self {
        PlanError::Fail(e)
    }
}

fn unsupported<T>(what: &'static str, hint: &'static str) -> Result<T, PlanError> {
    Err(PlanError::Fail(
        ErrorKind::Unsupported { what, hint }.into(),
    ))
}

struct Planner<'t> {
    top: Option<&'t mut TopLevel>,
}

/// The dtype each Rust number is written as, for the planner and the probe.
macro_rules! scalar_dtypes {
    ($then:ident) => {
        $then! {
            serialize_bool: bool => Dtype::Bool;
            serialize_i8: i8 => Dtype::I8;
            serialize_i16: i16 => Dtype::I16(ByteOrder::Little);
            serialize_i32: i32 => Dtype::I32(ByteOrder::Little);
            serialize_i64: i64 => Dtype::I64(ByteOrder::Little);
            serialize_u8: u8 => Dtype::U8;
            serialize_u16: u16 => Dtype::U16(ByteOrder::Little);
            serialize_u32: u32 => Dtype::U32(ByteOrder::Little);
            serialize_u64: u64 => Dtype::U64(ByteOrder::Little);
            serialize_f32: f32 => Dtype::F32(ByteOrder::Little);
            serialize_f64: f64 => Dtype::F64(ByteOrder::Little);
        }
    };
}
pub(super) use scalar_dtypes;

macro_rules! plan_scalar {
    ($($method:ident: $ty:ty => $dtype:expr;)*) => {$(
        fn $method(self, _v: $ty) -> Result<Plan, PlanError> {
            Ok(Plan::scalar($dtype))
        }
    )*};
}

impl<'t> ser::Serializer for Planner<'t> {
    type Ok = Plan;
    type Error = PlanError;
    type SerializeSeq = SeqPlanner;
    type SerializeTuple = TuplePlanner;
    type SerializeTupleStruct = TuplePlanner;
    type SerializeTupleVariant = ser::Impossible<Plan, PlanError>;
    type SerializeMap = ser::Impossible<Plan, PlanError>;
    type SerializeStruct = StructPlanner<'t>;
    type SerializeStructVariant = ser::Impossible<Plan, PlanError>;

    scalar_dtypes!(plan_scalar);

    fn serialize_i128(self, _v: i128) -> Result<Plan, PlanError> {
        unsupported("an i128", "NumPy has no 128-bit integers")
    }
    fn serialize_u128(self, _v: u128) -> Result<Plan, PlanError> {
        unsupported("a u128", "NumPy has no 128-bit integers")
    }
    fn serialize_char(self, _v: char) -> Result<Plan, PlanError> {
        Ok(Plan {
            dims: Vec::new(),
            elem: Elem::Str(1),
        })
    }
    fn serialize_str(self, v: &str) -> Result<Plan, PlanError> {
        Ok(Plan {
            dims: Vec::new(),
            elem: Elem::Str(v.chars().count()),
        })
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Plan, PlanError> {
        Ok(Plan {
            dims: Vec::new(),
            elem: Elem::Bytes(v.len()),
        })
    }
    fn serialize_none(self) -> Result<Plan, PlanError> {
        unsupported(
            "None (an Option)",
            ".npy arrays have no missing values; use NaN or a mask array",
        )
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> Result<Plan, PlanError> {
        unsupported(
            "an Option",
            ".npy arrays have no missing values; unwrap it, or use NaN or a mask array",
        )
    }
    fn serialize_unit(self) -> Result<Plan, PlanError> {
        unsupported("a unit value `()`", "")
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Plan, PlanError> {
        unsupported("a unit struct", "")
    }
    fn serialize_unit_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
    ) -> Result<Plan, PlanError> {
        unsupported("an enum variant", "store its index as an integer instead")
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Plan, PlanError> {
        if name == F16_NEWTYPE {
            return Ok(Plan::scalar(Dtype::F16(ByteOrder::Little)));
        }
        if name == COMPLEX_NEWTYPE {
            let p = plan_value(value, None)?;
            return match (p.dims.as_slice(), &p.elem) {
                ([2], Elem::Scalar(Dtype::F32(_))) => {
                    Ok(Plan::scalar(Dtype::C64(ByteOrder::Little)))
                }
                ([2], Elem::Scalar(Dtype::F64(_))) => {
                    Ok(Plan::scalar(Dtype::C128(ByteOrder::Little)))
                }
                _ => unsupported(
                    "a Complex whose parts are not f32 or f64",
                    "NumPy has complex64 and complex128 only",
                ),
            };
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _value: &T,
    ) -> Result<Plan, PlanError> {
        unsupported("an enum variant", "")
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqPlanner, PlanError> {
        Ok(SeqPlanner {
            len,
            count: 0,
            acc: None,
        })
    }
    fn serialize_tuple(self, _len: usize) -> Result<TuplePlanner, PlanError> {
        Ok(TuplePlanner::new())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<TuplePlanner, PlanError> {
        self.serialize_tuple(len)
    }
    fn serialize_tuple_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, PlanError> {
        unsupported("an enum variant", "")
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, PlanError> {
        unsupported("a map", "use a struct, whose fields become a record dtype")
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<StructPlanner<'t>, PlanError> {
        Ok(StructPlanner {
            top: self.top,
            fields: Vec::with_capacity(len),
            shape: None,
            fortran: None,
            descr: None,
        })
    }
    fn serialize_struct_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, PlanError> {
        unsupported("an enum variant", "")
    }
}

struct SeqPlanner {
    len: Option<usize>,
    count: usize,
    acc: Option<Plan>,
}

impl ser::SerializeSeq for SeqPlanner {
    type Ok = Plan;
    type Error = PlanError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PlanError> {
        let p = plan_value(value, None).map_err(|e| at_index(e, self.count))?;
        match &mut self.acc {
            None => self.acc = Some(p),
            Some(acc) => acc.merge(p, &[self.count])?,
        }
        self.count += 1;
        if let (Some(len), Some(acc)) = (self.len, &self.acc) {
            if acc.is_fixed() {
                // The remaining elements are checked while emitting.
                let mut dims = vec![len];
                dims.extend_from_slice(&acc.dims);
                return Err(PlanError::Stop(Plan {
                    dims,
                    elem: acc.elem.clone(),
                }));
            }
        }
        Ok(())
    }

    fn end(self) -> Result<Plan, PlanError> {
        Ok(seq_plan(self.count, self.acc))
    }
}

fn seq_plan(count: usize, acc: Option<Plan>) -> Plan {
    match acc {
        None => Plan {
            dims: vec![count],
            elem: Elem::Unknown,
        },
        Some(p) => {
            // The element's own dims, grown in place: nested axes then share
            // one allocation (the room left covers the usual few axes).
            let mut dims = p.dims;
            if dims.len() == dims.capacity() {
                dims.reserve(4);
            }
            dims.insert(0, count);
            Plan { dims, elem: p.elem }
        }
    }
}

/// Tuples and arrays `[T; N]` look the same to serde: homogeneous ones become
/// an axis (as in `np.array`), heterogeneous ones a record of `f0`, `f1`, ….
struct TuplePlanner {
    count: usize,
    /// The elements merged so far, while they are compatible.
    acc: Option<Plan>,
    /// Each element's own plan, kept only once it matters: when an element
    /// has a variable size (its width may differ from the merged one) or the
    /// tuple turned out heterogeneous (the plans become record fields).
    own: Vec<Plan>,
    heterogeneous: bool,
    /// While every element so far had the same plan, a plain number or an
    /// array of them: that number's kind, so that the next element is
    /// checked by [`ShapeProbe`] instead of planned.
    scalar: Option<LeafKind>,
}

impl TuplePlanner {
    fn new() -> Self {
        TuplePlanner {
            count: 0,
            acc: None,
            own: Vec::new(),
            heterogeneous: false,
            scalar: None,
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PlanError> {
        if let (Some(kind), Some(acc)) = (self.scalar, &self.acc) {
            // The same plan again changes nothing but the count.
            let probe = ShapeProbe {
                dims: &acc.dims,
                kind: Some(kind),
            };
            if value.serialize(probe).is_ok() {
                self.count += 1;
                return Ok(());
            }
        }
        let p = plan_value(value, None).map_err(|e| at_index(e, self.count))?;
        self.push(p)?;
        self.scalar = match &self.acc {
            Some(Plan {
                elem: Elem::Scalar(d),
                ..
            }) if !self.heterogeneous && self.own.is_empty() => {
                Some(LeafKind::of(d)).filter(|k| *k != LeafKind::Other)
            }
            _ => None,
        };
        Ok(())
    }

    fn push(&mut self, p: Plan) -> Result<(), PlanError> {
        let index = self.count;
        self.count += 1;
        if self.heterogeneous {
            self.own.push(p);
            return Ok(());
        }
        let Some(acc) = &mut self.acc else {
            if !p.is_fixed() {
                self.own.push(p.clone());
            }
            self.acc = Some(p);
            return Ok(());
        };
        if self.own.is_empty() && *acc == p && p.is_fixed() {
            // Another element exactly like every one before: nothing to merge.
            return Ok(());
        }
        if acc.compatible(&p) {
            if self.own.is_empty() && !p.is_fixed() {
                // Every earlier element was fixed-size and compatible, so each
                // equals the merged plan.
                self.own = vec![acc.clone(); index];
            }
            if !self.own.is_empty() {
                self.own.push(p.clone());
            }
            acc.merge(p, &[index])?;
        } else {
            if self.own.is_empty() {
                self.own = vec![acc.clone(); index];
            }
            self.own.push(p);
            self.heterogeneous = true;
        }
        Ok(())
    }

    fn finish(self) -> Plan {
        if !self.heterogeneous {
            return seq_plan(self.count, self.acc);
        }
        Plan {
            dims: Vec::new(),
            elem: Elem::Record(
                self.own
                    .into_iter()
                    .enumerate()
                    .map(|(i, p)| (Cow::Owned(format!("f{i}")), p))
                    .collect(),
            ),
        }
    }
}

impl ser::SerializeTuple for TuplePlanner {
    type Ok = Plan;
    type Error = PlanError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PlanError> {
        self.element(value)
    }
    fn end(self) -> Result<Plan, PlanError> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleStruct for TuplePlanner {
    type Ok = Plan;
    type Error = PlanError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PlanError> {
        ser::SerializeTuple::serialize_element(self, value)
    }
    fn end(self) -> Result<Plan, PlanError> {
        Ok(self.finish())
    }
}

struct StructPlanner<'t> {
    top: Option<&'t mut TopLevel>,
    fields: Vec<(Cow<'static, str>, Plan)>,
    shape: Option<Option<Vec<usize>>>,
    fortran: Option<Option<bool>>,
    descr: Option<Option<Dtype>>,
}

/// Field names of a struct that stands for a whole array.
pub(crate) const SHAPED_KEYS: [&str; 6] = ["shape", "dim", "data", "fortran_order", "descr", "v"];

impl ser::SerializeStruct for StructPlanner<'_> {
    type Ok = Plan;
    type Error = PlanError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), PlanError> {
        if self.top.is_some() {
            match key {
                "shape" | "dim" => self.shape = Some(capture(value, Captured::into_dims)),
                "descr" => self.descr = Some(capture(value, Captured::into_dtype)),
                "fortran_order" => self.fortran = Some(capture(value, Captured::into_bool)),
                _ => {}
            }
        }
        let p = plan_value(value, None).map_err(|e| e.in_field(key))?;
        self.fields.push((Cow::Borrowed(key), p));
        Ok(())
    }

    fn end(self) -> Result<Plan, PlanError> {
        let keys_ok = self
            .fields
            .iter()
            .all(|(k, _)| SHAPED_KEYS.contains(&k.as_ref()));
        let has_data = self.fields.iter().any(|(k, _)| k == "data");
        if let (Some(top), true, true, Some(Some(shape))) =
            (self.top, keys_ok, has_data, &self.shape)
        {
            let fortran = match self.fortran {
                None => Some(false),
                Some(f) => f,
            };
            let descr = match self.descr {
                None => Some(None),
                Some(Some(d)) => Some(Some(d)),
                Some(None) => None,
            };
            if let (Some(fortran), Some(descr)) = (fortran, descr) {
                top.shaped = Some(Shaped {
                    shape: shape.clone(),
                    fortran,
                    descr,
                });
                let data = self
                    .fields
                    .into_iter()
                    .find(|(k, _)| k == "data")
                    .map(|(_, p)| p);
                // Invariant: `has_data` found a `data` field above.
                return Ok(data.expect("data field"));
            }
        }
        Ok(Plan {
            dims: Vec::new(),
            elem: Elem::Record(self.fields),
        })
    }
}
