//! The dtype model shared by the reader and the writer.
//!
//! A [`Dtype`] is parsed from a header's `descr` and formatted back into one;
//! there is no other table of type codes in the crate.

use std::collections::HashSet;
use std::fmt;

use crate::descr::Sub;
use crate::error::{shape_repr, Error, ErrorKind, Result};
use crate::pylit::PyValue;
use crate::pyrepr::write_str_repr;

/// Byte order of multi-byte elements.
///
/// ```
/// use serde_npy::{ByteOrder, Dtype};
/// let big: Dtype = ">i4".parse()?;
/// assert_eq!(big.byte_order(), Some(ByteOrder::Big));
/// assert_eq!(Dtype::U8.byte_order(), None); // one byte: `|`, no order
/// assert_eq!(ByteOrder::NATIVE == ByteOrder::Little, cfg!(target_endian = "little"));
/// # Ok::<(), serde_npy::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// `<`
    Little,
    /// `>`
    Big,
}

impl ByteOrder {
    /// The order of the machine running this code (what `=` and `|` mean).
    pub const NATIVE: ByteOrder = if cfg!(target_endian = "big") {
        ByteOrder::Big
    } else {
        ByteOrder::Little
    };

    fn char(self) -> char {
        match self {
            ByteOrder::Little => '<',
            ByteOrder::Big => '>',
        }
    }
}

/// The type of one array element, as described by a `.npy` header's `descr`.
///
/// Multi-byte types carry their [`ByteOrder`]; single-byte types and the
/// `S`/`V` kinds have none, which NumPy writes as `|`.
///
/// ```
/// use serde_npy::{ByteOrder, Dtype, Header};
/// let bytes = serde_npy::to_vec(&[1u16, 2])?;
/// let dtype = Header::from_slice(&bytes)?.dtype;
/// assert_eq!(dtype, Dtype::U16(ByteOrder::Little));
/// assert_eq!(dtype.to_string(), "'<u2'");
/// assert_eq!("<u2".parse::<Dtype>()?, dtype);
/// # Ok::<(), serde_npy::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dtype {
    /// `|b1`: one byte, 0 or 1.
    Bool,
    /// `|i1`
    I8,
    /// `|u1`
    U8,
    /// `i2`
    I16(ByteOrder),
    /// `i4`
    I32(ByteOrder),
    /// `i8`
    I64(ByteOrder),
    /// `u2`
    U16(ByteOrder),
    /// `u4`
    U32(ByteOrder),
    /// `u8`
    U64(ByteOrder),
    /// `f2`: IEEE binary16, read as [`half::f16`] or exactly as `f32`.
    F16(ByteOrder),
    /// `f4`
    F32(ByteOrder),
    /// `f8`
    F64(ByteOrder),
    /// `c8`: a pair of `f4` (re, im).
    C64(ByteOrder),
    /// `c16`: a pair of `f8` (re, im).
    C128(ByteOrder),
    /// `|S{n}`: `n` bytes, NUL-padded.
    Bytes(usize),
    /// `U{n}`: `n` UCS-4 code points, NUL-padded.
    Str(usize, ByteOrder),
    /// `|V{n}`: `n` opaque bytes.
    Void(usize),
    /// `<V2` holding bfloat16 bits ([`half::bf16`]), what `np.save` writes
    /// for an `ml_dtypes.bfloat16` array; also the `'bfloat16'` descr
    /// ml_dtypes users write. Read as two void bytes, or as `bf16` bits.
    BFloat16,
    /// `M8[unit]`: `datetime64`, an `i64` count of `unit` since the epoch (`""` for generic).
    DateTime(String, ByteOrder),
    /// `m8[unit]`: `timedelta64`, an `i64` count of `unit`.
    TimeDelta(String, ByteOrder),
    /// A structured dtype (NumPy record).
    Record(Record),
}

/// A structured dtype: named fields at byte offsets within an item.
///
/// ```
/// use serde_npy::{Dtype, Header};
///
/// #[derive(serde::Serialize)]
/// struct Point { x: f32, id: u16 }
///
/// let bytes = serde_npy::to_vec(&[Point { x: 1.0, id: 2 }])?;
/// let Dtype::Record(record) = Header::from_slice(&bytes)?.dtype else { unreachable!() };
/// let names: Vec<&str> = record.fields().iter().map(|f| f.name.as_str()).collect();
/// assert_eq!(names, ["x", "id"]);
/// assert_eq!(record.itemsize(), 6);
/// # Ok::<(), serde_npy::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Record {
    fields: Vec<Field>,
    itemsize: usize,
    /// How each field's `shape` splits into nested subarray levels, outermost
    /// first, as in `('c', ('<f8', (5,)), (2,))` (levels `[1, 1]` of `[2, 5]`).
    /// NumPy keeps that nesting in `descr` and treats it as a different dtype
    /// from `('c', '<f8', (2, 5))`. Empty when no field nests.
    levels: Vec<Vec<usize>>,
    /// Per field, in one array so that a record's per-field path reads one
    /// entry: its scalar kind (`Other` for subarrays and non-numeric
    /// fields), where it starts and where it ends. Derived from `fields`, so
    /// as long as it.
    leaves: Vec<Leaf>,
    /// Titles that are not strings (NumPy keeps any object there, as in
    /// `[((1, 'nt'), '<i4')]`): field index and the title's Python text,
    /// written back by `descr()`. Usually empty.
    /// Boxed: almost never present, and a `Dtype` is moved around a lot.
    odd_titles: Option<Box<OddTitles>>,
}

type OddTitles = Vec<(usize, String)>;

/// A record field as the per-record paths see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Leaf {
    pub(crate) kind: LeafKind,
    /// Where the field starts in the record.
    pub(crate) offset: usize,
    /// Where it ends: `offset` plus the field's whole size, subarray included.
    pub(crate) end: usize,
    /// The name's length and its first eight bytes (zero-padded), so that a
    /// record writer checks the usual short name without reaching the
    /// field itself.
    name_len: usize,
    name_prefix: u64,
    /// The dtype of a plain number field (`kind`'s own), held here so that
    /// writing one needs nothing from the field itself.
    pub(crate) number: Option<&'static Dtype>,
}

/// The first eight bytes of `name`, zero-padded, as one number.
#[inline(always)]
fn name_prefix(name: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let n = name.len().min(8);
    bytes[..n].copy_from_slice(&name.as_bytes()[..n]);
    u64::from_le_bytes(bytes)
}

impl Leaf {
    /// Whether the field is named `name`: `Some` when the stored prefix
    /// decides it (every name of up to eight bytes), `None` when the whole
    /// names must be compared.
    #[inline(always)]
    pub(crate) fn named(&self, name: &str) -> Option<bool> {
        if name.len() != self.name_len || name_prefix(name) != self.name_prefix {
            Some(false)
        } else if name.len() <= 8 {
            Some(true)
        } else {
            None
        }
    }
}

/// Field-name equality without a library call: names are short, and this
/// runs once per field of every record.
#[inline]
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// One field of a [`Record`].
///
/// ```
/// use serde_npy::Dtype;
/// let Dtype::Record(record) = "[('pos', '<f8', (3,)), ('id', '<u4')]".parse()? else { unreachable!() };
/// let pos = &record.fields()[0];
/// assert_eq!((pos.name.as_str(), pos.offset, &pos.shape[..]), ("pos", 0, &[3][..]));
/// assert_eq!(record.fields()[1].offset, 24);
/// # Ok::<(), serde_npy::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    /// The field name (`f0`, `f1`, … for tuples).
    pub name: String,
    /// NumPy's optional field title.
    pub title: Option<String>,
    /// Byte offset of the field within one record.
    pub offset: usize,
    /// Element type of the field.
    pub dtype: Dtype,
    /// Subarray shape; empty for a plain scalar field.
    pub shape: Vec<usize>,
}

impl Field {
    /// Bytes the field occupies: its dtype's size times the subarray's element count.
    ///
    /// ```
    /// use serde_npy::{Dtype, Field};
    /// let rgb = Field { name: "rgb".into(), title: None, offset: 0, dtype: Dtype::U8, shape: vec![3] };
    /// assert_eq!(rgb.size(), 3);
    /// ```
    pub fn size(&self) -> usize {
        // Invariant: checked when the record was built (`Record::new`).
        self.shape
            .iter()
            .try_fold(self.dtype.itemsize(), |a, &d| a.checked_mul(d))
            .unwrap_or(usize::MAX)
    }
}

