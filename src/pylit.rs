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
    p.check_first_line()?;
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

    /// `ast.literal_eval` strips leading spaces and tabs only; a header whose
    /// first line with code follows a line break and is indented is an
    /// `IndentationError` to CPython (and so to NumPy), as in `"\n {}"`.
    fn check_first_line(&self) -> Result<()> {
        let mut i = self
            .s
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        let mut broke = false;
        loop {
            let line_start = i;
            while matches!(self.s.get(i), Some(b' ' | b'\t' | b'\x0c')) {
                i += 1;
            }
            if self.s.get(i) == Some(&b'#') {
                while !matches!(self.s.get(i), None | Some(b'\n' | b'\r')) {
                    i += 1;
                }
            }
            let end = match (self.s.get(i), self.s.get(i + 1)) {
                (Some(b'\r'), Some(b'\n')) => 2,
                (Some(b'\n' | b'\r'), _) => 1,
                (Some(b'\\'), Some(b'\n')) => 2,
                _ => {
                    if broke && matches!(self.s.get(line_start), Some(b' ' | b'\t')) {
                        return Err(ErrorKind::Header {
                            message: "the header's first line is indented after a line break, which Python refuses (IndentationError)".into(),
                            offset: Some(line_start),
                        }
                        .into());
                    }
                    return Ok(());
                }
            };
            i += end;
            broke = true;
        }
    }

    /// Whether the backslash at `pos` (followed by a line end) continues the
    /// text as far as Python is concerned; see `skip_ws`.
    fn continues(&self) -> bool {
        let mut after = self.pos + 2;
        if self.s.get(self.pos + 1..self.pos + 3) == Some(b"\r\n") {
            after += 1;
        }
        let rest = &self.s[after.min(self.s.len())..];
        if !rest
            .iter()
            .all(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c'))
        {
            return true;
        }
        !rest.is_empty()
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
                // A line continuation; CPython reads `\r\n` and `\r` as line
                // ends too (numpy's header filter turns a trailing `\\\r\n`
                // into one CPython takes).
                b'\\' => match (self.s.get(self.pos + 1), self.s.get(self.pos + 2)) {
                    // A continuation with only white space after it: CPython
                    // takes it when anything follows (NumPy's padding does),
                    // not at the very end of the text.
                    (Some(b'\n' | b'\r'), _) if !self.continues() => break,
                    (Some(b'\n'), _) => self.pos += 2,
                    (Some(b'\r'), Some(b'\n')) => self.pos += 3,
                    (Some(b'\r'), _) => self.pos += 2,
                    _ => break,
                },
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
            // Python 3 takes one of `u`, `r` (either case) before a string,
            // never two: `ur''`, `uu''` and `Ru''` are syntax errors.
            Some(b'u' | b'U' | b'r' | b'R')
                if matches!(self.s.get(self.pos + 1), Some(b'\'' | b'"')) =>
            {
                self.strings()
            }
            Some(b'-' | b'+') => {
                let neg = self.peek() == Some(b'-');
                self.pos += 1;
                self.skip_ws();
                // `ast.literal_eval` takes one sign on a number, parentheses
                // or not (`-(1)`), but not two (`--1`, `-(-1)`).
                let mut at = self.pos;
                while matches!(
                    self.s.get(at),
                    Some(b'(' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
                ) {
                    at += 1;
                }
                if matches!(self.s.get(at), Some(b'-' | b'+')) {
                    self.pos = at;
                    return Err(self.err("a number takes one sign; Python refuses a second"));
                }
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
        if self.allow_long {
            self.long_suffix();
        }
        match self.peek() {
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

    /// Skips a Python 2 `L` after an integer as NumPy's header filter does:
    /// it drops a name token `L` that follows a number token, so spaces (or
    /// a line continuation) may sit between them; lowercase `l` stays and is
    /// a syntax error.
    fn long_suffix(&mut self) {
        let mut at = self.pos;
        loop {
            match (self.s.get(at), self.s.get(at + 1)) {
                (Some(b' ' | b'\t' | b'\x0c'), _) => at += 1,
                (Some(b'\\'), Some(b'\n')) => at += 2,
                _ => break,
            }
        }
        let ident = |c: Option<&u8>| matches!(c, Some(c) if c.is_ascii_alphanumeric() || *c == b'_' || *c >= 0x80);
        if self.s.get(at) == Some(&b'L') && !ident(self.s.get(at + 1)) {
            self.pos = at + 1;
        }
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
        if let Some(c @ (b'u' | b'U' | b'r' | b'R')) = self.peek() {
            raw = c == b'r' || c == b'R';
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
            b'N' => self.named()?,
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

    /// `\N{NAME}`: the characters a descr needs (ASCII and Latin-1) by
    /// their Unicode names, matched without regard to case as Python does.
    /// Other names are refused: Rust's standard library has no name table.
    fn named(&mut self) -> Result<u32> {
        let start = self.pos;
        let body = self.s.get(self.pos..).filter(|r| r.first() == Some(&b'{'));
        let close = body.and_then(|r| r.iter().position(|&b| b == b'}'));
        let (Some(body), Some(close)) = (body, close) else {
            return Err(self.err("expected `{NAME}` after `\\N`"));
        };
        let name = &body[1..close];
        let found = UNICODE_NAMES
            .iter()
            .find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(name))
            .map(|&(_, c)| c);
        match found {
            Some(c) => {
                self.pos = start + close + 1;
                Ok(c)
            }
            None => Err(self.err(format!(
                "unknown or unsupported character name \\N{{{}}} (only ASCII and Latin-1 names are known here)",
                String::from_utf8_lossy(name)
            ))),
        }
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

/// Unicode names of the printable ASCII and Latin-1 characters, for `\N{…}`.
static UNICODE_NAMES: [(&str, u32); 191] = [
    ("SPACE", 0x20),
    ("EXCLAMATION MARK", 0x21),
    ("QUOTATION MARK", 0x22),
    ("NUMBER SIGN", 0x23),
    ("DOLLAR SIGN", 0x24),
    ("PERCENT SIGN", 0x25),
    ("AMPERSAND", 0x26),
    ("APOSTROPHE", 0x27),
    ("LEFT PARENTHESIS", 0x28),
    ("RIGHT PARENTHESIS", 0x29),
    ("ASTERISK", 0x2a),
    ("PLUS SIGN", 0x2b),
    ("COMMA", 0x2c),
    ("HYPHEN-MINUS", 0x2d),
    ("FULL STOP", 0x2e),
    ("SOLIDUS", 0x2f),
    ("DIGIT ZERO", 0x30),
    ("DIGIT ONE", 0x31),
    ("DIGIT TWO", 0x32),
    ("DIGIT THREE", 0x33),
    ("DIGIT FOUR", 0x34),
    ("DIGIT FIVE", 0x35),
    ("DIGIT SIX", 0x36),
    ("DIGIT SEVEN", 0x37),
    ("DIGIT EIGHT", 0x38),
    ("DIGIT NINE", 0x39),
    ("COLON", 0x3a),
    ("SEMICOLON", 0x3b),
    ("LESS-THAN SIGN", 0x3c),
    ("EQUALS SIGN", 0x3d),
    ("GREATER-THAN SIGN", 0x3e),
    ("QUESTION MARK", 0x3f),
    ("COMMERCIAL AT", 0x40),
    ("LATIN CAPITAL LETTER A", 0x41),
    ("LATIN CAPITAL LETTER B", 0x42),
    ("LATIN CAPITAL LETTER C", 0x43),
    ("LATIN CAPITAL LETTER D", 0x44),
    ("LATIN CAPITAL LETTER E", 0x45),
    ("LATIN CAPITAL LETTER F", 0x46),
    ("LATIN CAPITAL LETTER G", 0x47),
    ("LATIN CAPITAL LETTER H", 0x48),
    ("LATIN CAPITAL LETTER I", 0x49),
    ("LATIN CAPITAL LETTER J", 0x4a),
    ("LATIN CAPITAL LETTER K", 0x4b),
    ("LATIN CAPITAL LETTER L", 0x4c),
    ("LATIN CAPITAL LETTER M", 0x4d),
    ("LATIN CAPITAL LETTER N", 0x4e),
    ("LATIN CAPITAL LETTER O", 0x4f),
    ("LATIN CAPITAL LETTER P", 0x50),
    ("LATIN CAPITAL LETTER Q", 0x51),
    ("LATIN CAPITAL LETTER R", 0x52),
    ("LATIN CAPITAL LETTER S", 0x53),
    ("LATIN CAPITAL LETTER T", 0x54),
    ("LATIN CAPITAL LETTER U", 0x55),
    ("LATIN CAPITAL LETTER V", 0x56),
    ("LATIN CAPITAL LETTER W", 0x57),
    ("LATIN CAPITAL LETTER X", 0x58),
    ("LATIN CAPITAL LETTER Y", 0x59),
    ("LATIN CAPITAL LETTER Z", 0x5a),
    ("LEFT SQUARE BRACKET", 0x5b),
    ("REVERSE SOLIDUS", 0x5c),
    ("RIGHT SQUARE BRACKET", 0x5d),
    ("CIRCUMFLEX ACCENT", 0x5e),
    ("LOW LINE", 0x5f),
    ("GRAVE ACCENT", 0x60),
    ("LATIN SMALL LETTER A", 0x61),
    ("LATIN SMALL LETTER B", 0x62),
    ("LATIN SMALL LETTER C", 0x63),
    ("LATIN SMALL LETTER D", 0x64),
    ("LATIN SMALL LETTER E", 0x65),
    ("LATIN SMALL LETTER F", 0x66),
    ("LATIN SMALL LETTER G", 0x67),
    ("LATIN SMALL LETTER H", 0x68),
    ("LATIN SMALL LETTER I", 0x69),
    ("LATIN SMALL LETTER J", 0x6a),
    ("LATIN SMALL LETTER K", 0x6b),
    ("LATIN SMALL LETTER L", 0x6c),
    ("LATIN SMALL LETTER M", 0x6d),
    ("LATIN SMALL LETTER N", 0x6e),
    ("LATIN SMALL LETTER O", 0x6f),
    ("LATIN SMALL LETTER P", 0x70),
    ("LATIN SMALL LETTER Q", 0x71),
    ("LATIN SMALL LETTER R", 0x72),
    ("LATIN SMALL LETTER S", 0x73),
    ("LATIN SMALL LETTER T", 0x74),
    ("LATIN SMALL LETTER U", 0x75),
    ("LATIN SMALL LETTER V", 0x76),
    ("LATIN SMALL LETTER W", 0x77),
    ("LATIN SMALL LETTER X", 0x78),
    ("LATIN SMALL LETTER Y", 0x79),
    ("LATIN SMALL LETTER Z", 0x7a),
    ("LEFT CURLY BRACKET", 0x7b),
    ("VERTICAL LINE", 0x7c),
    ("RIGHT CURLY BRACKET", 0x7d),
    ("TILDE", 0x7e),
    ("NO-BREAK SPACE", 0xa0),
    ("INVERTED EXCLAMATION MARK", 0xa1),
    ("CENT SIGN", 0xa2),
    ("POUND SIGN", 0xa3),
    ("CURRENCY SIGN", 0xa4),
    ("YEN SIGN", 0xa5),
    ("BROKEN BAR", 0xa6),
    ("SECTION SIGN", 0xa7),
    ("DIAERESIS", 0xa8),
    ("COPYRIGHT SIGN", 0xa9),
    ("FEMININE ORDINAL INDICATOR", 0xaa),
    ("LEFT-POINTING DOUBLE ANGLE QUOTATION MARK", 0xab),
    ("NOT SIGN", 0xac),
    ("SOFT HYPHEN", 0xad),
    ("REGISTERED SIGN", 0xae),
    ("MACRON", 0xaf),
    ("DEGREE SIGN", 0xb0),
    ("PLUS-MINUS SIGN", 0xb1),
    ("SUPERSCRIPT TWO", 0xb2),
    ("SUPERSCRIPT THREE", 0xb3),
    ("ACUTE ACCENT", 0xb4),
    ("MICRO SIGN", 0xb5),
    ("PILCROW SIGN", 0xb6),
    ("MIDDLE DOT", 0xb7),
    ("CEDILLA", 0xb8),
    ("SUPERSCRIPT ONE", 0xb9),
    ("MASCULINE ORDINAL INDICATOR", 0xba),
    ("RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK", 0xbb),
    ("VULGAR FRACTION ONE QUARTER", 0xbc),
    ("VULGAR FRACTION ONE HALF", 0xbd),
    ("VULGAR FRACTION THREE QUARTERS", 0xbe),
    ("INVERTED QUESTION MARK", 0xbf),
    ("LATIN CAPITAL LETTER A WITH GRAVE", 0xc0),
    ("LATIN CAPITAL LETTER A WITH ACUTE", 0xc1),
    ("LATIN CAPITAL LETTER A WITH CIRCUMFLEX", 0xc2),
    ("LATIN CAPITAL LETTER A WITH TILDE", 0xc3),
    ("LATIN CAPITAL LETTER A WITH DIAERESIS", 0xc4),
    ("LATIN CAPITAL LETTER A WITH RING ABOVE", 0xc5),
    ("LATIN CAPITAL LETTER AE", 0xc6),
    ("LATIN CAPITAL LETTER C WITH CEDILLA", 0xc7),
    ("LATIN CAPITAL LETTER E WITH GRAVE", 0xc8),
    ("LATIN CAPITAL LETTER E WITH ACUTE", 0xc9),
    ("LATIN CAPITAL LETTER E WITH CIRCUMFLEX", 0xca),
    ("LATIN CAPITAL LETTER E WITH DIAERESIS", 0xcb),
    ("LATIN CAPITAL LETTER I WITH GRAVE", 0xcc),
    ("LATIN CAPITAL LETTER I WITH ACUTE", 0xcd),
    ("LATIN CAPITAL LETTER I WITH CIRCUMFLEX", 0xce),
    ("LATIN CAPITAL LETTER I WITH DIAERESIS", 0xcf),
    ("LATIN CAPITAL LETTER ETH", 0xd0),
    ("LATIN CAPITAL LETTER N WITH TILDE", 0xd1),
    ("LATIN CAPITAL LETTER O WITH GRAVE", 0xd2),
    ("LATIN CAPITAL LETTER O WITH ACUTE", 0xd3),
    ("LATIN CAPITAL LETTER O WITH CIRCUMFLEX", 0xd4),
    ("LATIN CAPITAL LETTER O WITH TILDE", 0xd5),
    ("LATIN CAPITAL LETTER O WITH DIAERESIS", 0xd6),
    ("MULTIPLICATION SIGN", 0xd7),
    ("LATIN CAPITAL LETTER O WITH STROKE", 0xd8),
    ("LATIN CAPITAL LETTER U WITH GRAVE", 0xd9),
    ("LATIN CAPITAL LETTER U WITH ACUTE", 0xda),
    ("LATIN CAPITAL LETTER U WITH CIRCUMFLEX", 0xdb),
    ("LATIN CAPITAL LETTER U WITH DIAERESIS", 0xdc),
    ("LATIN CAPITAL LETTER Y WITH ACUTE", 0xdd),
    ("LATIN CAPITAL LETTER THORN", 0xde),
    ("LATIN SMALL LETTER SHARP S", 0xdf),
    ("LATIN SMALL LETTER A WITH GRAVE", 0xe0),
    ("LATIN SMALL LETTER A WITH ACUTE", 0xe1),
    ("LATIN SMALL LETTER A WITH CIRCUMFLEX", 0xe2),
    ("LATIN SMALL LETTER A WITH TILDE", 0xe3),
    ("LATIN SMALL LETTER A WITH DIAERESIS", 0xe4),
    ("LATIN SMALL LETTER A WITH RING ABOVE", 0xe5),
    ("LATIN SMALL LETTER AE", 0xe6),
    ("LATIN SMALL LETTER C WITH CEDILLA", 0xe7),
    ("LATIN SMALL LETTER E WITH GRAVE", 0xe8),
    ("LATIN SMALL LETTER E WITH ACUTE", 0xe9),
    ("LATIN SMALL LETTER E WITH CIRCUMFLEX", 0xea),
    ("LATIN SMALL LETTER E WITH DIAERESIS", 0xeb),
    ("LATIN SMALL LETTER I WITH GRAVE", 0xec),
    ("LATIN SMALL LETTER I WITH ACUTE", 0xed),
    ("LATIN SMALL LETTER I WITH CIRCUMFLEX", 0xee),
    ("LATIN SMALL LETTER I WITH DIAERESIS", 0xef),
    ("LATIN SMALL LETTER ETH", 0xf0),
    ("LATIN SMALL LETTER N WITH TILDE", 0xf1),
    ("LATIN SMALL LETTER O WITH GRAVE", 0xf2),
    ("LATIN SMALL LETTER O WITH ACUTE", 0xf3),
    ("LATIN SMALL LETTER O WITH CIRCUMFLEX", 0xf4),
    ("LATIN SMALL LETTER O WITH TILDE", 0xf5),
    ("LATIN SMALL LETTER O WITH DIAERESIS", 0xf6),
    ("DIVISION SIGN", 0xf7),
    ("LATIN SMALL LETTER O WITH STROKE", 0xf8),
    ("LATIN SMALL LETTER U WITH GRAVE", 0xf9),
    ("LATIN SMALL LETTER U WITH ACUTE", 0xfa),
    ("LATIN SMALL LETTER U WITH CIRCUMFLEX", 0xfb),
    ("LATIN SMALL LETTER U WITH DIAERESIS", 0xfc),
    ("LATIN SMALL LETTER Y WITH ACUTE", 0xfd),
    ("LATIN SMALL LETTER THORN", 0xfe),
    ("LATIN SMALL LETTER Y WITH DIAERESIS", 0xff),
];

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

    /// Issue #16: what CPython (and so NumPy) takes and refuses.
    #[test]
    fn cpython_edges() {
        for bad in [
            "ur'a'",
            "uu'a'",
            "rr'a'",
            "Ru'a'",
            "--1",
            "-(-1)",
            "- -1",
            "\n {}",
            " \n {}",
            "#c\n {}",
            "{}\\\n",
            "{}\\",
            "'\\N{NO SUCH NAME}'",
            "'\\N'",
        ] {
            assert!(p(bad).is_err(), "{bad:?}");
        }
        assert!(parse("(1l,)", true, 8).is_err());
        for (good, want) in [
            ("-(1)", PyValue::Int(-1)),
            ("+ 1", PyValue::Int(1)),
            ("\n{}", PyValue::Dict(vec![])),
            ("\x0c{}", PyValue::Dict(vec![])),
            ("{}\\\r\n ", PyValue::Dict(vec![])),
            ("{}\\\n\n", PyValue::Dict(vec![])),
            ("'<f\\N{DIGIT EIGHT}'", PyValue::Str("<f8".into())),
            (
                "'\\N{latin small letter e with acute}'",
                PyValue::Str("\u{e9}".into()),
            ),
            ("R'\\N'", PyValue::Str("\\N".into())),
        ] {
            assert_eq!(p(good).unwrap(), want, "{good:?}");
        }
        for long in ["(1 L,)", "(1\tL,)", "(1L, 2 L)"] {
            assert!(parse(long, true, 8).is_ok(), "{long:?}");
            assert!(parse(long, false, 8).is_err(), "{long:?}");
        }
    }
}
