//! Deterministic mutation testing over every NumPy fixture, on stable Rust.
//!
//! Each fixture in `tests/fixtures/npy/` is mutated in fixed, seeded ways:
//!
//! * single bit flips: every byte of the preamble and header (one bit each,
//!   all eight bits in the magic/version/length bytes) plus sampled data bytes;
//! * truncation at every header offset and at sampled data offsets;
//! * nasty tokens spliced into the header text, inserted (with the length
//!   field fixed up, so the parser sees them) or overwriting text in place;
//! * lying header lengths (too short, too long, 0, 0xFFFF, 0xFFFFFFFF);
//! * wrong versions (0.0, 1.1, 2.1, 3.0 with latin-1 text, 4.0, 255.255) and
//!   version bytes that disagree with the width of the length field.
//!
//! Every input goes through `from_slice::<serde_json::Value>`, `from_reader`
//! over a `Cursor`, `Header::from_slice` and `from_slice::<ArrayView<f64>>`.
//! Each must return (Ok or Err) without panicking, and whatever decodes must
//! be consistent with its header: the data length the header implies fits in
//! the input, and the slice and reader paths agree. Failures are collected
//! and reported with the fixture, the mutation and the input's bytes (also
//! written to `target/mutation-failures/`), so one run shows them all. An
//! abort that cannot be caught (out of memory, stack overflow) is located by
//! running with `MUTATION_TRACE=1`, which names each input before it runs.

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::Instant;

use serde_json::Value;
use serde_npy::{from_reader, from_slice, ArrayView, Header};

mod rng;
use rng::Rng;

// ---------------------------------------------------------------------------
// Inputs

struct Fixture {
    name: String,
    bytes: Vec<u8>,
}

