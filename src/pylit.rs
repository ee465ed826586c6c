//! A bounded parser for the Python literal subset found in `.npy` headers.
//!
//! NumPy parses headers with `ast.literal_eval`, so any literal expression is
//! accepted: either quote style, `u''` prefixes, implicit string concatenation,
//! `0x`/`0o`/`0b` integers with underscores, comments, arbitrary whitespace and
//! Python 2 `L` suffixes. This parser accepts the same subset of literals that can
//! appear in a valid header and rejects everything else with a byte offset.
//! Recursion depth is bounded so hostile headers cannot overflow the stack.

use crate::error::{Error, ErrorKind, Result};

/// A parsed Python literal.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum PyValue {
    Str(String),
    /// Integers beyond `i128` are rejected while parsing: no valid header needs them.
    Int(i128),
    Bool(bool),
    None,
    Tuple(Vec<PyValue>),
    List(Vec<PyValue>),
    Dict(Vec<(PyValue, PyValue)>),
}

/// Python `repr` of the value, so that error messages quote header text the
/// way the header (and Python) writes it: `'extrakey'`, `0`, `(3,)`.
impl std::fmt::Display for PyValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn items(f: &mut std::fmt::Formatter<'_>, v: &[PyValue]) -> std::fmt::Result {
            for (i, x) in v.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{x}")?;
            }
            Ok(())
        }
        match self {
            PyValue::Str(s) => {
                let mut out = String::new();
                crate::pyrepr::write_str_repr(&mut out, s);
                f.write_str(&out)
            }
            PyValue::Int(i) => write!(f, "{i}"),
            PyValue::Bool(b) => f.write_str(if *b { "True" } else { "False" }),
            PyValue::None => f.write_str("None"),
            PyValue::Tuple(v) => {
                f.write_str("(")?;
                items(f, v)?;
                f.write_str(if v.len() == 1 { ",)" } else { ")" })
            }
            PyValue::List(v) => {
                f.write_str("[")?;
                items(f, v)?;
                f.write_str("]")
            }
            PyValue::Dict(v) => {
                f.write_str("{")?;
                for (i, (k, x)) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {x}")?;
                }
                f.write_str("}")
            }
        }
    }
}

impl PyValue {
    /// A short description for error messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            PyValue::Str(_) => "a string",
            PyValue::Int(_) => "an integer",
            PyValue::Bool(_) => "a bool",
            PyValue::None => "None",
            PyValue::Tuple(_) => "a tuple",
            PyValue::List(_) => "a list",
            PyValue::Dict(_) => "a dict",
        }
    }
}