impl Record {
    /// Assembles a record from checked parts, deriving the per-field leaves.
    fn from_parts(fields: Vec<Field>, itemsize: usize, levels: Vec<Vec<usize>>) -> Record {
        let leaves = fields
            .iter()
            .map(|f| {
                let kind = if f.shape.is_empty() {
                    LeafKind::of(&f.dtype)
                } else {
                    LeafKind::Other
                };
                (f, kind)
            })
            .map(|(f, kind)| Leaf {
                kind,
                number: kind.static_dtype(),
                offset: f.offset,
                // Every constructor checked that the field ends within the
                // item, so this never saturates.
                end: f.offset.saturating_add(f.size()),
                name_len: f.name.len(),
                name_prefix: name_prefix(&f.name),
            })
            .collect();
        Record {
            fields,
            itemsize,
            levels,
            leaves,
            odd_titles: None,
        }
    }

    /// Field `i`'s scalar kind, size and offset; `None` past the last field.
    #[inline]
    pub(crate) fn leaf(&self, i: usize) -> Option<Leaf> {
        self.leaves.get(i).copied()
    }

    /// Every field's [`Leaf`], in field order.
    #[inline]
    pub(crate) fn leaves(&self) -> &[Leaf] {
        &self.leaves
    }
}

impl Record {
    /// Builds a packed record: each field starts where the previous one ends.
    ///
    /// Errors when the total size overflows or two fields share a name.
    ///
    /// ```
    /// use serde_npy::{ByteOrder, Dtype, Record};
    /// let record = Record::packed(vec![
    ///     ("x".into(), Dtype::F32(ByteOrder::Little), vec![]),
    ///     ("rgb".into(), Dtype::U8, vec![3]),
    /// ])?;
    /// assert_eq!((record.fields()[1].offset, record.itemsize()), (4, 7));
    /// assert_eq!(Dtype::Record(record).to_string(), "[('x', '<f4'), ('rgb', '|u1', (3,))]");
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn packed(fields: Vec<(String, Dtype, Vec<usize>)>) -> Result<Record> {
        let mut offset = 0usize;
        let mut out = Vec::with_capacity(fields.len());
        for (name, dtype, shape) in fields {
            let field = Field {
                name,
                title: None,
                offset,
                dtype,
                shape,
            };
            offset = offset
                .checked_add(checked_field_size(&field)?)
                .ok_or_else(|| overflow(&field.dtype))?;
            out.push(field);
        }
        Record::new(out, offset)
    }

    /// Builds a record from fields at explicit offsets and a total item size.
    ///
    /// Fields must not overlap, must be in offset order and must fit within
    /// `itemsize`, as NumPy requires of anything it can write as a `descr`.
    ///
    /// ```
    /// use serde_npy::{ByteOrder, Dtype, Field, Record};
    /// let field = |name: &str, offset, dtype| Field {
    ///     name: name.into(), title: None, offset, dtype, shape: vec![],
    /// };
    /// let fields = vec![field("a", 0, Dtype::U8), field("b", 4, Dtype::I32(ByteOrder::Little))];
    /// let aligned = Record::new(fields, 8)?;
    /// // Padding is written as NumPy writes it, an unnamed void field.
    /// assert_eq!(Dtype::Record(aligned).descr(), "[('a', '|u1'), ('', '|V3'), ('b', '<i4')]");
    /// assert!(Record::new(vec![field("a", 0, Dtype::U8)], 0).is_err()); // past the item
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn new(fields: Vec<Field>, itemsize: usize) -> Result<Record> {
        let mut end = 0usize;
        // A set, not a scan of the fields before: linear in the field count.
        let mut names = HashSet::with_capacity(fields.len());
        for f in &fields {
            if !names.insert(f.name.as_str()) {
                return Err(ErrorKind::UnsupportedDtype {
                    descr: f.name.clone(),
                    reason: format!("field name {:?} is used twice", f.name),
                }
                .into());
            }
            if f.offset < end {
                return Err(ErrorKind::UnsupportedDtype {
                    descr: f.name.clone(),
                    reason: "fields overlap or are out of order".into(),
                }
                .into());
            }
            end = f
                .offset
                .checked_add(checked_field_size(f)?)
                .ok_or_else(|| overflow(&f.dtype))?;
        }
        if end > itemsize {
            return Err(ErrorKind::UnsupportedDtype {
                descr: format!("record of itemsize {itemsize}"),
                reason: format!("fields end at byte {end}, past the item size"),
            }
            .into());
        }
        Ok(Record::from_parts(fields, itemsize, Vec::new()))
    }

    /// The fields in offset order (padding is not a field).
    ///
    /// ```
    /// use serde_npy::Dtype;
    /// let Dtype::Record(r) = "[('t', '<f8'), ('v', '<f4', (2,))]".parse()? else { unreachable!() };
    /// assert_eq!(r.fields().len(), 2);
    /// assert_eq!(r.fields()[1].dtype, "<f4".parse()?);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Bytes of one record, padding included.
    ///
    /// ```
    /// use serde_npy::Dtype;
    /// let Dtype::Record(r) = "[('t', '<f8'), ('v', '<f4', (2,))]".parse()? else { unreachable!() };
    /// assert_eq!(r.itemsize(), 16);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn itemsize(&self) -> usize {
        self.itemsize
    }
}

fn checked_field_size(f: &Field) -> Result<usize> {
    f.shape
        .iter()
        .try_fold(f.dtype.itemsize(), |a, &d| a.checked_mul(d))
        .ok_or_else(|| overflow(&f.dtype))
}

fn overflow(d: &Dtype) -> Error {
    ErrorKind::UnsupportedDtype {
        descr: d.to_string(),
        reason: "its size in bytes overflows".into(),
    }
    .into()
}

impl Dtype {
    /// Bytes of one element.
    ///
    /// ```
    /// use serde_npy::Dtype;
    /// assert_eq!("<c16".parse::<Dtype>()?.itemsize(), 16);
    /// assert_eq!("<U5".parse::<Dtype>()?.itemsize(), 20); // UCS-4: four bytes a character
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn itemsize(&self) -> usize {
        match self {
            Dtype::Bool | Dtype::I8 | Dtype::U8 => 1,
            Dtype::I16(_) | Dtype::U16(_) | Dtype::F16(_) | Dtype::BFloat16 => 2,
            Dtype::I32(_) | Dtype::U32(_) | Dtype::F32(_) => 4,
            Dtype::I64(_) | Dtype::U64(_) | Dtype::F64(_) | Dtype::C64(_) => 8,
            Dtype::DateTime(..) | Dtype::TimeDelta(..) => 8,
            Dtype::C128(_) => 16,
            Dtype::Bytes(n) | Dtype::Void(n) => *n,
            // Invariant: `Str` lengths are checked against overflow when parsed or
            // planned (`Dtype::str_checked`), so this cannot wrap.
            Dtype::Str(n, _) => n.saturating_mul(4),
            Dtype::Record(r) => r.itemsize,
        }
    }