fn fixtures() -> Vec<Fixture> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/npy");
    let mut out: Vec<Fixture> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "npy"))
        .map(|p| Fixture {
            name: p.file_stem().unwrap().to_string_lossy().into_owned(),
            bytes: std::fs::read(&p).unwrap(),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(out.len() > 200, "fixtures missing: {}", out.len());
    out
}

/// The preamble as the bytes say, without trusting them: (major, minor,
/// width of the length field, header start, header end clamped to the file).
struct Layout {
    major: u8,
    minor: u8,
    start: usize,
    end: usize,
}

fn layout(b: &[u8]) -> Layout {
    let major = b.get(6).copied().unwrap_or(1);
    let minor = b.get(7).copied().unwrap_or(0);
    let width = if major == 1 { 2 } else { 4 };
    let start = (8 + width).min(b.len());
    let len = match b.get(8..8 + width) {
        Some(&[x, y]) => usize::from(u16::from_le_bytes([x, y])),
        Some(&[x, y, z, w]) => u32::from_le_bytes([x, y, z, w]) as usize,
        _ => 0,
    };
    let end = start.saturating_add(len).min(b.len());
    Layout {
        major,
        minor,
        start,
        end,
    }
}

/// A file with the given version bytes, a length field of the width that
/// `major` implies holding `len` (truncated to the width), text and data.
fn build(major: u8, minor: u8, len: u64, text: &[u8], data: &[u8]) -> Vec<u8> {
    let mut out = b"\x93NUMPY".to_vec();
    out.extend([major, minor]);
    if major == 1 {
        out.extend((len as u16).to_le_bytes());
    } else {
        out.extend((len as u32).to_le_bytes());
    }
    out.extend_from_slice(text);
    out.extend_from_slice(data);
    out
}

/// A file whose length field tells the truth about `text`: format 1.0 when
/// it fits in 16 bits and `major` is 1, else format 2.0 (or 3.0 if asked).
fn honest(major: u8, text: &[u8], data: &[u8]) -> Vec<u8> {
    let major = if major == 1 && text.len() > usize::from(u16::MAX) {
        2
    } else {
        major
    };
    build(major, 0, text.len() as u64, text, data)
}

/// Offsets to mutate in `0..n`: all of them for normal headers; for huge ones
/// (a 10 KB padded header, the 70 KB one of 5000 fields) the first and last
/// bytes and a seeded sample, to keep the test fast in debug builds.
fn offsets(rng: &mut Rng, n: usize) -> Vec<usize> {
    const ALL_UP_TO: usize = 512;
    if n <= ALL_UP_TO {
        return (0..n).collect();
    }
    let mut v: Vec<usize> = (0..256).chain(n - 64..n).collect();
    v.extend((0..192).map(|_| 256 + rng.below(n - 320)));
    v
}

/// Sampled offsets in the data section `[start, end)`, always including its
/// first and last byte.
fn data_offsets(rng: &mut Rng, start: usize, end: usize, n: usize) -> Vec<usize> {
    if start >= end {
        return Vec::new();
    }
    let mut v = vec![start, end - 1];
    v.extend((0..n).map(|_| start + rng.below(end - start)));
    v
}

/// The nasty tokens spliced into header text.
fn tokens() -> Vec<(&'static str, Vec<u8>)> {
    let t = |s: &str| s.as_bytes().to_vec();
    vec![
        ("(", t("(")),
        (")", t(")")),
        ("[", t("[")),
        ("]", t("]")),
        ("{", t("{")),
        ("}", t("}")),
        ("'", t("'")),
        ("\"", t("\"")),
        ("\\", t("\\")),
        ("'''", t("'''")),
        ("#", t("#")),
        (":", t(":")),
        ("L", t("L")),
        ("0x", t("0x")),
        ("0b2", t("0b2")),
        ("-1", t("-1")),
        ("-", t("-")),
        ("1_", t("1_")),
        ("big int", t("99999999999999999999999")),
        ("2**62", t("4611686018427387904")),
        ("2**64 - 1", t("18446744073709551615")),
        ("2**64", t("18446744073709551616")),
        ("0 then 2**62 axes", t("0, 4611686018427387904, ")),
        ("2**62 then 0 axes", t("4611686018427387904, 0, ")),
        ("2**32 axis", t("4294967296, ")),
        ("i128 overflow", [&b"0x"[..], &b"f".repeat(33)].concat()),
        ("1e5", t("1e5")),
        ("1.5", t("1.5")),
        ("3j", t("3j")),
        ("True", t("True")),
        ("None", t("None")),
        ("u'", t("u'")),
        ("rb'", t("rb'")),
        (",,", t(",,")),
        (", ", t(", ")),
        ("NUL", vec![0]),
        ("newline", t("\n")),
        ("line continuation", t("\\\n")),
        ("CR", t("\r")),
        ("escape \\x", t("'\\x")),
        ("escape \\U", t("'\\U0011ffff'")),
        ("U+10FFFF", "\u{10FFFF}".as_bytes().to_vec()),
        ("U+00E9", "é".as_bytes().to_vec()),
        ("latin-1 é", vec![0xE9]),
        ("invalid UTF-8 ff fe", vec![0xFF, 0xFE]),
        ("lone lead byte", vec![0xC3]),
        ("surrogate", vec![0xED, 0xA0, 0x80]),
        ("overlong", vec![0xC0, 0xAF]),
        ("'descr': key", t("'descr': '<f8', ")),
        ("'shape': key", t("'shape': (), ")),
        ("'x': key", t("'x': 1, ")),
        ("field", t("('z', '<i8'), ")),
        ("subarray", t("('<f4', (2, 3))")),
    ]
}

/// Expensive tokens: spliced into a sample of fixtures only.
fn big_tokens() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("[ x 5000", b"[".repeat(5000)),
        ("( x 5000", b"(".repeat(5000)),
        ("{ x 5000", b"{".repeat(5000)),
        ("nested [('a', x 200", b"[('a', ".repeat(200)),
        (
            "70000-char string",
            [&b"'"[..], &b"a".repeat(70_000), b"'"].concat(),
        ),
        ("20000 commas", b"1,".repeat(20_000)),
        ("long int", b"1".repeat(5000)),
    ]
}

struct Input {
    fixture: usize,
    what: String,
    bytes: Vec<u8>,
}

/// The mutation kinds; each test function runs one (so they run in parallel).
#[derive(Clone, Copy)]
enum Kind {
    BitFlips,
    Truncations,
    Splices,
    Lengths,
    Versions,
}

