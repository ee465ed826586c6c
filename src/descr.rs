//! NumPy's rules for turning a header's `descr` into a dtype: `np.dtype(str)`
//! (`_convert_from_str` in `numpy/_core/src/multiarray/descriptor.c`, with
//! `_commastring` from `numpy/_core/_internal.py`) and `np.dtype((type,
//! shape))`, as `numpy.lib.format.descr_to_dtype` applies them.
//!
//! This is the one general descr parser; [`crate::dtype`] keeps the
//! canonical fast path for what `np.save` writes in front of it, and builds
//! records. Everything here is checked against NumPy by `tests/descr.rs`
//! (fixtures NumPy made) and by the differential step in `.ci/run`.

use crate::dtype::{ByteOrder, Dtype, MAX_DIMS};
use crate::error::{ErrorKind, Result};
use crate::pylit::PyValue;

/// NumPy's `NPY_MAX_INT`: item sizes, subarray element counts and datetime
/// multipliers are C `int`s, and NumPy refuses anything larger.
pub(crate) const MAX_INT: usize = i32::MAX as usize;

/// A dtype with the subarray levels NumPy keeps around it, outermost first
/// (`(('<f8', (5,)), (2,))` is `<f8` with levels `[[2], [5]]`). Empty levels
/// are dropped, as NumPy drops them.
#[derive(Debug)]
pub(crate) struct Sub {
    pub(crate) dtype: Dtype,
    pub(crate) levels: Vec<Vec<usize>>,
}

impl Sub {
    pub(crate) fn plain(dtype: Dtype) -> Sub {
        Sub {
            dtype,
            levels: Vec::new(),
        }
    }

    /// Elements of the base dtype in one item (saturating).
    pub(crate) fn elements(&self) -> usize {
        self.levels
            .iter()
            .flatten()
            .fold(1usize, |a, &d| a.saturating_mul(d))
    }
}

pub(crate) fn unsupported(s: &str, reason: impl Into<String>) -> crate::Error {
    unsupported_value(&PyValue::Str(s.to_string()), reason)
}

pub(crate) fn unsupported_value(
    v: &dyn std::fmt::Display,
    reason: impl Into<String>,
) -> crate::Error {
    ErrorKind::UnsupportedDtype {
        descr: v.to_string(),
        reason: reason.into(),
    }
    .into()
}

fn too_deep() -> crate::Error {
    ErrorKind::TooDeep {
        limit: crate::dtype::DEFAULT_MAX_DEPTH,
    }
    .into()
}

const LONG_DOUBLE: &str =
    "long double is platform-specific (80-bit x87 on x86-64); convert to f8 before saving";
const COMPLEX_LONG_DOUBLE: &str =
    "complex long double is platform-specific; convert to c16 before saving";