    /// The byte order of a multi-byte scalar, or `None` where it does not apply.
    ///
    /// ```
    /// use serde_npy::{ByteOrder, Dtype};
    /// assert_eq!(">f8".parse::<Dtype>()?.byte_order(), Some(ByteOrder::Big));
    /// assert_eq!("|S3".parse::<Dtype>()?.byte_order(), None);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn byte_order(&self) -> Option<ByteOrder> {
        match self {
            Dtype::I16(o)
            | Dtype::I32(o)
            | Dtype::I64(o)
            | Dtype::U16(o)
            | Dtype::U32(o)
            | Dtype::U64(o)
            | Dtype::F16(o)
            | Dtype::F32(o)
            | Dtype::F64(o)
            | Dtype::C64(o)
            | Dtype::C128(o)
            | Dtype::Str(_, o)
            | Dtype::DateTime(_, o)
            | Dtype::TimeDelta(_, o) => Some(*o),
            _ => None,
        }
    }

    /// The same dtype with every multi-byte part in `order`.
    ///
    /// ```
    /// use serde_npy::{ByteOrder, Dtype};
    /// let record: Dtype = "[('x', '<f4'), ('n', '<i2')]".parse()?;
    /// let swapped = record.with_byte_order(ByteOrder::Big);
    /// assert_eq!(swapped.to_string(), "[('x', '>f4'), ('n', '>i2')]");
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn with_byte_order(&self, order: ByteOrder) -> Dtype {
        match self {
            Dtype::I16(_) => Dtype::I16(order),
            Dtype::I32(_) => Dtype::I32(order),
            Dtype::I64(_) => Dtype::I64(order),
            Dtype::U16(_) => Dtype::U16(order),
            Dtype::U32(_) => Dtype::U32(order),
            Dtype::U64(_) => Dtype::U64(order),
            Dtype::F16(_) => Dtype::F16(order),
            Dtype::F32(_) => Dtype::F32(order),
            Dtype::F64(_) => Dtype::F64(order),
            Dtype::C64(_) => Dtype::C64(order),
            Dtype::C128(_) => Dtype::C128(order),
            Dtype::Str(n, _) => Dtype::Str(*n, order),
            Dtype::DateTime(u, _) => Dtype::DateTime(u.clone(), order),
            Dtype::TimeDelta(u, _) => Dtype::TimeDelta(u.clone(), order),
            Dtype::Record(r) => {
                let mut swapped = Record::from_parts(
                    r.fields
                        .iter()
                        .map(|f| Field {
                            dtype: f.dtype.with_byte_order(order),
                            ..f.clone()
                        })
                        .collect(),
                    r.itemsize,
                    r.levels.clone(),
                );
                swapped.odd_titles = r.odd_titles.clone();
                Dtype::Record(swapped)
            }
            other => other.clone(),
        }
    }

    /// A `U{chars}` dtype, checking that its size in bytes fits in `usize`.
    pub(crate) fn str_checked(chars: usize, order: ByteOrder) -> Result<Dtype> {
        if chars.checked_mul(4).is_none() {
            return Err(ErrorKind::UnsupportedDtype {
                descr: format!("U{chars}"),
                reason: "its size in bytes overflows".into(),
            }
            .into());
        }
        Ok(Dtype::Str(chars, order))
    }

    /// The typestr of a non-record dtype, e.g. `<f4`, `|S5`, `<M8[ns]`.
    /// Records have none; this returns `None` for them.
    ///
    /// ```
    /// use serde_npy::{ByteOrder, Dtype};
    /// assert_eq!(Dtype::F32(ByteOrder::Little).typestr().as_deref(), Some("<f4"));
    /// assert_eq!(Dtype::Bytes(5).typestr().as_deref(), Some("|S5"));
    /// assert_eq!("[('x', '<f4')]".parse::<Dtype>()?.typestr(), None);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn typestr(&self) -> Option<String> {
        let mut out = String::with_capacity(8);
        self.write_typestr(&mut out).then_some(out)
    }

    /// Appends the typestr; returns false (writing nothing) for records.
    fn write_typestr(&self, out: &mut String) -> bool {
        let (order, kind, size) = match self {
            Dtype::Bool => ('|', "b", 1),
            Dtype::I8 => ('|', "i", 1),
            Dtype::U8 => ('|', "u", 1),
            Dtype::I16(o) => (o.char(), "i", 2),
            Dtype::I32(o) => (o.char(), "i", 4),
            Dtype::I64(o) => (o.char(), "i", 8),
            Dtype::U16(o) => (o.char(), "u", 2),
            Dtype::U32(o) => (o.char(), "u", 4),
            Dtype::U64(o) => (o.char(), "u", 8),
            Dtype::F16(o) => (o.char(), "f", 2),
            Dtype::F32(o) => (o.char(), "f", 4),
            Dtype::F64(o) => (o.char(), "f", 8),
            Dtype::C64(o) => (o.char(), "c", 8),
            Dtype::C128(o) => (o.char(), "c", 16),
            Dtype::Bytes(n) => ('|', "S", *n),
            Dtype::Str(n, o) => (o.char(), "U", *n),
            Dtype::Void(n) => ('|', "V", *n),
            // NumPy's type codes are not extensible, so ml_dtypes' bfloat16
            // is saved as little-endian void (ml_dtypes#41).
            Dtype::BFloat16 => ('<', "V", 2),
            Dtype::DateTime(u, o) | Dtype::TimeDelta(u, o) => {
                let kind = if matches!(self, Dtype::DateTime(..)) {
                    'M'
                } else {
                    'm'
                };
                out.push_str(&unit_typestr(o.char(), kind, u));
                return true;
            }
            Dtype::Record(_) => return false,
        };
        out.push(order);
        out.push_str(kind);
        push_decimal(out, size);
        true
    }

    /// A number's descr as a header writes it, `'<f4'`, without formatting:
    /// it is most of the cost of a small array's header.
    fn quoted_number_typestr(&self) -> Option<&'static str> {
        use ByteOrder::{Big as B, Little as L};
        Some(match self {
            Dtype::Bool => "'|b1'",
            Dtype::I8 => "'|i1'",
            Dtype::U8 => "'|u1'",
            Dtype::I16(L) => "'<i2'",
            Dtype::I16(B) => "'>i2'",
            Dtype::I32(L) => "'<i4'",
            Dtype::I32(B) => "'>i4'",
            Dtype::I64(L) => "'<i8'",
            Dtype::I64(B) => "'>i8'",
            Dtype::U16(L) => "'<u2'",
            Dtype::U16(B) => "'>u2'",
            Dtype::U32(L) => "'<u4'",
            Dtype::U32(B) => "'>u4'",
            Dtype::U64(L) => "'<u8'",
            Dtype::U64(B) => "'>u8'",
            Dtype::F16(L) => "'<f2'",
            Dtype::F16(B) => "'>f2'",
            Dtype::F32(L) => "'<f4'",
            Dtype::F32(B) => "'>f4'",
            Dtype::F64(L) => "'<f8'",
            Dtype::F64(B) => "'>f8'",
            Dtype::C64(L) => "'<c8'",
            Dtype::C64(B) => "'>c8'",
            Dtype::C128(L) => "'<c16'",
            Dtype::C128(B) => "'>c16'",
            _ => return None,
        })
    }

    /// The `descr` as NumPy writes it in a header: a quoted typestr or, for a
    /// record, the list of field tuples with `('', '|V{n}')` for padding.
    ///
    /// ```
    /// use serde_npy::{ByteOrder, Dtype};
    /// assert_eq!(Dtype::F32(ByteOrder::Little).descr(), "'<f4'");
    /// let record: Dtype = "[('a', '|u1'), ('', '|V3'), ('b', '<i4')]".parse()?;
    /// assert_eq!(record.itemsize(), 8);
    /// assert_eq!(record.descr(), "[('a', '|u1'), ('', '|V3'), ('b', '<i4')]");
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn descr(&self) -> String {
        let mut out = String::new();
        self.write_descr(&mut out);
        out
    }

    pub(crate) fn write_descr(&self, out: &mut String) {
        if let Some(quoted) = self.quoted_number_typestr() {
            out.push_str(quoted);
            return;
        }
        match self {
            Dtype::Record(r) => write_record_descr(r, out),
            // A typestr has no quotes or backslashes, so its repr is itself in quotes.
            other => {
                out.push('\'');
                other.write_typestr(out);
                out.push('\'');
            }
        }
    }

    /// Parses a `descr` as a header or [`Display`](fmt::Display) writes it,
    /// such as `'<f4'` or `[('x', '<f8'), ('y', '<i4', (2,))]`, or a bare
    /// typestr such as `<f4`.
    ///
    /// Text holding a quote (`'` or `"`), or starting with `[` or `(`, is
    /// read as a Python literal, as in a header; any other text is a bare
    /// typestr. No typestr holds a quote or starts with a bracket, so both
    /// forms read as what they are. [`FromStr`](std::str::FromStr) follows
    /// the same rule: `text.parse()` and `from_descr(text)` agree, and both
    /// read back what `to_string()`, [`Dtype::descr`] and [`Dtype::typestr`]
    /// write.
    ///
    /// ```
    /// use serde_npy::{ByteOrder, Dtype};
    /// let d = Dtype::from_descr("'>i8'")?;
    /// assert_eq!(d, Dtype::I64(ByteOrder::Big));
    /// assert_eq!(Dtype::from_descr(">i8")?, d);
    /// assert_eq!(Dtype::from_descr(&d.to_string())?, d);
    ///
    /// let point = Dtype::from_descr("[('x', '<f4'), ('y', '<f4', (2,))]")?;
    /// assert_eq!(point.itemsize(), 12);
    /// assert_eq!(Dtype::from_descr(&point.to_string())?, point);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn from_descr(text: &str) -> Result<Dtype> {
        if !is_literal(text) {
            return parse_typestr(text);
        }
        let v = crate::pylit::parse(text, false, DEFAULT_MAX_DEPTH * 3 + 4)?;
        Dtype::from_py(&v, DEFAULT_MAX_DEPTH, None)
    }

    /// The dtype of a header's `descr` literal; `count` is the header's
    /// element count (see [`top_level`]), `None` outside a header.
    pub(crate) fn from_py(v: &PyValue, max_depth: usize, count: Option<usize>) -> Result<Dtype> {
        crate::descr::descr_to_dtype(v, max_depth)
            .and_then(|sub| top_level(sub, count, v))
            .map_err(|e| match e.kind() {
                // The recursion counts down; report the limit the caller set.
                ErrorKind::TooDeep { .. } => ErrorKind::TooDeep { limit: max_depth }.into(),
                _ => e,
            })
    }
}