fn mutations(fx: &[Fixture], kind: Kind) -> Vec<Input> {
    let mut rng = Rng(0x5EED_0000 + kind as u64);
    let mut out = Vec::new();
    for (i, f) in fx.iter().enumerate() {
        let b = &f.bytes;
        let l = layout(b);
        let push = |out: &mut Vec<Input>, what: String, bytes: Vec<u8>| {
            out.push(Input {
                fixture: i,
                what,
                bytes,
            })
        };
        match kind {
            Kind::BitFlips => {
                let hdr_end = l.end.max(l.start);
                for at in offsets(&mut rng, hdr_end) {
                    // The magic, version and length bytes: every bit.
                    let bits: Vec<u8> = if at < 12 {
                        (0..8).collect()
                    } else {
                        vec![rng.below(8) as u8]
                    };
                    for bit in bits {
                        let mut m = b.clone();
                        m[at] ^= 1 << bit;
                        push(&mut out, format!("flip bit {bit} of byte {at}"), m);
                    }
                }
                for at in data_offsets(&mut rng, hdr_end, b.len(), 12) {
                    let bit = rng.below(8);
                    let mut m = b.clone();
                    m[at] ^= 1 << bit;
                    push(&mut out, format!("flip bit {bit} of data byte {at}"), m);
                }
            }
            Kind::Truncations => {
                let hdr_end = l.end.max(l.start);
                for at in offsets(&mut rng, hdr_end + 1) {
                    push(&mut out, format!("truncate to {at}"), b[..at].to_vec());
                }
                for at in data_offsets(&mut rng, hdr_end, b.len(), 6) {
                    push(&mut out, format!("truncate to {at}"), b[..at].to_vec());
                }
            }
            Kind::Splices => {
                let (text, data) = (&b[l.start..l.end], &b[l.end..]);
                let mut toks = tokens();
                if i % 32 == 0 {
                    toks.extend(big_tokens());
                }
                // Where structure lives: after `{`, after each `:` and `(`,
                // before `}`, inside the first string; plus seeded positions.
                let mut marks: Vec<usize> = text
                    .iter()
                    .enumerate()
                    .filter(|(_, &c)| matches!(c, b'{' | b':' | b'(' | b'}' | b'\''))
                    .map(|(p, &c)| if c == b'}' { p } else { p + 1 })
                    .take(12)
                    .collect();
                marks.push(text.len());
                for (name, tok) in toks {
                    for _ in 0..2 {
                        let at = if rng.below(3) == 0 || marks.is_empty() {
                            rng.below(text.len() + 1)
                        } else {
                            marks[rng.below(marks.len())]
                        };
                        let major = if l.major == 1 { 1 } else { l.major };
                        let inserted = [&text[..at], &tok[..], &text[at..]].concat();
                        push(
                            &mut out,
                            format!("insert {name} at header byte {at}"),
                            honest(major, &inserted, data),
                        );
                        let mut over = b.clone();
                        let n = tok.len().min(l.end - l.start - at.min(l.end - l.start));
                        over[l.start + at..l.start + at + n].copy_from_slice(&tok[..n]);
                        push(
                            &mut out,
                            format!("overwrite header byte {at} with {name}"),
                            over,
                        );
                    }
                }
            }
            Kind::Lengths => {
                let (text, data) = (&b[l.start..l.end], &b[l.end..]);
                let true_len = text.len() as u64;
                let file = [text, data].concat();
                let lies = [
                    ("0", 0),
                    ("1", 1),
                    ("half", true_len / 2),
                    ("one short", true_len.saturating_sub(1)),
                    ("one long", true_len + 1),
                    ("64 long", true_len + 64),
                    ("whole file", file.len() as u64),
                    ("file + 1", file.len() as u64 + 1),
                    ("0xFFFF", 0xFFFF),
                    ("0x10000", 0x1_0000),
                    ("1 MiB + 1", (1 << 20) + 1),
                    ("0x7FFFFFFF", 0x7FFF_FFFF),
                    ("0xFFFFFFFF", 0xFFFF_FFFF),
                ];
                for (name, len) in lies {
                    for major in [1u8, 2, 3] {
                        if major == 1 && len > 0xFFFF {
                            continue;
                        }
                        push(
                            &mut out,
                            format!("format {major}.0 with header length {name} ({len})"),
                            build(major, 0, len, text, data),
                        );
                    }
                }
            }
            Kind::Versions => {
                for (major, minor) in [(0, 0), (1, 1), (2, 1), (3, 1), (4, 0), (0, 1), (255, 255)] {
                    let mut m = b.clone();
                    if m.len() >= 8 {
                        m[6] = major;
                        m[7] = minor;
                    }
                    push(&mut out, format!("version bytes {major}.{minor}"), m);
                }
                // The version changes but the length field keeps its width:
                // the length is read from the wrong bytes.
                if b.len() >= 8 {
                    for major in [1u8, 2, 3] {
                        if major != l.major {
                            let mut m = b.clone();
                            m[6] = major;
                            m[7] = 0;
                            push(
                                &mut out,
                                format!("relabelled {}.{} as {major}.0", l.major, l.minor),
                                m,
                            );
                        }
                    }
                }
                // Re-encoded with each version's length width, honestly.
                let (text, data) = (&b[l.start..l.end], &b[l.end..]);
                for major in [1u8, 2, 3] {
                    push(
                        &mut out,
                        format!("re-encoded as {major}.0"),
                        honest(major, text, data),
                    );
                }
                // Format 3.0 promises UTF-8: latin-1 text must be refused, not
                // misread. Put `é` as latin-1 inside the first string and at a
                // seeded position.
                let first_quote = text.iter().position(|&c| c == b'\'').map_or(0, |p| p + 1);
                for at in [first_quote, rng.below(text.len() + 1)] {
                    let latin1 = [&text[..at], &[0xE9][..], &text[at..]].concat();
                    push(
                        &mut out,
                        format!("3.0 with latin-1 0xE9 at {at}"),
                        honest(3, &latin1, data),
                    );
                    push(
                        &mut out,
                        format!("1.0 with latin-1 0xE9 at {at}"),
                        honest(1, &latin1, data),
                    );
                    let utf8 = [&text[..at], "é".as_bytes(), &text[at..]].concat();
                    push(
                        &mut out,
                        format!("1.0 with UTF-8 é at {at}"),
                        honest(1, &utf8, data),
                    );
                }
            }
        }
        // Big headers are slow to parse in a debug build (the 70 KB header of
        // 5000 fields costs ~25 ms per input, the 10 KB ones ~0.7 ms): keep a
        // seeded sample of their mutations.
        if b.len() > 4 * 1024 {
            let keep = if b.len() > 16 * 1024 { 8 } else { 96 };
            let mine = out
                .iter()
                .rposition(|x| x.fixture != i)
                .map_or(0, |p| p + 1);
            let mut all = out.split_off(mine);
            while all.len() > keep {
                all.swap_remove(rng.below(all.len()));
            }
            out.extend(all);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Checks

#[derive(Default)]
struct Tally {
    inputs: usize,
    value_ok: usize,
    value_err: usize,
    header_ok: usize,
    view_ok: usize,
}

/// Runs `f`, recording an `Err` or a panic as a problem.
fn guarded(problems: &mut Vec<String>, what: &str, f: &mut dyn FnMut() -> Result<(), String>) {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => problems.push(format!("{what}: {e}")),
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            problems.push(format!("{what} panicked: {msg}"));
        }
    }
}

/// Runs one input through every decoder. Returns the problems found.
fn check(input: &[u8], tally: &mut Tally) -> Vec<String> {
    let mut problems = Vec::new();
    let mut header = None;
    guarded(&mut problems, "Header::from_slice", &mut || {
        header = Header::from_slice(input).ok();
        Ok(())
    });
    tally.inputs += 1;
    // The header's claims must fit in the input whenever anything decodes.
    let fits = |what: &str| -> Result<(), String> {
        let h = header
            .as_ref()
            .ok_or_else(|| format!("{what} decoded, but Header::from_slice failed"))?;
        let len = h
            .data_len()
            .map_err(|e| format!("{what} decoded, but the data length overflows: {e}"))?;
        match h.data_offset.checked_add(len) {
            Some(end) if end <= input.len() => Ok(()),
            _ => Err(format!(
                "{what} decoded, but the header claims {len} data bytes at offset {} of a {}-byte input",
                h.data_offset,
                input.len()
            )),
        }
    };
    if header.is_some() {
        tally.header_ok += 1;
    }

    let mut sliced = None;
    guarded(&mut problems, "from_slice::<Value>", &mut || {
        let r = from_slice::<Value>(input);
        let ok = r.is_ok();
        sliced = Some(r.ok());
        if ok {
            fits("from_slice::<Value>")
        } else {
            Ok(())
        }
    });
    let mut streamed = None;
    guarded(&mut problems, "from_reader::<Value>", &mut || {
        let r = from_reader::<_, Value>(Cursor::new(input));
        let ok = r.is_ok();
        streamed = Some(r.ok());
        if ok {
            fits("from_reader::<Value>")
        } else {
            Ok(())
        }
    });
    if let (Some(a), Some(b)) = (&sliced, &streamed) {
        if a != b {
            problems.push(format!(
                "from_slice and from_reader disagree: {} vs {}",
                if a.is_some() { "Ok" } else { "Err" },
                if b.is_some() { "Ok" } else { "Err" },
            ));
        }
        if a.is_some() {
            tally.value_ok += 1;
        } else {
            tally.value_err += 1;
        }
    }
    guarded(&mut problems, "Deserializer::from_slice", &mut || {
        match serde_npy::Deserializer::from_slice(input) {
            Ok(de) => {
                fits("Deserializer::from_slice")?;
                let h = de.header();
                let want = h.data_len().map_err(|e| e.to_string())?;
                if de.data().len() != want || h.data_offset + want + de.rest().len() != input.len()
                {
                    return Err(format!(
                        "data slice of {} bytes, rest {}, for {want} claimed at {}",
                        de.data().len(),
                        de.rest().len(),
                        h.data_offset
                    ));
                }
                Ok(())
            }
            Err(_) => Ok(()),
        }
    });
    guarded(
        &mut problems,
        "ArrayView<f64>",
        &mut || match from_slice::<ArrayView<f64>>(input) {
            Ok(v) => {
                tally.view_ok += 1;
                fits("ArrayView<f64>")?;
                let h = header.as_ref().expect("checked by fits");
                if Ok(v.len()) != h.element_count().map_err(drop) || v.shape() != &h.shape[..] {
                    return Err(format!(
                        "view of {} elements, shape {:?}; header shape {:?}",
                        v.len(),
                        v.shape(),
                        h.shape
                    ));
                }
                Ok(())
            }
            Err(_) => Ok(()),
        },
    );
    problems
}

fn run(kind: Kind, label: &str) {
    let fx = fixtures();
    let started = Instant::now();
    let inputs = mutations(&fx, kind);
    let mut tally = Tally::default();
    let mut failures = Vec::new();
    // A process abort (out of memory, stack overflow) cannot be caught:
    // MUTATION_TRACE=1 names each input before it runs.
    let trace = std::env::var_os("MUTATION_TRACE").is_some();
    for input in &inputs {
        if trace {
            eprintln!("{label}: {} / {}", fx[input.fixture].name, input.what);
        }
        let problems = check(&input.bytes, &mut tally);
        if !problems.is_empty() {
            failures.push((input, problems));
        }
    }
    eprintln!(
        "{label}: {} inputs from {} fixtures in {:.2?}: header Ok {}, Value Ok {} / Err {}, \
         ArrayView<f64> Ok {}",
        tally.inputs,
        fx.len(),
        started.elapsed(),
        tally.header_ok,
        tally.value_ok,
        tally.value_err,
        tally.view_ok
    );
    assert!(tally.inputs > 1000, "{label}: only {} inputs", tally.inputs);
    // Not vacuous: some mutants still decode, most do not.
    assert!(
        tally.value_ok > 0 && tally.value_err > tally.value_ok,
        "{label}: Value Ok {} / Err {}",
        tally.value_ok,
        tally.value_err
    );
    report(label, "npy", &fx, inputs.len(), &failures);
}

/// Saves every failing input to `target/mutation-failures/<label>-<n>.<ext>`
/// and panics naming the first 20 (fixture, mutation, problems, start of the
/// input); returns when nothing failed.
fn report(
    label: &str,
    ext: &str,
    fx: &[Fixture],
    total: usize,
    failures: &[(&Input, Vec<String>)],
) {
    if failures.is_empty() {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/mutation-failures");
    let _ = std::fs::create_dir_all(&dir);
    let mut report = String::new();
    for (n, (input, problems)) in failures.iter().enumerate() {
        let file = dir.join(format!("{label}-{n}.{ext}"));
        let _ = std::fs::write(&file, &input.bytes);
        if n < 20 {
            let shown = &input.bytes[..input.bytes.len().min(160)];
            report.push_str(&format!(
                "\n{} / {} ({} bytes, saved as {}):\n  {}\n  input starts {:?}\n",
                fx[input.fixture].name,
                input.what,
                input.bytes.len(),
                file.display(),
                problems.join("\n  "),
                String::from_utf8_lossy(shown),
            ));
        }
    }
    panic!(
        "{label}: {} of {total} inputs failed:{report}",
        failures.len()
    );
}

#[test]
fn bit_flips() {
    run(Kind::BitFlips, "bit_flips");
}

#[test]
fn truncations() {
    run(Kind::Truncations, "truncations");
}

#[test]
fn token_splices() {
    run(Kind::Splices, "token_splices");
}

#[test]
fn lying_header_lengths() {
    run(Kind::Lengths, "lying_header_lengths");
}

#[test]
fn wrong_versions() {
    run(Kind::Versions, "wrong_versions");
}

/// The mutations are fixed: the same seed gives the same inputs.
#[test]
fn mutations_are_deterministic() {
    let fx = fixtures();
    let fx = &fx[..8];
    let a = mutations(fx, Kind::Splices);
    let b = mutations(fx, Kind::Splices);
    assert_eq!(a.len(), b.len());
    assert!(a
        .iter()
        .zip(&b)
        .all(|(x, y)| x.bytes == y.bytes && x.what == y.what));
}

// ---------------------------------------------------------------------------
// Archives (.npz)
//
// Every archive fixture in `tests/fixtures/npz/` (NumPy's stored and
// compressed archives, zipfile's non-seekable output, Info-ZIP's) is mutated
// where the zip container lives: one bit of every byte (a sample in large
// archives) of every local header, directory entry, end record, zip64 record
// and data descriptor, plus sampled data bytes; truncation at every record
// boundary and sampled offsets; and each size, offset, count and length field
// set to lying values (0, 1, the archive's length ± 1, 2^31 − 1, 2^32 − 1,
// u64::MAX in zip64 fields). Every input goes through `Archive` (member by
// member: bytes, `serde_json::Value`, `ArrayView<f64>`), `Reader` and the
// whole-archive `from_slice` / `from_reader` into a map: no panic, the two
// readers agree, borrowed bytes lie inside the input, and every error is
// one of the crate's own kinds with a bounded message.

#[cfg(feature = "npz")]
mod npz_mutation {
    use super::*;
    use serde_npy::npz::{self, Archive, Reader};
    use serde_npy::ErrorKind;
    use std::collections::BTreeMap;

    fn fixtures() -> Vec<Fixture> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/npz");
        let mut out: Vec<Fixture> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "npz"))
            .map(|p| Fixture {
                name: p.file_name().unwrap().to_string_lossy().into_owned(),
                bytes: std::fs::read(&p).unwrap(),
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        assert!(out.len() >= 15, "npz fixtures missing: {}", out.len());
        out
    }

    fn le16(b: &[u8], at: usize) -> usize {
        b.get(at..at + 2)
            .map_or(0, |s| usize::from(u16::from_le_bytes([s[0], s[1]])))
    }

    /// A field of a zip record: where it is and how wide (2, 4 or 8 bytes).
    struct Field {
        at: usize,
        width: usize,
        what: String,
    }

    /// The fields of each zip record worth lying about: (offset, width,
    /// what).
    const LOCAL_FIELDS: &[(usize, usize, &str)] = &[
        (14, 4, "local CRC"),
        (18, 4, "local csize"),
        (22, 4, "local usize"),
        (26, 2, "local name length"),
        (28, 2, "local extra length"),
    ];
    const CENTRAL_FIELDS: &[(usize, usize, &str)] = &[
        (8, 2, "flags"),
        (10, 2, "method"),
        (16, 4, "CRC"),
        (20, 4, "csize"),
        (24, 4, "usize"),
        (28, 2, "name length"),
        (30, 2, "extra length"),
        (32, 2, "comment length"),
        (42, 4, "local header offset"),
    ];
    const END_FIELDS: &[(usize, usize, &str)] = &[
        (8, 2, "entries on this disk"),
        (10, 2, "entries"),
        (12, 4, "directory size"),
        (16, 4, "directory offset"),
        (20, 2, "comment length"),
    ];
    const END64_FIELDS: &[(usize, usize, &str)] = &[
        (4, 8, "zip64 record size"),
        (24, 8, "zip64 entries on this disk"),
        (32, 8, "zip64 entries"),
        (40, 8, "zip64 directory size"),
        (48, 8, "zip64 directory offset"),
    ];
    const LOCATOR64_FIELDS: &[(usize, usize, &str)] = &[(8, 8, "zip64 record offset")];

    /// The zip records found by their signatures, without trusting them:
    /// (start, length clamped to the archive), and the size, offset, count
    /// and length fields in them.
    fn records(b: &[u8]) -> (Vec<(usize, usize)>, Vec<Field>) {
        let mut recs = Vec::new();
        let mut fields = Vec::new();
        let mut field = |at: usize, width: usize, what: &str, p: usize| {
            if at + width <= b.len() {
                fields.push(Field {
                    at,
                    width,
                    what: format!("{what} of the record at {p}"),
                });
            }
        };
        for p in 0..b.len().saturating_sub(3) {
            if b[p] != b'P' || b[p + 1] != b'K' {
                continue;
            }
            let (len, table) = match (b[p + 2], b[p + 3]) {
                (3, 4) => {
                    let (n, m) = (le16(b, p + 26), le16(b, p + 28));
                    // The zip64 extra NumPy puts first: usize, csize.
                    if le16(b, p + 30 + n) == 1 {
                        field(p + 30 + n + 4, 8, "local zip64 usize", p);
                        field(p + 30 + n + 12, 8, "local zip64 csize", p);
                    }
                    (30 + n + m, LOCAL_FIELDS)
                }
                (1, 2) => {
                    let (n, m, k) = (le16(b, p + 28), le16(b, p + 30), le16(b, p + 32));
                    if le16(b, p + 46 + n) == 1 {
                        let size = le16(b, p + 46 + n + 2);
                        for (i, at) in (p + 46 + n + 4..p + 46 + n + 4 + size)
                            .step_by(8)
                            .enumerate()
                        {
                            field(at, 8, &format!("zip64 extra value {i}"), p);
                        }
                    }
                    (46 + n + m + k, CENTRAL_FIELDS)
                }
                (5, 6) => (22, END_FIELDS),
                (6, 6) => (56, END64_FIELDS),
                (6, 7) => (20, LOCATOR64_FIELDS),
                (7, 8) => (24, &[][..]),
                _ => continue,
            };
            for &(off, w, what) in table {
                field(p + off, w, what, p);
            }
            recs.push((p, len.min(b.len() - p)));
        }
        (recs, fields)
    }

    #[derive(Clone, Copy, PartialEq)]
    enum NpzKind {
        BitFlips,
        Truncations,
        Fields,
    }

    fn mutations(fx: &[Fixture], kind: NpzKind) -> Vec<Input> {
        let mut rng = Rng(0x5EED_2000 + kind as u64);
        let mut out = Vec::new();
        for (i, f) in fx.iter().enumerate() {
            let b = &f.bytes;
            let (recs, fields) = records(b);
            let mut push = |what: String, bytes: Vec<u8>| {
                out.push(Input {
                    fixture: i,
                    what,
                    bytes,
                })
            };
            match kind {
                NpzKind::BitFlips => {
                    let mut at: Vec<usize> = recs.iter().flat_map(|&(p, n)| p..p + n).collect();
                    if at.len() > 600 {
                        // Large archives (70 members): a seeded sample.
                        at = (0..600).map(|_| at[rng.below(at.len())]).collect();
                    }
                    at.extend((0..24).map(|_| rng.below(b.len())));
                    for at in at {
                        let bit = rng.below(8);
                        let mut m = b.clone();
                        m[at] ^= 1 << bit;
                        push(format!("flip bit {bit} of byte {at}"), m);
                    }
                }
                NpzKind::Truncations => {
                    let mut at: Vec<usize> = recs.iter().flat_map(|&(p, n)| [p, p + n]).collect();
                    at.extend((0..24).map(|_| rng.below(b.len())));
                    at.extend([0, 1, 3, 4, 21, 22, b.len().saturating_sub(1)]);
                    at.sort_unstable();
                    at.dedup();
                    for at in at.into_iter().filter(|&a| a < b.len()) {
                        push(format!("cut at {at}"), b[..at].to_vec());
                    }
                }
                NpzKind::Fields => {
                    let len = b.len() as u64;
                    // Large archives (70 members): a seeded sample of fields,
                    // to keep the test fast in debug builds.
                    let fields: Vec<&Field> = if fields.len() > 80 {
                        (0..80).map(|_| &fields[rng.below(fields.len())]).collect()
                    } else {
                        fields.iter().collect()
                    };
                    for f in fields {
                        let values: Vec<u64> = match f.width {
                            2 => vec![0, 1, 0xFFFF],
                            4 => vec![
                                0,
                                1,
                                len - 1,
                                len,
                                len + 1,
                                0x7FFF_FFFF,
                                0xFFFF_FFFE,
                                0xFFFF_FFFF,
                            ],
                            _ => vec![0, len, len + 1, 1 << 40, u64::MAX],
                        };
                        for v in values {
                            let mut m = b.clone();
                            m[f.at..f.at + f.width].copy_from_slice(&v.to_le_bytes()[..f.width]);
                            push(format!("{} = {v:#x}", f.what), m);
                        }
                    }
                }
            }
        }
        out
    }

    #[derive(Default)]
    struct NpzTally {
        inputs: usize,
        opened: usize,
        refused: usize,
        members_ok: usize,
    }

    /// An error is sane when its message is bounded (no echo of a huge
    /// input) and it is not an I/O error: the archive is in memory, so every
    /// short read is the archive's fault and must be said as such.
    fn sane(e: &serde_npy::Error) -> Result<(), String> {
        let msg = e.to_string();
        if msg.is_empty() || msg.len() > 4096 {
            return Err(format!("error message of {} bytes: {msg:.200}", msg.len()));
        }
        match e.kind() {
            ErrorKind::Io(_) => Err(format!("an I/O error from an in-memory archive: {msg}")),
            _ => Ok(()),
        }
    }

    fn check(input: &[u8], tally: &mut NpzTally) -> Vec<String> {
        let mut problems = Vec::new();
        tally.inputs += 1;
        let opts = npz::ReadOptions::new().max_inflated(1 << 26);
        let mut opened = None;
        guarded(&mut problems, "Archive::new", &mut || {
            let a = Archive::with_options(input, &opts);
            let r = Reader::with_options(Cursor::new(input), &opts);
            if let Err(e) = &a {
                sane(e)?;
                if !matches!(e.kind(), ErrorKind::NotNpz { .. } | ErrorKind::Zip { .. }) {
                    return Err(format!("directory error of another kind: {e}"));
                }
            }
            if let Err(e) = &r {
                sane(e)?;
            }
            if a.is_ok() != r.is_ok() {
                return Err(format!(
                    "Archive and Reader disagree: {:?} vs {:?}",
                    a.as_ref().err().map(ToString::to_string),
                    r.as_ref().err().map(ToString::to_string)
                ));
            }
            opened = a
                .ok()
                .map(|a| a.names().map(String::from).collect::<Vec<_>>());
            Ok(())
        });
        match &opened {
            Some(_) => tally.opened += 1,
            None => tally.refused += 1,
        }
        let mut members_ok = 0;
        if let Some(names) = &opened {
            guarded(&mut problems, "members", &mut || {
                let a = Archive::with_options(input, &opts).map_err(|e| e.to_string())?;
                let mut r =
                    Reader::with_options(Cursor::new(input), &opts).map_err(|e| e.to_string())?;
                for name in names {
                    let sliced = a.bytes(name);
                    let streamed = r.bytes(name);
                    for e in [sliced.as_ref().err(), streamed.as_ref().err()]
                        .into_iter()
                        .flatten()
                    {
                        sane(e).map_err(|p| format!("member {name:?}: {p}"))?;
                    }
                    if sliced.as_deref().ok() != streamed.as_deref().ok() {
                        return Err(format!("member {name:?}: Archive and Reader bytes differ"));
                    }
                    if let Ok(std::borrow::Cow::Borrowed(s)) = &sliced {
                        let (p, q) = (s.as_ptr() as usize, input.as_ptr() as usize);
                        if !s.is_empty() && (p < q || p + s.len() > q + input.len()) {
                            return Err(format!("member {name:?} borrowed outside the input"));
                        }
                    }
                    match a.get::<Value>(name) {
                        Ok(_) => members_ok += 1,
                        Err(e) => sane(&e).map_err(|p| format!("member {name:?}: {p}"))?,
                    }
                    if let Err(e) = a.get::<ArrayView<f64>>(name) {
                        sane(&e).map_err(|p| format!("member {name:?} view: {p}"))?;
                    }
                }
                Ok(())
            });
        }
        tally.members_ok += members_ok;
        guarded(&mut problems, "whole archive", &mut || {
            type Map = BTreeMap<String, Value>;
            let s = npz::from_slice_with::<Map>(input, &opts);
            let r = npz::from_reader_with::<_, Map>(Cursor::new(input), &opts);
            for e in [s.as_ref().err(), r.as_ref().err()].into_iter().flatten() {
                sane(e)?;
            }
            if s.as_ref().ok() != r.as_ref().ok() {
                return Err("from_slice and from_reader disagree".into());
            }
            Ok(())
        });
        problems
    }

    fn run(kind: NpzKind, label: &str) {
        let fx = fixtures();
        let started = Instant::now();
        let inputs = mutations(&fx, kind);
        let mut tally = NpzTally::default();
        let trace = std::env::var_os("MUTATION_TRACE").is_some();
        let mut failures = Vec::new();
        for input in &inputs {
            if trace {
                eprintln!("{label}: {} / {}", fx[input.fixture].name, input.what);
            }
            let problems = check(&input.bytes, &mut tally);
            if !problems.is_empty() {
                failures.push((input, problems));
            }
        }
        eprintln!(
            "{label}: {} inputs from {} archives in {:.2?}: opened {}, refused {}, members decoded {}",
            tally.inputs,
            fx.len(),
            started.elapsed(),
            tally.opened,
            tally.refused,
            tally.members_ok
        );
        assert!(tally.inputs > 500, "{label}: only {} inputs", tally.inputs);
        // Not vacuous: some mutants still open and decode, others are
        // refused (a cut archive has lost its end record: none opens).
        let opens = kind == NpzKind::Truncations || (tally.opened > 0 && tally.members_ok > 0);
        assert!(
            opens && tally.refused > 0,
            "{label}: vacuous: opened {}, refused {}, members {}",
            tally.opened,
            tally.refused,
            tally.members_ok
        );
        report(label, "npz", &fx, inputs.len(), &failures);
    }

    #[test]
    fn npz_bit_flips() {
        run(NpzKind::BitFlips, "npz_bit_flips");
    }

    #[test]
    fn npz_truncations() {
        run(NpzKind::Truncations, "npz_truncations");
    }

    #[test]
    fn npz_lying_fields() {
        run(NpzKind::Fields, "npz_lying_fields");
    }
}