/// `np.dtype(s)` for a string.
/// `depth` bounds the recursion of comma-separated strings only.
pub(crate) fn from_str(s: &str, depth: usize) -> Result<Sub> {
    let b = s.as_bytes();
    if b.is_empty() {
        return Err(unsupported(s, "empty type string"));
    }
    if is_commastring(b) {
        if depth == 0 {
            return Err(too_deep());
        }
        return commastring(s, depth - 1);
    }
    // `|` means "no order" and `=` native; both are native here. The order
    // character is only taken off when something follows it.
    let (order, rest) = match b[0] {
        b'<' if b.len() > 1 => (ByteOrder::Little, &s[1..]),
        b'>' if b.len() > 1 => (ByteOrder::Big, &s[1..]),
        b'=' | b'|' if b.len() > 1 => (ByteOrder::NATIVE, &s[1..]),
        _ => (ByteOrder::NATIVE, s),
    };
    let r = rest.as_bytes();
    if let Some(d) = datetime(s, rest, order)? {
        return Ok(Sub::plain(d));
    }
    if r.len() == 1 {
        return match one_letter(r[0], order, s)? {
            Some(d) => Ok(Sub::plain(d)),
            // `np.dtype` then looks the whole text up among its type names,
            // order character included: `'a'` is a name, `'<a'` is not.
            None => by_name(s),
        };
    }
    let kind = r[0];
    let Some(size) = strtol(&r[1..]).filter(|&(_, used)| used == r.len() - 1) else {
        return by_name(s);
    };
    // The size is a C `int` in NumPy, which refuses anything larger.
    let Some(n) = usize::try_from(size.0).ok().filter(|&n| n <= MAX_INT) else {
        return Err(unsupported(
            s,
            format!("the size is negative or more than NumPy's largest item ({MAX_INT} bytes)"),
        ));
    };
    let d = match kind {
        b'S' | b'a' => Dtype::Bytes(n),
        b'U' => {
            if n > MAX_INT / 4 {
                return Err(unsupported(
                    s,
                    format!("U{n} is more than NumPy's largest item ({MAX_INT} bytes)"),
                ));
            }
            Dtype::Str(n, order)
        }
        b'V' => Dtype::Void(n),
        _ if n == 0 => return by_name(s),
        _ => match (kind, n) {
            (b'b', 1) => Dtype::Bool,
            (b'i', 1) => Dtype::I8,
            (b'i', 2) => Dtype::I16(order),
            (b'i', 4) => Dtype::I32(order),
            (b'i', 8) => Dtype::I64(order),
            (b'u', 1) => Dtype::U8,
            (b'u', 2) => Dtype::U16(order),
            (b'u', 4) => Dtype::U32(order),
            (b'u', 8) => Dtype::U64(order),
            (b'f', 2) => Dtype::F16(order),
            (b'f', 4) => Dtype::F32(order),
            (b'f', 8) => Dtype::F64(order),
            (b'f', 12 | 16) => return Err(unsupported(s, LONG_DOUBLE)),
            (b'c', 8) => Dtype::C64(order),
            (b'c', 16) => Dtype::C128(order),
            (b'c', 24 | 32) => return Err(unsupported(s, COMPLEX_LONG_DOUBLE)),
            (b'M', 8) => Dtype::DateTime(String::new(), order),
            (b'm', 8) => Dtype::TimeDelta(String::new(), order),
            (b'O', 4 | 8) => return Err(object(s)),
            (b'b' | b'i' | b'u' | b'f' | b'c' | b'M' | b'm', _) => {
                return Err(unsupported(
                    s,
                    format!(
                        "no {:?} type of {}",
                        char::from(kind),
                        crate::error::count(n as u64, "byte")
                    ),
                ))
            }
            _ => return by_name(s),
        },
    };
    Ok(Sub::plain(d))
}

fn object(s: &str) -> crate::Error {
    ErrorKind::ObjectDtype {
        descr: PyValue::Str(s.to_string()).to_string(),
    }
    .into()
}