/// Parses one literal that must make up the whole of `text` (surrounding
/// whitespace and comments allowed). `allow_long` enables Python 2 `3L` integers,
/// which NumPy accepts in format 1.0 and 2.0 headers only.
pub(crate) fn parse(text: &str, allow_long: bool, max_depth: usize) -> Result<PyValue> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
        allow_long,
        depth: 0,
        max_depth,
    };
    p.skip_ws();
    let v = p.value()?;
    p.skip_ws();
    if p.pos != p.s.len() {
        return Err(p.err("unexpected text after the header dictionary"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    allow_long: bool,
    depth: usize,
    max_depth: usize,
}

impl Parser<'_> {
    fn err(&self, message: impl Into<String>) -> Error {
        ErrorKind::Header {
            message: message.into(),
            offset: Some(self.pos),
        }
        .into()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    /// Skips whitespace, comments and backslash line continuations.
    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => self.pos += 1,
                b'#' => {
                    while let Some(c) = self.peek() {
                        if c == b'\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                b'\\' if self.s.get(self.pos + 1) == Some(&b'\n') => self.pos += 2,
                _ => break,
            }
        }
    }

    fn expect(&mut self, c: u8) -> Result<()> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(format!("expected `{}`, found {}", c as char, self.found())))
        }
    }

    fn found(&self) -> String {
        match self.text.get(self.pos..).and_then(|t| t.chars().next()) {
            Some(c) => format!("`{}`", c.escape_debug()),
            None => "the end of the header".to_string(),
        }
    }

    fn value(&mut self) -> Result<PyValue> {
        self.skip_ws();
        match self.peek() {
            Some(b'{') => self.nested(|p| p.dict()),
            Some(b'[') => self.nested(|p| p.list()),
            Some(b'(') => self.nested(|p| p.paren()),
            Some(b'\'' | b'"') => self.strings(),
            Some(b'u' | b'U' | b'r' | b'R')
                if matches!(self.s.get(self.pos + 1), Some(b'\'' | b'"'))
                    || (matches!(self.s.get(self.pos + 1), Some(b'r' | b'R' | b'u' | b'U'))
                        && matches!(self.s.get(self.pos + 2), Some(b'\'' | b'"'))) =>
            {
                self.strings()
            }
            Some(b'-' | b'+') => {
                let neg = self.peek() == Some(b'-');
                self.pos += 1;
                self.skip_ws();
                match self.value()? {
                    PyValue::Int(i) => Ok(PyValue::Int(if neg { -i } else { i })),
                    _ => Err(self.err("a sign must be followed by an integer")),
                }
            }
            Some(b'0'..=b'9') => self.int(),
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => self.name(),
            _ => Err(self.err(format!("expected a Python literal, found {}", self.found()))),
        }
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self) -> Result<PyValue>) -> Result<PyValue> {
        if self.depth >= self.max_depth {
            return Err(self.err(format!(
                "literal nesting deeper than the limit of {}",
                self.max_depth
            )));
        }
        self.depth += 1;
        let v = f(self);
        self.depth -= 1;
        v
    }

    /// Items separated by commas up to `close`, with an optional trailing comma.
    /// Returns the items and whether any comma was seen.
    fn items(&mut self, close: u8) -> Result<(Vec<PyValue>, bool)> {
        let mut items = Vec::new();
        let mut comma = false;
        loop {
            self.skip_ws();
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok((items, comma));
            }
            items.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    comma = true;
                    self.pos += 1;
                }
                Some(c) if c == close => {
                    self.pos += 1;
                    return Ok((items, comma));
                }
                _ => {
                    return Err(self.err(format!(
                        "expected `,` or `{}`, found {}",
                        close as char,
                        self.found()
                    )))
                }
            }
        }
    }

    fn list(&mut self) -> Result<PyValue> {
        self.pos += 1;
        Ok(PyValue::List(self.items(b']')?.0))
    }

    /// `(x)` is `x`; `(x,)`, `()` and `(x, y)` are tuples.
    fn paren(&mut self) -> Result<PyValue> {
        self.pos += 1;
        let (mut items, comma) = self.items(b')')?;
        if items.len() == 1 && !comma {
            // Invariant: the length was just checked to be 1.
            Ok(items.pop().expect("one item"))
        } else {
            Ok(PyValue::Tuple(items))
        }
    }

    fn dict(&mut self) -> Result<PyValue> {
        self.pos += 1;
        let mut entries = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some(b'}') {
                self.pos += 1;
                return Ok(PyValue::Dict(entries));
            }
            let key = self.value()?;
            self.expect(b':')?;
            let value = self.value()?;
            entries.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(PyValue::Dict(entries));
                }
                _ => return Err(self.err(format!("expected `,` or `}}`, found {}", self.found()))),
            }
        }
    }

    fn name(&mut self) -> Result<PyValue> {
        let start = self.pos;
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_') {
            self.pos += 1;
        }
        match &self.s[start..self.pos] {
            b"True" => Ok(PyValue::Bool(true)),
            b"False" => Ok(PyValue::Bool(false)),
            b"None" => Ok(PyValue::None),
            other => {
                self.pos = start;
                Err(self.err(format!(
                    "`{}` is not a literal (NumPy headers hold only literals)",
                    String::from_utf8_lossy(other)
                )))
            }
        }
    }

    fn int(&mut self) -> Result<PyValue> {
        let start = self.pos;
        let (radix, digits_start) = match (self.peek(), self.s.get(self.pos + 1)) {
            (Some(b'0'), Some(b'x' | b'X')) => (16, self.pos + 2),
            (Some(b'0'), Some(b'o' | b'O')) => (8, self.pos + 2),
            (Some(b'0'), Some(b'b' | b'B')) => (2, self.pos + 2),
            _ => (10, self.pos),
        };
        self.pos = digits_start;
        let mut value: i128 = 0;
        let mut ndigits = 0usize;
        let mut last_underscore = false;
        while let Some(c) = self.peek() {
            if c == b'_' {
                if last_underscore || (ndigits == 0 && radix == 10) {
                    return Err(self.err("invalid integer literal"));
                }
                last_underscore = true;
                self.pos += 1;
                continue;
            }
            let Some(d) = (c as char).to_digit(radix) else {
                break;
            };
            value = value
                .checked_mul(i128::from(radix))
                .and_then(|v| v.checked_add(i128::from(d)))
                .ok_or_else(|| self.err("integer too large"))?;
            ndigits += 1;
            last_underscore = false;
            self.pos += 1;
        }
        if ndigits == 0 || last_underscore {
            return Err(self.err("invalid integer literal"));
        }
        // Python 3 rejects decimal literals with leading zeros, such as `03`.
        if radix == 10
            && self.s[start] == b'0'
            && self.s[start..self.pos]
                .iter()
                .any(|&c| c != b'0' && c != b'_')
        {
            self.pos = start;
            return Err(self.err("leading zeros in a decimal integer are not allowed"));
        }
        match self.peek() {
            Some(b'L' | b'l') if self.allow_long => self.pos += 1,
            Some(b'.' | b'e' | b'E' | b'j' | b'J') => {
                return Err(
                    self.err("only integers are allowed here, found a float or complex literal")
                )
            }
            Some(c) if c.is_ascii_alphanumeric() || c == b'_' => {
                return Err(self.err(format!("invalid character {} in an integer", self.found())))
            }
            _ => {}
        }
        Ok(PyValue::Int(value))
    }

    /// One or more adjacent string literals, concatenated as Python does.
    fn strings(&mut self) -> Result<PyValue> {
        let mut out = String::new();
        loop {
            self.string(&mut out)?;
            self.skip_ws();
            let at_string = match self.peek() {
                Some(b'\'' | b'"') => true,
                Some(b'u' | b'U' | b'r' | b'R') => {
                    matches!(self.s.get(self.pos + 1), Some(b'\'' | b'"'))
                }
                _ => false,
            };
            if !at_string {
                return Ok(PyValue::Str(out));
            }
        }
    }

    fn string(&mut self, out: &mut String) -> Result<()> {
        let mut raw = false;
        while let Some(c @ (b'u' | b'U' | b'r' | b'R')) = self.peek() {
            raw |= c == b'r' || c == b'R';
            self.pos += 1;
        }
        let Some(quote @ (b'\'' | b'"')) = self.peek() else {
            return Err(self.err("expected a string"));
        };
        let triple = self.s.get(self.pos..self.pos + 3) == Some(&[quote; 3][..]);
        self.pos += if triple { 3 } else { 1 };
        loop {
            let Some(c) = self.peek() else {
                return Err(self.err("unterminated string"));
            };
            if c == quote
                && (!triple || self.s.get(self.pos..self.pos + 3) == Some(&[quote; 3][..]))
            {
                self.pos += if triple { 3 } else { 1 };
                return Ok(());
            }
            if c == b'\n' && !triple {
                return Err(self.err("line break inside a string"));
            }
            if c == b'\\' {
                if raw {
                    out.push('\\');
                    self.pos += 1;
                    if let Some(n) = self.text.get(self.pos..).and_then(|t| t.chars().next()) {
                        out.push(n);
                        self.pos += n.len_utf8();
                    }
                    continue;
                }
                self.escape(out)?;
                continue;
            }
            // `pos` always sits on a char boundary: it only advances past ASCII
            // bytes or whole chars.
            let ch = self
                .text
                .get(self.pos..)
                .and_then(|t| t.chars().next())
                .ok_or_else(|| self.err("invalid text"))?;
            if ch == '\0' {
                return Err(self.err("NUL character in the header"));
            }
            out.push(ch);
            self.pos += ch.len_utf8();
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<()> {
        let esc_at = self.pos;
        self.pos += 1;
        let Some(c) = self.peek() else {
            return Err(self.err("unterminated escape"));
        };
        self.pos += 1;
        let simple = match c {
            b'\n' => Some(None),
            b'\\' => Some(Some('\\')),
            b'\'' => Some(Some('\'')),
            b'"' => Some(Some('"')),
            b'a' => Some(Some('\x07')),
            b'b' => Some(Some('\x08')),
            b'f' => Some(Some('\x0c')),
            b'n' => Some(Some('\n')),
            b'r' => Some(Some('\r')),
            b't' => Some(Some('\t')),
            b'v' => Some(Some('\x0b')),
            _ => None,
        };
        if let Some(ch) = simple {
            out.extend(ch);
            return Ok(());
        }
        let code = match c {
            b'x' => self.hex(2)?,
            b'u' => self.hex(4)?,
            b'U' => self.hex(8)?,
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                v
            }
            _ => {
                // Python keeps unknown escapes as they are, backslash included.
                self.pos = esc_at + 1;
                out.push('\\');
                return Ok(());
            }
        };
        let ch = char::from_u32(code).ok_or_else(|| ErrorKind::Header {
            message: format!("escape encodes an invalid character U+{code:X}"),
            offset: Some(esc_at),
        })?;
        out.push(ch);
        Ok(())
    }

    fn hex(&mut self, n: usize) -> Result<u32> {
        let digits = self
            .s
            .get(self.pos..self.pos + n)
            .filter(|d| d.iter().all(u8::is_ascii_hexdigit))
            .ok_or_else(|| self.err(format!("expected {n} hex digits in an escape")))?;
        let mut v = 0u32;
        for &d in digits {
            // Invariant: every digit was checked by is_ascii_hexdigit above.
            v = v * 16 + (d as char).to_digit(16).expect("hex digit");
        }
        self.pos += n;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<PyValue> {
        parse(s, false, 32)
    }

    #[test]
    fn header_forms() {
        let v = p("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }").unwrap();
        let PyValue::Dict(e) = v else { panic!() };
        assert_eq!(e[2].1, PyValue::Tuple(vec![PyValue::Int(3)]));
        assert_eq!(p("(3)").unwrap(), PyValue::Int(3));
        assert_eq!(p("()").unwrap(), PyValue::Tuple(vec![]));
        assert_eq!(p("u'<i' \"2\"").unwrap(), PyValue::Str("<i2".into()));
        assert_eq!(p("0x1_0").unwrap(), PyValue::Int(16));
        assert_eq!(p("-0").unwrap(), PyValue::Int(0));
        assert_eq!(p(" {} # comment\n").unwrap(), PyValue::Dict(vec![]));
        assert_eq!(
            p(r"'a\'b\x41\u00e9\n'").unwrap(),
            PyValue::Str("a'bAé\n".into())
        );
    }

    #[test]
    fn rejects() {
        for bad in [
            "dict()",
            "1+2",
            "{'a': 1} x",
            "",
            "(1,",
            "3L",
            "1.5",
            "03",
            "'abc",
            "{1 2}",
        ] {
            assert!(p(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse("(3L,)", true, 8).unwrap(),
            PyValue::Tuple(vec![PyValue::Int(3)])
        );
        assert!(p(&"[".repeat(100)).is_err());
    }
}