/// Shape of a complex number seen as its parts: `(re, im)`.
pub(crate) static COMPLEX_PAIR: [usize; 1] = [2];

/// serde name of `half::f16`'s newtype wrapper around its `u16` bits.
pub(crate) const F16_NEWTYPE: &str = "f16";

/// serde name of `half::bf16`'s newtype wrapper around its `u16` bits.
pub(crate) const BF16_NEWTYPE: &str = "bf16";

/// Newtypes the writer gives dtypes of their own (`f16`, `bf16`, complex,
/// datetime64 and timedelta64) rather than taking what they wrap: the fast
/// paths leave them to the planner.
pub(crate) fn special_newtype(name: &str) -> bool {
    name == F16_NEWTYPE
        || name == BF16_NEWTYPE
        || name == crate::complex::COMPLEX_NEWTYPE
        || name.starts_with(crate::datetime::NEWTYPE_PREFIX)
}

impl Dtype {
    /// The dtype of each part of a complex dtype (`c8` → `f4`, `c16` → `f8`).
    pub(crate) fn complex_part(&self) -> Option<&'static Dtype> {
        match *self {
            Dtype::C64(o) => LeafKind::F32(o).static_dtype(),
            Dtype::C128(o) => LeafKind::F64(o).static_dtype(),
            _ => None,
        }
    }
}

/// The scalar kind of a dtype, copied out of it so per-element paths branch
/// on a register value instead of re-reading the dtype for every element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum LeafKind {
    Bool,
    I8,
    U8,
    I16(ByteOrder),
    I32(ByteOrder),
    I64(ByteOrder),
    U16(ByteOrder),
    U32(ByteOrder),
    U64(ByteOrder),
    F32(ByteOrder),
    F64(ByteOrder),
    /// Anything else takes the general path.
    Other,
}

/// Every number dtype, in the order of [`LeafKind::number_index`].
static NUMBER_DTYPES: [Dtype; 19] = [
    Dtype::Bool,
    Dtype::I8,
    Dtype::U8,
    Dtype::I16(ByteOrder::Little),
    Dtype::I16(ByteOrder::Big),
    Dtype::I32(ByteOrder::Little),
    Dtype::I32(ByteOrder::Big),
    Dtype::I64(ByteOrder::Little),
    Dtype::I64(ByteOrder::Big),
    Dtype::U16(ByteOrder::Little),
    Dtype::U16(ByteOrder::Big),
    Dtype::U32(ByteOrder::Little),
    Dtype::U32(ByteOrder::Big),
    Dtype::U64(ByteOrder::Little),
    Dtype::U64(ByteOrder::Big),
    Dtype::F32(ByteOrder::Little),
    Dtype::F32(ByteOrder::Big),
    Dtype::F64(ByteOrder::Little),
    Dtype::F64(ByteOrder::Big),
];

impl LeafKind {
    /// Where this kind's dtype is in [`NUMBER_DTYPES`]; `None` for `Other`.
    fn number_index(self) -> Option<usize> {
        let order = |o: ByteOrder| o as usize;
        Some(match self {
            LeafKind::Bool => 0,
            LeafKind::I8 => 1,
            LeafKind::U8 => 2,
            LeafKind::I16(o) => 3 + order(o),
            LeafKind::I32(o) => 5 + order(o),
            LeafKind::I64(o) => 7 + order(o),
            LeafKind::U16(o) => 9 + order(o),
            LeafKind::U32(o) => 11 + order(o),
            LeafKind::U64(o) => 13 + order(o),
            LeafKind::F32(o) => 15 + order(o),
            LeafKind::F64(o) => 17 + order(o),
            LeafKind::Other => return None,
        })
    }

    /// The dtype of this kind, borrowed for as long as needed; `None` for
    /// `Other`.
    pub(crate) fn static_dtype(self) -> Option<&'static Dtype> {
        NUMBER_DTYPES.get(self.number_index()?)
    }

    /// The dtype of this kind; `None` for `Other`. A match rather than a
    /// clone of [`LeafKind::static_dtype`]: cloning a `Dtype` walks its
    /// variants, which showed in the per-array cost of small arrays.
    pub(crate) fn dtype(self) -> Option<Dtype> {
        Some(match self {
            LeafKind::Bool => Dtype::Bool,
            LeafKind::I8 => Dtype::I8,
            LeafKind::U8 => Dtype::U8,
            LeafKind::I16(o) => Dtype::I16(o),
            LeafKind::I32(o) => Dtype::I32(o),
            LeafKind::I64(o) => Dtype::I64(o),
            LeafKind::U16(o) => Dtype::U16(o),
            LeafKind::U32(o) => Dtype::U32(o),
            LeafKind::U64(o) => Dtype::U64(o),
            LeafKind::F32(o) => Dtype::F32(o),
            LeafKind::F64(o) => Dtype::F64(o),
            LeafKind::Other => return None,
        })
    }

    #[inline]
    pub(crate) fn of(d: &Dtype) -> LeafKind {
        match *d {
            Dtype::Bool => LeafKind::Bool,
            Dtype::I8 => LeafKind::I8,
            Dtype::U8 => LeafKind::U8,
            Dtype::I16(o) => LeafKind::I16(o),
            Dtype::I32(o) => LeafKind::I32(o),
            Dtype::I64(o) => LeafKind::I64(o),
            Dtype::U16(o) => LeafKind::U16(o),
            Dtype::U32(o) => LeafKind::U32(o),
            Dtype::U64(o) => LeafKind::U64(o),
            Dtype::F32(o) => LeafKind::F32(o),
            Dtype::F64(o) => LeafKind::F64(o),
            _ => LeafKind::Other,
        }
    }
}

impl Dtype {
    /// Nesting the reader goes through for one element: a level per record
    /// and per subarray axis (complex parts count as one axis).
    pub(crate) fn nesting(&self) -> usize {
        match self {
            Dtype::Record(r) => {
                1 + r
                    .fields
                    .iter()
                    .map(|f| f.shape.len() + f.dtype.nesting())
                    .max()
                    .unwrap_or(0)
            }
            Dtype::C64(_) | Dtype::C128(_) => 1,
            _ => 0,
        }
    }

    /// Sequences and values the reader produces for one element, beyond the
    /// element itself (saturating).
    pub(crate) fn nodes(&self) -> usize {
        match self {
            Dtype::Record(r) => r.fields.iter().fold(0usize, |acc, f| {
                let (axes, elems) = prefix_nodes(&f.shape);
                acc.saturating_add(axes)
                    .saturating_add(elems.saturating_mul(1 + f.dtype.nodes()))
            }),
            Dtype::C64(_) | Dtype::C128(_) => 2,
            _ => 0,
        }
    }
}

/// For a shape: the sequences on every axis together, and the element count
/// (both saturating).
pub(crate) fn prefix_nodes(shape: &[usize]) -> (usize, usize) {
    let mut total = 0usize;
    let mut prefix = 1usize;
    for &d in shape {
        total = total.saturating_add(prefix);
        prefix = prefix.saturating_mul(d);
    }
    (total, prefix)
}