/// C's `strtol` in base 10: leading white space, a sign, digits. Returns
/// the value (saturated as a C `long` is) and the bytes used; `None` when no
/// digit was found (C then reports nothing used).
fn strtol(b: &[u8]) -> Option<(i64, usize)> {
    let mut i = b
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'))
        .count();
    let neg = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits = b[i.min(b.len())..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits == 0 {
        return None;
    }
    let mut v: i64 = 0;
    for &c in &b[i..i + digits] {
        let d = i64::from(c - b'0');
        v = if neg {
            v.saturating_mul(10).saturating_sub(d)
        } else {
            v.saturating_mul(10).saturating_add(d)
        };
    }
    Some((v, i + digits))
}

/// One-letter type codes (`np.dtype('f')`); `None` when NumPy has no code
/// of that letter.
fn one_letter(c: u8, order: ByteOrder, s: &str) -> Result<Option<Dtype>> {
    Ok(Some(match c {
        b'?' => Dtype::Bool,
        b'b' => Dtype::I8,
        b'B' => Dtype::U8,
        b'h' => Dtype::I16(order),
        b'H' => Dtype::U16(order),
        b'i' => Dtype::I32(order),
        b'I' => Dtype::U32(order),
        // `n`/`N` are NumPy 2's codes for intp/uintp; 64-bit on the
        // platforms that write `.npy` files this crate reads.
        b'l' | b'q' | b'p' | b'n' => Dtype::I64(order),
        b'L' | b'Q' | b'P' | b'N' => Dtype::U64(order),
        b'e' => Dtype::F16(order),
        b'f' => Dtype::F32(order),
        b'd' => Dtype::F64(order),
        b'F' => Dtype::C64(order),
        b'D' => Dtype::C128(order),
        b'S' => Dtype::Bytes(0),
        // `c` is NumPy's one-character string code.
        b'c' => Dtype::Bytes(1),
        b'U' => Dtype::Str(0, order),
        b'V' => Dtype::Void(0),
        b'M' => Dtype::DateTime(String::new(), order),
        b'm' => Dtype::TimeDelta(String::new(), order),
        b'g' => return Err(unsupported(s, LONG_DOUBLE)),
        b'G' => return Err(unsupported(s, COMPLEX_LONG_DOUBLE)),
        // `T` is NumPy 2's variable-width string, stored as pointers.
        b'O' | b'T' => return Err(object(s)),
        _ => return Ok(None),
    }))
}

/// The type names `np.dtype` looks a whole string up by (`sctypeDict`).
fn by_name(s: &str) -> Result<Sub> {
    use ByteOrder::Little as L;
    let d = match s {
        "bool" | "bool_" => Dtype::Bool,
        "int8" | "byte" => Dtype::I8,
        "uint8" | "ubyte" => Dtype::U8,
        "int16" | "short" => Dtype::I16(L),
        "uint16" | "ushort" => Dtype::U16(L),
        "int32" | "intc" => Dtype::I32(L),
        "uint32" | "uintc" => Dtype::U32(L),
        "int64" | "int" | "int_" | "intp" | "long" | "longlong" => Dtype::I64(L),
        "uint64" | "uint" | "uintp" | "ulong" | "ulonglong" => Dtype::U64(L),
        "float16" | "half" => Dtype::F16(L),
        "float32" | "single" => Dtype::F32(L),
        "float64" | "float" | "double" => Dtype::F64(L),
        "complex64" | "csingle" => Dtype::C64(L),
        "complex128" | "complex" | "cdouble" => Dtype::C128(L),
        "bytes" | "bytes_" | "a" => Dtype::Bytes(0),
        "str" | "str_" | "unicode" => Dtype::Str(0, L),
        "void" => Dtype::Void(0),
        // Only with ml_dtypes imported does NumPy know this name; files
        // written that way (ml_dtypes#41) are read as bfloat16 here.
        "bfloat16" => return Ok(Sub::plain(Dtype::BFloat16)),
        "float128" | "longdouble" => return Err(unsupported(s, LONG_DOUBLE)),
        "complex256" | "clongdouble" => return Err(unsupported(s, COMPLEX_LONG_DOUBLE)),
        "object" | "object_" => return Err(object(s)),
        _ => {
            return Err(unsupported(
                s,
                "not a type NumPy knows: expected an order character, a kind letter and a size such as '<f4', a one-letter code or a type name such as 'float64'",
            ))
        }
    };
    // The names are native order; this crate reads little-endian as the
    // native order of every platform NumPy writes files on in practice.
    Ok(Sub::plain(d.with_byte_order(ByteOrder::NATIVE)))
}

/// Whether `np.dtype` reads the string as a comma-separated list: it starts
/// with a number or `()` (after an order character), or has a comma outside
/// square brackets.
fn is_commastring(b: &[u8]) -> bool {
    let order = |c: u8| matches!(c, b'<' | b'>' | b'=' | b'|');
    if b[0].is_ascii_digit() || (b.len() > 1 && order(b[0]) && b[1].is_ascii_digit()) {
        return true;
    }
    if b.starts_with(b"()") || (b.len() > 3 && order(b[0]) && b[1..].starts_with(b"()")) {
        return true;
    }
    let mut brackets = 0i64;
    for &c in b {
        match c {
            b',' if brackets == 0 => return true,
            b'[' => brackets += 1,
            b']' => brackets -= 1,
            _ => {}
        }
    }
    false
}

/// NumPy's `_commastring`: items `[order][repeats][order]type`, separated
/// by commas; one item without a comma is that item, otherwise a record of
/// fields `f0`, `f1`, ….
fn commastring(s: &str, depth: usize) -> Result<Sub> {
    let b = s.as_bytes();
    let mut at = 0;
    let mut items: Vec<Sub> = Vec::new();
    let mut is_list = false;
    while at < b.len() {
        let take = |at: &mut usize, f: &dyn Fn(u8) -> bool| {
            let start = *at;
            while *at < b.len() && f(b[*at]) {
                *at += 1;
            }
            &s[start..*at]
        };
        let order_char = |at: &mut usize| {
            if *at < b.len() && matches!(b[*at], b'<' | b'>' | b'|' | b'=') {
                *at += 1;
                &s[*at - 1..*at]
            } else {
                ""
            }
        };
        let order1 = order_char(&mut at);
        let rep_start = at;
        take(&mut at, &|c| c == b' ');
        if at < b.len() && b[at] == b'(' {
            at += 1;
        }
        take(&mut at, &|c| c == b' ' || c == b',' || c.is_ascii_digit());
        if at < b.len() && b[at] == b')' {
            at += 1;
        }
        take(&mut at, &|c| c == b' ');
        let repeats = &s[rep_start..at];
        let order2 = order_char(&mut at);
        let ty_start = at;
        take(&mut at, &|c| {
            c.is_ascii_alphanumeric() || c == b'.' || c == b'?'
        });
        if at < b.len() && b[at] == b'[' {
            let inner = b[at + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b',' | b'.'))
                .count();
            if inner > 0 && b.get(at + 1 + inner) == Some(&b']') {
                at += inner + 2;
            }
        }
        let ty = &s[ty_start..at];
        if at < b.len() {
            let tail_space = b[at..]
                .iter()
                .all(|c| c.is_ascii_whitespace() || *c == b'\x0b');
            if tail_space && at < b.len() {
                at = b.len();
            } else {
                let ws = |c: &u8| c.is_ascii_whitespace() || *c == b'\x0b';
                let mut j = at + b[at..].iter().take_while(|c| ws(c)).count();
                if b.get(j) != Some(&b',') {
                    return Err(unsupported(
                        s,
                        format!("format number {} is not recognized", items.len() + 1),
                    ));
                }
                j += 1;
                j += b[j..].iter().take_while(|c| ws(c)).count();
                at = j;
                is_list = true;
            }
        }
        let order = match (order1, order2) {
            (o, "") | ("", o) => o,
            (a, b) => {
                fn native(o: &str) -> &str {
                    if o == "=" {
                        "<"
                    } else {
                        o
                    }
                }
                if native(a) != native(b) {
                    return Err(unsupported(
                        s,
                        format!("inconsistent byte-order specification {a} and {b}"),
                    ));
                }
                native(a)
            }
        };
        // `|`, `=` and the native order are dropped; `>` stays.
        let order = if matches!(order, "|" | "=" | "<") {
            ""
        } else {
            order
        };
        let text = format!("{order}{ty}");
        let item = if repeats.is_empty() {
            from_str(&text, depth)?
        } else if repeats.trim().is_empty() {
            // Python has nothing to evaluate in white space alone.
            return Err(unsupported(
                s,
                format!(
                    "format number {} has an empty repeat count",
                    items.len() + 1
                ),
            ));
        } else {
            // NumPy evaluates the repeat text as Python, where `5,2` is a
            // tuple; the parentheses make that so here.
            let shape = crate::pylit::parse(&format!("({repeats})"), false, 4).map_err(|_| {
                unsupported(
                    s,
                    format!("{repeats:?} is not a Python literal repeat count"),
                )
            })?;
            with_shape(from_str(&text, depth)?, &shape, &text)?
        };
        items.push(item);
    }
    if !is_list {
        // At least one item: `s` is not empty, and each turn takes one.
        return items
            .pop()
            .ok_or_else(|| unsupported(s, "empty type string"));
    }
    let fields = items
        .into_iter()
        .enumerate()
        .map(|(i, sub)| (format!("f{i}"), None, sub))
        .collect();
    crate::dtype::packed_fields(fields, s).map(Sub::plain)
}

