//! Python `repr(str)` rendering, byte-identical to CPython 3.11.
//!
//! NumPy writes the `.npy` header as the Python `repr` of a dict, so field
//! names must be quoted and escaped exactly as CPython's `unicode_repr` does
//! for the output to match `np.save` byte for byte. Which characters are
//! escaped depends on `str.isprintable()`, i.e. on Unicode general categories
//! that Rust's std does not expose; `tools/gen_printable.py` snapshots them
//! from CPython 3.11 (Unicode 14.0.0) into `pyrepr_table.rs`.

// The table lives in its own generated file; `#[path]` keeps it next to this
// module so `lib.rs` only needs `mod pyrepr;`.
#[path = "pyrepr_table.rs"]
mod table;

#[cfg(test)]
#[path = "pyrepr_cases.rs"]
mod cases;

use table::NON_PRINTABLE;

/// Lowercase hex digits, matching CPython's `Py_hexdigits`.
const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Returns whether Python's `chr(c).isprintable()` is `True`.
///
/// Non-printable are the categories Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs, except
/// that ASCII space (U+0020) is printable.
pub(crate) fn is_printable(c: char) -> bool {
    // ASCII dominates real field names; skip the table search for it.
    if c.is_ascii() {
        return c == ' ' || c.is_ascii_graphic();
    }
    let cp = u32::from(c);
    // First range that ends at or after `cp`; `cp` is non-printable iff that
    // range also starts at or before it. Ranges are sorted and disjoint.
    let idx = NON_PRINTABLE.partition_point(|&(_, last)| last < cp);
    match NON_PRINTABLE.get(idx) {
        Some(&(first, _)) => cp < first,
        None => true,
    }
}

/// Appends the `digits` low nibbles of `value` as lowercase hex.
fn push_hex(out: &mut String, value: u32, digits: u32) {
    for i in (0..digits).rev() {
        // Masked to 0..=15, so the index is always in bounds.
        let nibble = (value >> (4 * i)) & 0xf;
        out.push(char::from(HEX_DIGITS[nibble as usize]));
    }
}

/// Appends Python's `repr(s)` (with its quotes) to `out`.
///
/// Follows CPython's `unicode_repr`: the quote is `'` unless `s` contains `'`
/// but no `"`, in which case it is `"`; when both occur, `'` is used and
/// escaped. Backslash, `\n`, `\r` and `\t` get short escapes; other
/// non-printable characters become `\xNN`, `\uNNNN` or `\UNNNNNNNN` depending
/// on magnitude, in lowercase hex. Everything else is copied verbatim.
pub(crate) fn write_str_repr(out: &mut String, s: &str) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    // Most names need no escaping, so this is usually the exact final size.
    out.reserve(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            // Only the chosen quote needs escaping: with `"` as the quote the
            // string has no `"` in it, and a `'` inside `"..."` is left alone.
            '\\' => out.push_str("\\\\"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_printable(c) => out.push(c),
            c => {
                let cp = u32::from(c);
                if cp < 0x100 {
                    out.push_str("\\x");
                    push_hex(out, cp, 2);
                } else if cp < 0x1_0000 {
                    out.push_str("\\u");
                    push_hex(out, cp, 4);
                } else {
                    out.push_str("\\U");
                    push_hex(out, cp, 8);
                }
            }
        }
    }
    out.push(quote);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Convenience wrapper returning the repr as a fresh `String`.
    fn repr(s: &str) -> String {
        let mut out = String::new();
        write_str_repr(&mut out, s);
        out
    }

    #[test]
    fn matches_python_repr_cases() {
        // Cases and expectations were produced by CPython 3.11's repr().
        for &(input, expected) in cases::CASES {
            assert_eq!(repr(input), expected, "repr of {input:?}");
        }
    }

    #[test]
    fn appends_without_clearing() {
        let mut out = String::from("{'descr': [(");
        write_str_repr(&mut out, "x");
        assert_eq!(out, "{'descr': [('x'");
    }

    #[test]
    fn table_is_sorted_disjoint_and_non_adjacent() {
        // Binary search relies on ordering; maximal ranges never touch.
        for &(first, last) in NON_PRINTABLE {
            assert!(first <= last, "empty range {first:#x}..={last:#x}");
        }
        for pair in NON_PRINTABLE.windows(2) {
            let (prev, next) = (pair[0], pair[1]);
            assert!(prev.1 + 1 < next.0, "{prev:x?} then {next:x?}");
        }
    }

    #[test]
    fn printable_boundaries() {
        // Spot checks at range edges, including the table's first and last.
        let checks = [
            ('\0', false),
            ('\u{1f}', false),
            (' ', true),
            ('~', true),
            ('\u{7f}', false),
            ('\u{a0}', false),
            ('\u{a1}', true),
            ('\u{ac}', true),
            ('\u{ad}', false),
            ('\u{ae}', true),
            ('\u{377}', true),
            ('\u{378}', false),
            ('\u{2028}', false),
            ('\u{3000}', false),
            ('\u{d7ff}', false),
            ('\u{e000}', false),
            ('\u{fffd}', true),
            ('\u{e0100}', true),
            ('\u{e01ef}', true),
            ('\u{e01f0}', false),
            ('\u{10ffff}', false),
        ];
        for (c, expected) in checks {
            assert_eq!(is_printable(c), expected, "is_printable({c:?})");
        }
    }

    #[test]
    fn ascii_fast_path_agrees_with_table() {
        // The ASCII shortcut must not diverge from the generated data.
        for b in 0u8..0x80 {
            let cp = u32::from(b);
            let in_table = NON_PRINTABLE
                .iter()
                .any(|&(first, last)| (first..=last).contains(&cp));
            assert_eq!(is_printable(char::from(b)), !in_table, "byte {b:#x}");
        }
    }
}