/// NumPy's `NPY_MAXDIMS`: no array it can load has more dimensions. Also
/// bounds the reader's recursion, one level per axis.
pub(crate) const MAX_DIMS: usize = 64;

/// Default limit on nesting, adjustable through `ReadOptions`.
pub(crate) const DEFAULT_MAX_DEPTH: usize = 128;

fn unit_typestr(order: char, kind: char, unit: &str) -> String {
    if unit.is_empty() {
        format!("{order}{kind}8")
    } else {
        format!("{order}{kind}8[{unit}]")
    }
}

fn write_record_descr(r: &Record, out: &mut String) {
    out.push('[');
    let mut first = true;
    let mut sep = |out: &mut String| {
        if !std::mem::take(&mut first) {
            out.push_str(", ");
        }
    };
    let mut pos = 0usize;
    for (i, f) in r.fields.iter().enumerate() {
        if f.offset > pos {
            sep(out);
            out.push_str(&format!("('', '|V{}')", f.offset - pos));
        }
        sep(out);
        out.push('(');
        let odd = r
            .odd_titles
            .iter()
            .flat_map(|t| t.iter())
            .find(|(at, _)| *at == i)
            .map(|(_, t)| t);
        match (&f.title, odd) {
            (_, Some(t)) => {
                out.push('(');
                out.push_str(t);
                out.push_str(", ");
                write_str_repr(out, &f.name);
                out.push(')');
            }
            (Some(t), None) => {
                out.push('(');
                write_str_repr(out, t);
                out.push_str(", ");
                write_str_repr(out, &f.name);
                out.push(')');
            }
            (None, None) => write_str_repr(out, &f.name),
        }
        out.push_str(", ");
        // Split the shape into its nested levels: the outermost is the
        // field's third item, inner ones wrap the type as `(type, shape)`.
        let mut dims: Vec<&[usize]> = Vec::new();
        let mut rest = &f.shape[..];
        for &n in r.levels.get(i).map_or(&[][..], |l| &l[..]) {
            let (level, tail) = rest.split_at(n.min(rest.len()));
            dims.push(level);
            rest = tail;
        }
        if !rest.is_empty() {
            dims.push(rest);
        }
        for _ in dims.iter().skip(1) {
            out.push('(');
        }
        f.dtype.write_descr(out);
        for level in dims.iter().skip(1).rev() {
            out.push_str(", ");
            out.push_str(&shape_repr(level));
            out.push(')');
        }
        if let Some(outer) = dims.first() {
            out.push_str(", ");
            out.push_str(&shape_repr(outer));
        }
        out.push(')');
        pos = f.offset + f.size();
    }
    if r.itemsize > pos {
        sep(out);
        out.push_str(&format!("('', '|V{}')", r.itemsize - pos));
    }
    out.push(']');
}

/// Whether descr text is a Python literal (`'<f4'`, `[('x', '<f4')]`) rather
/// than a bare typestr (`<f4`, `<M8[ns]`): the rule of [`Dtype::from_descr`].
fn is_literal(text: &str) -> bool {
    text.contains(['\'', '"']) || text.trim_start().starts_with(['[', '('])
}

/// Writes the `descr` text, as in a header: `'<f4'`, or for a record
/// `[('x', '<f4'), ('id', '<u4')]`. [`FromStr`](std::str::FromStr) and
/// [`Dtype::from_descr`] read it back.
///
/// ```
/// use serde_npy::{ByteOrder, Dtype};
/// let d = Dtype::Str(8, ByteOrder::Big);
/// assert_eq!(d.to_string(), "'>U8'");
/// assert_eq!(d.to_string().parse::<Dtype>()?, d);
/// # Ok::<(), serde_npy::Error>(())
/// ```
impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.descr())
    }
}

/// Parses a bare typestr such as `<f4`, `|S3` or `>U8`, or descr text as
/// [`Display`](fmt::Display) writes it, such as `'<f4'` or
/// `[('x', '<f4'), ('id', '<u4')]`; the same as [`Dtype::from_descr`], whose
/// documentation gives the rule that tells them apart.
///
/// ```
/// use serde_npy::{ByteOrder, Dtype};
/// assert_eq!("<f4".parse::<Dtype>()?, Dtype::F32(ByteOrder::Little));
/// assert_eq!("'<f4'".parse::<Dtype>()?, Dtype::F32(ByteOrder::Little));
/// let record: Dtype = "[('x', '<f4'), ('id', '<u4')]".parse()?;
/// assert_eq!(record.itemsize(), 8);
/// # Ok::<(), serde_npy::Error>(())
/// ```
impl std::str::FromStr for Dtype {
    type Err = Error;

    fn from_str(s: &str) -> Result<Dtype> {
        Dtype::from_descr(s)
    }
}

/// An unsupported typestr, quoted as Python (and the header) writes it.
fn unsupported(s: &str, reason: impl Into<String>) -> Error {
    unsupported_value(&PyValue::Str(s.to_string()), reason)
}

/// An unsupported part of a descr, shown as Python literal text.
fn unsupported_value(v: &dyn fmt::Display, reason: impl Into<String>) -> Error {
    ErrorKind::UnsupportedDtype {
        descr: v.to_string(),
        reason: reason.into(),
    }
    .into()
}

/// The number typestrs `np.save` writes (`<f4`, `>i8`, `|b1`, …), read from
/// the header's bytes without the general parser; `None` for anything else.
pub(crate) fn number_typestr(b: &[u8]) -> Option<Dtype> {
    use ByteOrder::{Big, Little};
    let (order, code) = match b.split_first()? {
        (b'|', code) => {
            return match code {
                b"b1" => Some(Dtype::Bool),
                b"i1" => Some(Dtype::I8),
                b"u1" => Some(Dtype::U8),
                _ => None,
            }
        }
        (b'<', code) => (Little, code),
        (b'>', code) => (Big, code),
        _ => return None,
    };
    Some(match code {
        b"i2" => Dtype::I16(order),
        b"i4" => Dtype::I32(order),
        b"i8" => Dtype::I64(order),
        b"u2" => Dtype::U16(order),
        b"u4" => Dtype::U32(order),
        b"u8" => Dtype::U64(order),
        b"f2" => Dtype::F16(order),
        b"f4" => Dtype::F32(order),
        b"f8" => Dtype::F64(order),
        b"c8" => Dtype::C64(order),
        b"c16" => Dtype::C128(order),
        _ => return None,
    })
}

/// `|S5`, `<U3`, `|V8` as `np.save` writes them (order, kind, decimal size
/// without leading zeros), read without the general parser; `None` for
/// anything else. What it reads, `descr::from_str` reads the same.
fn sized_typestr(b: &[u8]) -> Option<Dtype> {
    let (&order, rest) = b.split_first()?;
    let (&kind, digits) = rest.split_first()?;
    if digits.is_empty()
        || digits.len() > 9
        || (digits.len() > 1 && digits[0] == b'0')
        || !digits.iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    // Nine digits at most: no overflow, and below NumPy's C int limit for
    // bytes; `U` counts four bytes a character.
    let n = digits
        .iter()
        .fold(0usize, |n, &d| n * 10 + usize::from(d - b'0'));
    Some(match (order, kind) {
        (b'|', b'S') => Dtype::Bytes(n),
        (b'|', b'V') => Dtype::Void(n),
        (b'<', b'U') if n <= crate::descr::MAX_INT / 4 => Dtype::Str(n, ByteOrder::Little),
        (b'>', b'U') if n <= crate::descr::MAX_INT / 4 => Dtype::Str(n, ByteOrder::Big),
        _ => return None,
    })
}

/// Parses a typestr as `np.dtype(str)` does (see [`crate::descr`]); a
/// subarray string such as `'(2,)<f8'` is its base type when the subarray
/// holds one element, as `np.load` reads it, and an error otherwise.
fn parse_typestr(s: &str) -> Result<Dtype> {
    top_level(
        crate::descr::from_str(s, DEFAULT_MAX_DEPTH)?,
        None,
        &PyValue::Str(s.into()),
    )
}