/// Why `((type, (0,)), n)` is refused; `tests/descr.rs` lists it by design.
pub(crate) const EMPTY_SUBARRAY_SIZED: &str =
    "NumPy sizes an empty subarray at a byte count its shape does not have, which no descr can express; not supported";

/// `np.dtype((dtype, val))`: for a type without a size (`'S'`, `'U'`,
/// `'V'`) `val` is its size, otherwise a subarray shape.
pub(crate) fn with_shape(base: Sub, val: &PyValue, context: &str) -> Result<Sub> {
    // NumPy's "unsized" types: no bytes and no fields. A subarray of no
    // bytes counts too; a record, even an empty one, does not.
    let record = base.levels.is_empty() && matches!(base.dtype, Dtype::Record(_));
    let unsized_ = !record && base.dtype.itemsize().saturating_mul(base.elements()) == 0;
    if unsized_ {
        let invalid = || unsupported_value(val, format!("invalid item size for {context}"));
        let PyValue::Int(n) = val else {
            return Err(invalid());
        };
        let n = usize::try_from(*n)
            .ok()
            .filter(|&n| n <= MAX_INT)
            .ok_or_else(invalid)?;
        if !base.levels.is_empty() {
            // NumPy keeps the empty subarray and sets its item size to `n`
            // bytes, a dtype no descr can write back: refused unless `n` is 0.
            if n == 0 {
                return Ok(base);
            }
            return Err(unsupported_value(
                val,
                format!("{EMPTY_SUBARRAY_SIZED} ({context} given {n} bytes)"),
            ));
        }
        return Ok(Sub::plain(match base.dtype {
            Dtype::Bytes(_) => Dtype::Bytes(n),
            Dtype::Str(_, o) if n <= MAX_INT / 4 => Dtype::Str(n, o),
            Dtype::Void(_) => Dtype::Void(n),
            _ => return Err(invalid()),
        }));
    }
    if let PyValue::Str(view) = val {
        // `(base, 'type')` views `base` as `type`'s bytes and keeps `base`
        // (NumPy's "inherit" tuple): the sizes must match. A view with
        // fields, a union, is not supported.
        let other = from_str(view, MAX_DIMS)?;
        if !other.levels.is_empty() || matches!(other.dtype, Dtype::Record(_)) {
            return Err(unsupported_value(
                val,
                "a (type, type) view with fields or a subarray is not supported",
            ));
        }
        let size = base.dtype.itemsize().saturating_mul(base.elements());
        if other.dtype.itemsize() != size {
            return Err(unsupported_value(
                val,
                format!(
                    "mismatch in size of old ({size} bytes) and new data-descriptor ({} bytes)",
                    other.dtype.itemsize()
                ),
            ));
        }
        return Ok(base);
    }
    let dims: Vec<&PyValue> = match val {
        PyValue::Int(_) => vec![val],
        // `(type, ())` and `(type, None)` are the type itself.
        PyValue::Tuple(items) if items.is_empty() => return Ok(base),
        PyValue::None => return Ok(base),
        // A list works as a shape too, except an empty one.
        PyValue::Tuple(items) | PyValue::List(items) if !items.is_empty() => items.iter().collect(),
        other => {
            return Err(unsupported_value(
                other,
                "a subarray shape must be an integer or a tuple of integers",
            ))
        }
    };
    if dims.len() > MAX_DIMS {
        return Err(unsupported_value(
            val,
            format!(
                "a subarray of {} dimensions; NumPy allows at most {MAX_DIMS}",
                dims.len()
            ),
        ));
    }
    let mut shape = Vec::with_capacity(dims.len());
    for d in dims {
        let PyValue::Int(i) = d else {
            return Err(unsupported_value(d, "subarray dimensions must be integers"));
        };
        let n = usize::try_from(*i)
            .ok()
            .filter(|&n| n <= MAX_INT)
            .ok_or_else(|| {
                unsupported_value(
                    d,
                    "a subarray dimension must be between 0 and 2147483647 (a C int)",
                )
            })?;
        shape.push(n);
    }
    let items = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d).filter(|&v| v <= MAX_INT));
    let bytes = items.and_then(|n| {
        n.checked_mul(base.dtype.itemsize())
            .filter(|&v| v <= MAX_INT)
    });
    if bytes.is_none() {
        return Err(unsupported_value(
            val,
            "the subarray's size in bytes must fit NumPy's C int (2147483647)",
        ));
    }
    let mut levels = vec![shape];
    levels.extend(base.levels);
    Ok(Sub {
        dtype: base.dtype,
        levels,
    })
}