/// The dtype `np.load` gives a whole descr. A subarray there (`'(2,)<f8'`,
/// `('<f8', (1,))`) is read as `count` items of the subarray, which NumPy
/// then reshapes to the header's shape: that works when the subarray holds
/// one element, or when there are no items at all, and the dtype is the
/// base type. `count` is `None` outside a header.
pub(crate) fn top_level(sub: Sub, count: Option<usize>, descr: &PyValue) -> Result<Dtype> {
    let elements = sub.elements();
    if sub.levels.is_empty() || elements == 1 || count == Some(0) {
        return Ok(sub.dtype);
    }
    Err(unsupported_value(
        descr,
        format!(
            "a subarray of {elements} elements at the top level of the descr: np.load reads such a file only when each subarray holds one element or the array is empty"
        ),
    ))
}

/// A packed record of `(name, title, type)` fields, for the comma-separated
/// strings `np.dtype` reads (`'f4,i4'`).
pub(crate) fn packed_fields(
    fields: Vec<(String, Option<PyValue>, Sub)>,
    context: &str,
) -> Result<Dtype> {
    record_of(fields, &PyValue::Str(context.into()))
}

/// A field's type and size from its parsed parts.
fn field_of(name: String, title: Option<String>, offset: usize, sub: Sub) -> (Field, Vec<usize>) {
    let levels: Vec<usize> = sub.levels.iter().map(Vec::len).collect();
    (
        Field {
            name,
            title,
            offset,
            dtype: sub.dtype,
            shape: sub.levels.concat(),
        },
        levels,
    )
}

/// Builds a packed record as `descr_to_dtype` does, with NumPy's checks:
/// names and string titles share one namespace; the item size fits a C int.
/// Unnamed void fields (padding) are given as `None` names and skipped.
fn record_of(entries: Vec<(String, Option<PyValue>, Sub)>, context: &PyValue) -> Result<Dtype> {
    let mut fields: Vec<Field> = Vec::with_capacity(entries.len());
    let mut all_levels: Vec<Vec<usize>> = Vec::with_capacity(entries.len());
    let mut odd_titles = Vec::new();
    let mut offset = 0usize;
    // A set, not a scan of the fields so far: a 1 MiB header of ~80,000
    // fields took 18 s to parse with a scan.
    let mut names: HashSet<String> = HashSet::with_capacity(entries.len());
    for (name, title, sub) in entries {
        let size = sub
            .dtype
            .itemsize()
            .checked_mul(sub.elements())
            .ok_or_else(|| overflow(&sub.dtype))?;
        let at = offset;
        offset = offset
            .checked_add(size)
            .filter(|&o| o <= crate::descr::MAX_INT)
            .ok_or_else(|| {
                unsupported_value(
                    context,
                    "the record's size in bytes is more than NumPy's largest item (2147483647, a C int)",
                )
            })?;
        if !names.insert(name.clone()) {
            return Err(unsupported(
                &name,
                format!("field name {name:?} is used twice (as a name or a title); NumPy refuses such a dtype"),
            ));
        }
        let title = match title {
            None | Some(PyValue::None) => None,
            Some(PyValue::Str(t)) => {
                if !names.insert(t.clone()) {
                    return Err(unsupported(
                        &t,
                        format!("title {t:?} is already used as a name or a title; NumPy refuses such a dtype"),
                    ));
                }
                Some(t)
            }
            // NumPy keeps titles of any kind; only string titles name the
            // field. Kept as their Python text for `descr()`.
            Some(other) => {
                odd_titles.push((fields.len(), other.to_string()));
                None
            }
        };
        let (field, levels) = field_of(name, title, at, sub);
        if field.shape.len() > MAX_DIMS {
            return Err(unsupported(
                &field.name,
                format!(
                    "a subarray of {} dimensions; NumPy allows at most {}",
                    field.shape.len(),
                    MAX_DIMS
                ),
            ));
        }
        fields.push(field);
        all_levels.push(levels);
    }
    // Only nesting needs remembering; a single level is the default.
    if all_levels.iter().all(|l| l.len() <= 1) {
        all_levels.clear();
    }
    let mut record = Record::from_parts(fields, offset, all_levels);
    record.odd_titles = (!odd_titles.is_empty()).then(|| Box::new(odd_titles));
    Ok(Dtype::Record(record))
}

/// A list of fields as `descr_to_dtype` reads it: `(name, type)` or `(name,
/// type, shape)`, the name possibly `(title, name)`; unnamed void fields
/// (and unnamed subarrays, which NumPy's check also takes for void) are
/// padding, kept as bytes.
pub(crate) fn parse_record(entries: &[PyValue], depth: usize) -> Result<Dtype> {
    if depth == 0 {
        return Err(ErrorKind::TooDeep {
            limit: DEFAULT_MAX_DEPTH,
        }
        .into());
    }
    let mut parsed: Vec<(String, Option<PyValue>, Sub)> = Vec::with_capacity(entries.len());
    for entry in entries {
        // NumPy unpacks each entry, so a string of two or three characters
        // is a field too: `'aL'` is `('a', 'L')`.
        let chars: Vec<PyValue>;
        let items = match entry {
            PyValue::Tuple(items) | PyValue::List(items) if (2..=3).contains(&items.len()) => items,
            PyValue::Str(text) if (2..=3).contains(&text.chars().count()) => {
                chars = text.chars().map(|c| PyValue::Str(c.to_string())).collect();
                &chars
            }
            other => {
                return Err(unsupported_value(
                    other,
                    "each field must be a (name, type) or (name, type, shape) tuple",
                ))
            }
        };
        let mut sub = crate::descr::descr_to_dtype(&items[1], depth - 1)?;
        if let Some(shape) = items.get(2) {
            sub = crate::descr::with_shape(sub, shape, &items[1].to_string())?;
        }
        let is_void = !sub.levels.is_empty() || matches!(sub.dtype, Dtype::Void(_));
        if matches!(&items[0], PyValue::Str(n) if n.is_empty()) && is_void {
            // Padding: its bytes count, it is no field. Marked by a title
            // no header can give a padding entry (see below).
            let size = sub
                .dtype
                .itemsize()
                .checked_mul(sub.elements())
                .ok_or_else(|| overflow(&sub.dtype))?;
            parsed.push((
                String::new(),
                Some(PyValue::Int(-1)),
                Sub::plain(Dtype::Void(size)),
            ));
            continue;
        }
        let (title, name) = match &items[0] {
            PyValue::Str(n) => (None, n.clone()),
            PyValue::Tuple(t) if t.len() == 2 => match &t[1] {
                PyValue::Str(n) => (Some(t[0].clone()), n.clone()),
                _ => return Err(unsupported_value(&items[0], "field names must be strings")),
            },
            other => {
                return Err(unsupported_value(
                    other,
                    "field names must be strings, or (title, name) pairs",
                ))
            }
        };
        parsed.push((name, title, sub));
    }
    record_of_with_padding(parsed, &PyValue::Str("record".into()))
}

/// [`record_of`] where entries named `""` with the title `-1` are padding:
/// their bytes advance the offset, and they are no fields.
fn record_of_with_padding(
    entries: Vec<(String, Option<PyValue>, Sub)>,
    context: &PyValue,
) -> Result<Dtype> {
    let is_pad =
        |(n, t, _): &(String, Option<PyValue>, Sub)| n.is_empty() && *t == Some(PyValue::Int(-1));
    if !entries.iter().any(is_pad) {
        return record_of(entries, context);
    }
    // Build with padding as fields (distinct placeholder names), then drop them.
    let mut marked = Vec::with_capacity(entries.len());
    let mut pads = Vec::new();
    for (i, e) in entries.into_iter().enumerate() {
        if is_pad(&e) {
            pads.push(i);
            marked.push((format!("\u{0}pad{i}"), None, e.2));
        } else {
            marked.push(e);
        }
    }
    let Dtype::Record(r) = record_of(marked, context)? else {
        unreachable!("record_of builds records")
    };
    let keep: Vec<bool> = (0..r.fields.len()).map(|i| !pads.contains(&i)).collect();
    let fields: Vec<Field> = r
        .fields
        .into_iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(f, _)| f)
        .collect();
    let levels: Vec<Vec<usize>> = if r.levels.is_empty() {
        Vec::new()
    } else {
        r.levels
            .into_iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(l, _)| l)
            .collect()
    };
    // Field indices of odd titles shift down past the dropped padding.
    let odd_titles = r.odd_titles.map(|titles| {
        Box::new(
            titles
                .into_iter()
                .map(|(i, t)| (i - pads.iter().filter(|&&p| p < i).count(), t))
                .collect(),
        )
    });
    let mut record = Record::from_parts(fields, r.itemsize, levels);
    record.odd_titles = odd_titles;
    Ok(Dtype::Record(record))
}

/// Parses a descr as NumPy writes it, a quoted typestr (`'<f4'`) or a
/// record list (see [`parse_canonical_record`]), and returns it with the text
/// after it; `None` leaves the text to the general parser.
pub(crate) fn parse_canonical_descr(text: &[u8], depth: usize) -> Option<(Dtype, &[u8])> {
    let Some(quoted) = text.strip_prefix(b"'") else {
        return parse_canonical_record(text, depth);
    };
    let end = quoted.iter().position(|&b| b == b'\'')?;
    let typestr = &quoted[..end];
    let dtype = match number_typestr(typestr).or_else(|| sized_typestr(typestr)) {
        Some(d) => d,
        // Escapes and line breaks mean something else to Python than to
        // this byte-level reading: the general parser decides. (The two
        // readers above match exact printable text only.)
        None if !typestr
            .iter()
            .all(|b| (b' '..=b'~').contains(b) && *b != b'\\') =>
        {
            return None
        }
        None => {
            // A subarray string (`'1c8'`) means a different dtype in a field
            // than as the whole descr: the general parser decides.
            let sub =
                crate::descr::from_str(std::str::from_utf8(typestr).ok()?, depth.max(1)).ok()?;
            if !sub.levels.is_empty() {
                return None;
            }
            sub.dtype
        }
    };
    Some((dtype, &quoted[end + 1..]))
}

/// Parses the exact text NumPy writes for a packed record descr, such as
/// `[('x', '<f4'), ('pos', '<f8', (3,)), ('n', [('p', '<u2')])]`, straight
/// into a dtype, and returns it with the text after the closing `]`.
///
/// A tenth of the general parser's cost, which builds a literal tree first.
/// Anything this does not recognise exactly (names that are quoted
/// otherwise, escaped or not printable ASCII, titles, unnamed padding, nested
/// `(type, shape)` tuples, duplicate names, more than 64 fields at a level,
/// nesting deeper than `depth`) is `None`, and the general parser decides,
/// with its own error messages. What it accepts, it reads as
/// [`parse_record`] does.
fn parse_canonical_record(text: &[u8], depth: usize) -> Option<(Dtype, &[u8])> {
    const MAX_CANONICAL_FIELDS: usize = 64;
    if depth == 0 {
        return None;
    }
    let mut rest = text.strip_prefix(b"[")?;
    let mut fields: Vec<Field> = Vec::new();
    let mut offset = 0usize;
    loop {
        rest = rest.strip_prefix(b"('")?;
        let end = rest
            .iter()
            .position(|&b| b == b'\'' || b == b'\\' || !(b' '..=b'~').contains(&b))?;
        if end == 0 || rest[end] != b'\'' {
            return None;
        }
        // Printable ASCII, so valid UTF-8.
        let name = std::str::from_utf8(&rest[..end]).ok()?;
        rest = rest[end + 1..].strip_prefix(b", ")?;
        let (dtype, after) = parse_canonical_descr(rest, depth - 1)?;
        rest = after;
        let mut shape = Vec::new();
        if let Some(dims) = rest.strip_prefix(b", (") {
            // A shape on a type of no size (`'U0'`, `'V'`) is NumPy's item
            // size syntax, not a subarray: the general parser decides.
            if dtype.itemsize() == 0 && !matches!(dtype, Dtype::Record(_)) {
                return None;
            }
            let (parsed, after) = parse_canonical_dims(dims)?;
            shape = parsed;
            rest = after;
        }
        rest = rest.strip_prefix(b")")?;
        if shape.len() > MAX_DIMS
            || fields.len() == MAX_CANONICAL_FIELDS
            || fields.iter().any(|f| f.name == name)
        {
            return None;
        }
        let field = Field {
            name: name.to_owned(),
            title: None,
            offset,
            dtype,
            shape,
        };
        offset = offset.checked_add(checked_field_size(&field).ok()?)?;
        fields.push(field);
        if let Some(next) = rest.strip_prefix(b", ") {
            rest = next;
        } else {
            rest = rest.strip_prefix(b"]")?;
            break;
        }
    }
    // One subarray level per field: no nesting to remember.
    Some((
        Dtype::Record(Record::from_parts(fields, offset, Vec::new())),
        rest,
    ))
}

/// Parses `3,)` or `2, 3)` (the text after a tuple's `(`) as dimensions,
/// NumPy's repr of a shape; returns them and the text after the `)`. A lone
/// dimension needs its trailing comma, as in Python.
pub(crate) fn parse_canonical_dims(text: &[u8]) -> Option<(Vec<usize>, &[u8])> {
    let mut rest = text;
    let mut dims = Vec::with_capacity(4);
    let mut trailing_comma = false;
    loop {
        if let Some(after) = rest.strip_prefix(b")") {
            if dims.len() == 1 && !trailing_comma {
                return None;
            }
            return Some((dims, after));
        }
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        // Leading zeros are not valid Python; leave them to the general parser.
        if digits == 0 || digits > 19 || (digits > 1 && rest[0] == b'0') {
            return None;
        }
        let mut d = 0usize;
        for &b in &rest[..digits] {
            d = d.checked_mul(10)?.checked_add(usize::from(b - b'0'))?;
        }
        dims.push(d);
        rest = &rest[digits..];
        trailing_comma = true;
        if let Some(after) = rest.strip_prefix(b", ") {
            rest = after;
        } else if let Some(after) = rest.strip_prefix(b",") {
            rest = after;
        } else if rest.starts_with(b")") {
            trailing_comma = false;
        } else {
            return None;
        }
    }
}