/// `datetime64`/`timedelta64` typestrs: `M8`, `M8[unit]`, `datetime64[…]`.
/// `Ok(None)` when `rest` is not one.
fn datetime(s: &str, rest: &str, order: ByteOrder) -> Result<Option<Dtype>> {
    let (is_delta, meta) = if let Some(m) = rest.strip_prefix("M8") {
        (false, m)
    } else if let Some(m) = rest.strip_prefix("m8") {
        (true, m)
    } else if let Some(m) = rest.strip_prefix("datetime64") {
        (false, m)
    } else if let Some(m) = rest.strip_prefix("timedelta64") {
        (true, m)
    } else {
        return Ok(None);
    };
    let unit = if meta.is_empty() {
        String::new()
    } else {
        let inner = meta
            .strip_prefix('[')
            .and_then(|m| m.strip_suffix(']'))
            .ok_or_else(|| {
                unsupported(
                    s,
                    format!("invalid datetime metadata {meta:?}: expected [unit]"),
                )
            })?;
        datetime_unit(inner).map_err(|why| unsupported(s, why))?
    };
    Ok(Some(if is_delta {
        Dtype::TimeDelta(unit, order)
    } else {
        Dtype::DateTime(unit, order)
    }))
}

/// NumPy's datetime units, in the order of its `NPY_DATETIMEUNIT` (with the
/// removed business day `B` between `W` and `D`).
const UNITS: [&str; 15] = [
    "Y", "M", "W", "", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as", "generic",
];
const GENERIC: usize = 14;