/// Appends `n` in decimal: what `write!(out, "{n}")` does, without the
/// formatting machinery, which shows in the cost of small arrays' headers.
pub(crate) fn push_decimal(out: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        // `n % 10` is below 10, so the cast and the addition stay in range.
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_decimal_matches_display() {
        for n in [0, 1, 9, 10, 99, 100, 12345, u32::MAX as usize, usize::MAX] {
            let mut s = String::from("x");
            push_decimal(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
    }

    #[test]
    fn quoted_number_typestrs_match_the_general_path() {
        let mut found = 0;
        for order in [ByteOrder::Little, ByteOrder::Big] {
            for s in [
                "b1", "i1", "u1", "i2", "i4", "i8", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16",
            ] {
                let d: Dtype = format!("{}{s}", order.char()).parse().unwrap();
                let quoted = d.quoted_number_typestr().unwrap();
                assert_eq!(quoted, format!("'{}'", d.typestr().unwrap()));
                found += 1;
            }
        }
        assert_eq!(found, 28);
        for other in ["|S5", "<U3", "|V8", "<M8[ns]"] {
            let d: Dtype = other.parse().unwrap();
            assert_eq!(d.quoted_number_typestr(), None, "{other}");
        }
    }

    #[test]
    fn number_typestrs_parse_as_the_general_parser_does() {
        let mut found = 0;
        for order in ["<", ">", "|", "=", ""] {
            for code in [
                "b1", "i1", "u1", "i2", "i4", "i8", "u2", "u4", "u8", "f2", "f4", "f8", "c8",
                "c16", "S4", "U2", "V8", "f16", "i",
            ] {
                let s = format!("{order}{code}");
                if let Some(d) = number_typestr(s.as_bytes()) {
                    assert_eq!(d, parse_typestr(&s).unwrap(), "{s}");
                    found += 1;
                }
            }
        }
        // `|` with the one-byte codes, `<` and `>` with the wider ones.
        assert_eq!(found, 3 + 2 * 11);
    }

    #[test]
    fn sized_typestrs_parse_as_the_general_parser_does() {
        let mut found = 0;
        for text in [
            "|S5",
            "|S0",
            "|S05",
            "<U3",
            ">U3",
            "=U3",
            "|U3",
            "|V8",
            "<V2",
            "|S999999999",
            "<U536870911",
            "<U536870912",
            "|S1000000000",
            "|Sx",
            "|S",
            "S5",
        ] {
            if let Some(d) = sized_typestr(text.as_bytes()) {
                let general = crate::descr::from_str(text, 4).unwrap();
                assert!(general.levels.is_empty(), "{text}");
                assert_eq!(d, general.dtype, "{text}");
                found += 1;
            }
        }
        assert_eq!(found, 7);
    }

    #[test]
    fn typestrs_round_trip() {
        for s in [
            "|b1", "|i1", "|u1", "<i2", ">i4", "<u8", "<f2", ">f4", "<f8", "<c8", ">c16", "|S5",
            "<U3", "|V8", "<M8[ns]", ">m8[10s]", "<M8",
        ] {
            let d: Dtype = s.parse().unwrap();
            assert_eq!(d.typestr().unwrap(), s);
        }
        assert_eq!(
            "=i2".parse::<Dtype>().unwrap(),
            Dtype::I16(ByteOrder::NATIVE)
        );
        assert_eq!("?".parse::<Dtype>().unwrap(), Dtype::Bool);
        for bad in ["x", "<f3", "<f16", "", "<i2 ", "O", "|O8"] {
            assert!(bad.parse::<Dtype>().is_err(), "{bad}");
        }
    }

    /// Dtypes of every kind, byte order and width, and records with nested
    /// records, subarrays (nested levels too), titles and padding.
    fn representative_dtypes() -> Vec<Dtype> {
        use ByteOrder::{Big, Little};
        let mut out = vec![
            Dtype::Bool,
            Dtype::I8,
            Dtype::U8,
            Dtype::Bytes(0),
            Dtype::Bytes(1),
            Dtype::Bytes(300),
            Dtype::Void(0),
            Dtype::Void(16),
        ];
        for o in [Little, Big] {
            out.extend([
                Dtype::I16(o),
                Dtype::I32(o),
                Dtype::I64(o),
                Dtype::U16(o),
                Dtype::U32(o),
                Dtype::U64(o),
                Dtype::F16(o),
                Dtype::F32(o),
                Dtype::F64(o),
                Dtype::C64(o),
                Dtype::C128(o),
                Dtype::Str(0, o),
                Dtype::Str(1, o),
                Dtype::Str(77, o),
                Dtype::DateTime(String::new(), o),
                Dtype::DateTime("ns".into(), o),
                Dtype::DateTime("us".into(), o),
                Dtype::TimeDelta("10s".into(), o),
                Dtype::TimeDelta("D".into(), o),
            ]);
        }
        let inner = Record::packed(vec![
            ("a".into(), Dtype::I16(Big), vec![]),
            ("b".into(), Dtype::U8, vec![2]),
        ])
        .unwrap();
        out.push(Dtype::Record(inner.clone()));
        out.push(Dtype::Record(
            Record::packed(vec![
                ("x".into(), Dtype::F32(Little), vec![]),
                ("inner".into(), Dtype::Record(inner.clone()), vec![3]),
                ("pos".into(), Dtype::F64(Little), vec![2, 3]),
                ("label".into(), Dtype::Str(5, Little), vec![]),
                ("when".into(), Dtype::DateTime("ms".into(), Big), vec![]),
                ("z".into(), Dtype::C64(Little), vec![]),
            ])
            .unwrap(),
        ));
        // Padding between fields and at the end, and a title.
        let field = |name: &str, title: Option<&str>, offset, dtype, shape| Field {
            name: name.into(),
            title: title.map(Into::into),
            offset,
            dtype,
            shape,
        };
        out.push(Dtype::Record(
            Record::new(
                vec![
                    field("a", Some("the a"), 1, Dtype::I32(Little), vec![]),
                    field("r", None, 8, Dtype::Record(inner), vec![]),
                    field("it's", None, 12, Dtype::U16(Big), vec![2]),
                ],
                24,
            )
            .unwrap(),
        ));
        out.push(Dtype::Record(Record::packed(vec![]).unwrap()));
        out.push(Dtype::Record(Record::new(vec![], 4).unwrap()));
        // Nested subarray levels exist only as parsed text.
        for text in [
            "[('c', ('<f8', (5,)), (2,))]",
            "[('x', ([('a', '|i1'), ('', '|V3'), ('b', '|i1'), ('', '|V3')], (3,)), (4,))]",
            "[('c', (('<f8', (5,)), (3, 4)), (2,)), ('d', '<i2', (2, 2))]",
        ] {
            out.push(Dtype::from_descr(text).unwrap());
        }
        out
    }

    #[test]
    fn display_from_str_and_from_descr_read_each_other() {
        for d in representative_dtypes() {
            let text = d.to_string();
            assert_eq!(text, d.descr());
            assert_eq!(text.parse::<Dtype>().unwrap(), d, "parse {text}");
            assert_eq!(Dtype::from_descr(&text).unwrap(), d, "from_descr {text}");
            // Other quotes and spacing mean the same dtype.
            let loose = format!(" {} ", text.replace('\'', "\""));
            if !text.contains("it's") {
                assert_eq!(loose.parse::<Dtype>().unwrap(), d, "parse {loose}");
            }
            if let Some(ts) = d.typestr() {
                assert_eq!(text, format!("'{ts}'"));
                assert_eq!(ts.parse::<Dtype>().unwrap(), d, "parse {ts}");
                assert_eq!(Dtype::from_descr(&ts).unwrap(), d, "from_descr {ts}");
            }
        }
    }

    #[test]
    fn the_rule_tells_literals_from_typestrs() {
        for literal in [
            "'<f4'",
            "\"<f4\"",
            "u'<f4'",
            " '<f4'",
            "[]",
            " [('a', '<i4')]",
        ] {
            assert!(is_literal(literal), "{literal}");
            assert_eq!(
                literal.parse::<Dtype>().is_ok(),
                Dtype::from_descr(literal).is_ok()
            );
        }
        for typestr in ["<f4", "f", "|S3", "<M8[ns]", "=U2", "V8"] {
            assert!(!is_literal(typestr), "{typestr}");
            assert!(Dtype::from_descr(typestr).is_ok(), "{typestr}");
        }
        // Neither form: each is refused by the parser the rule picks.
        for bad in ["<f4'", "('<f8', (2,))", "[<f4]", "f4 ", "'<f3'", "3", "''"] {
            assert!(bad.parse::<Dtype>().is_err(), "{bad}");
            assert!(Dtype::from_descr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn record_descr() {
        let d = Dtype::from_descr("[('x', '<f4'), ('y', '<u2', (2,))]").unwrap();
        assert_eq!(d.itemsize(), 8);
        assert_eq!(d.descr(), "[('x', '<f4'), ('y', '<u2', (2,))]");
        let d = Dtype::from_descr(
            "[('', '|V1'), (('aa', 'a'), '<i4'), ('', '|V1'), ('b', '<i4'), ('', '|V6')]",
        )
        .unwrap();
        assert_eq!(d.itemsize(), 16);
        assert_eq!(
            d.descr(),
            "[('', '|V1'), (('aa', 'a'), '<i4'), ('', '|V1'), ('b', '<i4'), ('', '|V6')]"
        );
        let d = Dtype::from_descr("[('c', ('<f8', (5,)), (2,))]").unwrap();
        let Dtype::Record(r) = &d else { panic!() };
        assert_eq!(r.fields()[0].shape, vec![2, 5]);
        // NumPy keeps the nesting in descr; it is not the same dtype as (2, 5).
        assert_eq!(d.descr(), "[('c', ('<f8', (5,)), (2,))]");
        assert_ne!(d, Dtype::from_descr("[('c', '<f8', (2, 5))]").unwrap());
        for text in [
            "[('x', ([('a', '|i1'), ('', '|V3'), ('b', '|i1'), ('', '|V3')], (3,)), (4,))]",
            "[('c', (('<f8', (5,)), (3, 4)), (2,)), ('d', '<i2', (2, 2))]",
        ] {
            assert_eq!(Dtype::from_descr(text).unwrap().descr(), text);
        }
        // Empty levels are dropped, as NumPy drops them.
        let d = Dtype::from_descr("[('c', ('<f8', (5,)), ()), ('z', '<i2', ())]").unwrap();
        assert_eq!(d.descr(), "[('c', '<f8', (5,)), ('z', '<i2')]");
        assert!(Dtype::from_descr("[('a', '<i4'), ('a', '<i4')]").is_err());
        assert!(Dtype::from_descr("[('a',)]").is_err());
        let deep = format!("{}('a', '<i4'){}", "[('a', ".repeat(40), ")]".repeat(40));
        assert!(Dtype::from_descr(&format!("[{deep}]")).is_err());
    }
}