/// Parses `[num]unit[/den]` (the text between the brackets) as NumPy does
/// and returns the unit as NumPy writes it: `"84h"` for `7D/2`, `""` for
/// generic.
fn datetime_unit(inner: &str) -> std::result::Result<String, String> {
    let b = inner.as_bytes();
    let bad = || format!("invalid datetime metadata [{inner}]");
    let (mut num, at) = match strtol(b) {
        Some((n, used)) => {
            let n = i32::try_from(n).ok().filter(|&n| n >= 0).ok_or_else(bad)?;
            (n, used)
        }
        None => (1, 0),
    };
    let rest = &inner[at..];
    let (unit_text, den) = match rest.split_once('/') {
        Some((u, d)) => {
            let (den, used) = strtol(d.as_bytes()).ok_or_else(bad)?;
            if used != d.len() {
                return Err(bad());
            }
            let den = i32::try_from(den).map_err(|_| bad())?;
            (u, den)
        }
        None => (rest, 1),
    };
    let unit_text = if unit_text == "μs" { "us" } else { unit_text };
    let mut base = UNITS
        .iter()
        .position(|&u| !u.is_empty() && u == unit_text)
        .ok_or_else(|| format!("invalid datetime unit {unit_text:?} in [{inner}]"))?;
    if den != 1 {
        if base == GENERIC {
            return Err("a divisor cannot apply to generic units".into());
        }
        if den == 0 {
            // NumPy divides by zero here and crashes; refuse instead.
            return Err(format!("a zero divisor in [{inner}]"));
        }
        let (tries, units): (&[i32], [usize; 4]) = match base {
            0 => (&[12, 52, 365], [1, 2, 4, 0]),
            1 => (&[4, 30, 720], [2, 4, 5, 0]),
            // NumPy reads a fourth, zero, entry for weeks: years, times 0.
            2 => (&[7, 168, 10080, 0], [4, 5, 6, 0]),
            4 => (&[24, 1440, 86400], [5, 6, 7, 0]),
            5 => (&[60, 3600], [6, 7, 0, 0]),
            6 => (&[60, 60000], [7, 8, 0, 0]),
            12 => (&[1000], [13, 0, 0, 0]),
            13 => (&[], [0; 4]),
            b => (&[1000, 1_000_000], [b + 1, b + 2, 0, 0]),
        };
        let Some(i) = tries.iter().position(|t| t % den == 0) else {
            return Err(format!(
                "divisor ({den}) is not a multiple of a lower unit in [{inner}]"
            ));
        };
        base = units[i];
        // C `int` arithmetic, which wraps on the platforms NumPy runs on.
        num = num.wrapping_mul(tries[i] / den);
    }
    Ok(if base == GENERIC {
        String::new()
    } else if num == 1 {
        UNITS[base].to_string()
    } else {
        format!("{num}{}", UNITS[base])
    })
}

/// `descr_to_dtype`: a string through `np.dtype`, a `(type, shape)` tuple,
/// or a list of fields.
pub(crate) fn descr_to_dtype(v: &PyValue, depth: usize) -> Result<Sub> {
    if depth == 0 && !matches!(v, PyValue::Str(_)) {
        return Err(too_deep());
    }
    match v {
        // A string is a level of its own only when it holds fields.
        PyValue::Str(s) => from_str(s, depth.max(1)),
        // NumPy reads items 0 and 1 and ignores any more.
        PyValue::Tuple(items) if items.len() >= 2 => {
            let base = descr_to_dtype(&items[0], depth - 1)?;
            with_shape(base, &items[1], &items[0].to_string())
        }
        PyValue::List(entries) => crate::dtype::parse_record(entries, depth).map(Sub::plain),
        other => Err(unsupported_value(
            other,
            format!(
                "descr must be a type string, a list of fields or a (type, shape) tuple, found {}",
                other.kind()
            ),
        )),
    }
}
