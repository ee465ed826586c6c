//! Writers and readers that misbehave the ways real I/O does.
//!
//! * `to_writer` into a writer that fails at every possible byte offset
//!   returns an error each time (never a panic, never success); a writer that
//!   returns `Ok(0)` or fails on flush is an error too; one that returns
//!   `Interrupted` now and then and accepts short writes still gets exactly
//!   the bytes of `to_vec`.
//! * `from_reader` over readers that hand out one byte at a time, random
//!   short reads and `Interrupted` gets the same value as `from_slice`; a
//!   stream that ends early is `ErrorKind::UnexpectedEof` saying how many bytes
//!   were missing; arrays written back to back are read in turn.

use serde_npy::ErrorKind;
use std::fmt;
use std::io::{self, Read, Write};
use std::path::PathBuf;

use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_bytes::ByteBuf;
use serde_npy::half::f16;
use serde_npy::Header;

mod rng;
use rng::Rng;

// ---------------------------------------------------------------------------
// Exact values (floats as bits) from `deserialize_any`.

#[derive(Clone, Debug, PartialEq)]
enum X {
    Bool(bool),
    I(i64),
    U(u64),
    F32(u32),
    F64(u64),
    Str(String),
    Bytes(Vec<u8>),
    Seq(Vec<X>),
    Map(Vec<(String, X)>),
}

struct XVisitor;

impl<'de> Visitor<'de> for XVisitor {
    type Value = X;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<X, E> {
        Ok(X::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<X, E> {
        Ok(X::I(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<X, E> {
        Ok(X::U(v))
    }
    fn visit_f32<E>(self, v: f32) -> Result<X, E> {
        Ok(X::F32(v.to_bits()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<X, E> {
        Ok(X::F64(v.to_bits()))
    }
    fn visit_str<E>(self, v: &str) -> Result<X, E> {
        Ok(X::Str(v.to_string()))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<X, E> {
        Ok(X::Bytes(v.to_vec()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<X, A::Error> {
        let mut out = Vec::new();
        while let Some(x) = seq.next_element()? {
            out.push(x);
        }
        Ok(X::Seq(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<X, A::Error> {
        let mut out = Vec::new();
        while let Some(e) = map.next_entry::<String, X>()? {
            out.push(e);
        }
        Ok(X::Map(out))
    }
}

impl<'de> Deserialize<'de> for X {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<X, D::Error> {
        d.deserialize_any(XVisitor)
    }
}

// ---------------------------------------------------------------------------
// Values to write.

#[derive(Serialize)]
struct Inner {
    a: i16,
    b: [f32; 2],
}

#[derive(Serialize)]
struct Rec {
    x: f64,
    name: String,
    raw: ByteBuf,
    inner: Inner,
    h: f16,
}

#[derive(Serialize)]
struct ShapedF {
    shape: Vec<usize>,
    fortran_order: bool,
    data: Vec<i32>,
}

fn records() -> Vec<Rec> {
    (0..5)
        .map(|i| Rec {
            x: if i == 2 { f64::NAN } else { -0.0 - i as f64 },
            name: "é😀整".chars().cycle().take(i).collect(),
            raw: ByteBuf::from(vec![i as u8 + 1; i]),
            inner: Inner {
                a: -(i as i16),
                b: [f32::MIN_POSITIVE / 2.0, f32::INFINITY],
            },
            h: f16::from_bits(0x7c01 + i as u16),
        })
        .collect()
}

fn strings() -> Vec<String> {
    vec![
        "".into(),
        "a\0b".into(),
        "😀\u{10ffff}".into(),
        "整数".into(),
    ]
}

/// Names and bytes of the values written in these tests.
fn samples() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "small f64",
            serde_npy::to_vec(&[1.5f64, -0.0, f64::NAN]).unwrap(),
        ),
        ("0-d u8", serde_npy::to_vec(&7u8).unwrap()),
        ("records", serde_npy::to_vec(&records()).unwrap()),
        ("strings", serde_npy::to_vec(&strings()).unwrap()),
        (
            "fortran i32",
            serde_npy::to_vec(&ShapedF {
                shape: vec![2, 3],
                fortran_order: true,
                data: (0..6).collect(),
            })
            .unwrap(),
        ),
    ]
}

// ---------------------------------------------------------------------------
// Faulty writers.

/// Accepts `limit` bytes in total (in pieces of at most `piece`), then fails
/// every write with `kind`, or returns `Ok(0)` when `zero` is set.
struct FailAt {
    out: Vec<u8>,
    limit: usize,
    piece: usize,
    zero: bool,
}

impl Write for FailAt {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = self.limit - self.out.len();
        if room == 0 && !buf.is_empty() {
            if self.zero {
                return Ok(0);
            }
            return Err(io::Error::new(io::ErrorKind::Other, "injected failure"));
        }
        let n = buf.len().min(room).min(self.piece);
        self.out.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes `value` into writers that fail after each given number of bytes.
fn fail_at_offsets<T: Serialize + ?Sized>(
    name: &str,
    value: &T,
    offsets: impl Iterator<Item = usize>,
) -> usize {
    let full = serde_npy::to_vec(value).unwrap();
    let mut checked = 0;
    // Short pieces exercise write_all's loop; for big values keep them large
    // enough that the sweep stays fast.
    let short = if full.len() > 10_000 { 4099 } else { 7 };
    for limit in offsets {
        for (zero, piece) in [(false, usize::MAX), (true, short)] {
            let mut w = FailAt {
                out: Vec::new(),
                limit,
                piece,
                zero,
            };
            let r = serde_npy::to_writer(&mut w, value);
            if limit >= full.len() {
                r.unwrap_or_else(|e| panic!("{name}: limit {limit}: {e}"));
                assert_eq!(w.out, full, "{name}: limit {limit}");
                continue;
            }
            let want = if zero {
                io::ErrorKind::WriteZero
            } else {
                io::ErrorKind::Other
            };
            match r.as_ref().map_err(serde_npy::Error::kind) {
                Err(ErrorKind::Io(e)) if e.kind() == want => {}
                other => panic!("{name}: failure at byte {limit} (zero={zero}): got {other:?}"),
            }
            // What did reach the writer is a prefix of the right bytes.
            assert_eq!(w.out, full[..w.out.len()], "{name}: limit {limit}");
            checked += 1;
        }
    }
    checked
}

#[test]
fn writer_failing_at_every_offset() {
    for (name, full) in samples() {
        // Rebuild each value's writer test from its bytes' length.
        let n = full.len();
        let count = match name {
            "small f64" => fail_at_offsets(name, &[1.5f64, -0.0, f64::NAN], 0..=n),
            "0-d u8" => fail_at_offsets(name, &7u8, 0..=n),
            "records" => fail_at_offsets(name, &records(), 0..=n),
            "strings" => fail_at_offsets(name, &strings(), 0..=n),
            _ => fail_at_offsets(
                name,
                &ShapedF {
                    shape: vec![2, 3],
                    fortran_order: true,
                    data: (0..6).collect(),
                },
                0..=n,
            ),
        };
        assert_eq!(count, 2 * n, "{name}");
    }
}

#[test]
fn writer_failing_at_every_offset_of_a_value_over_64_kib() {
    // One 66,000-byte item: more than the 64 KiB internal buffer, so the
    // writer sees both buffered and direct writes. Every offset.
    let blob = ByteBuf::from(
        (0..66_000u32)
            .map(|i| (i % 251) as u8 + 1)
            .collect::<Vec<u8>>(),
    );
    let n = serde_npy::to_vec(&blob).unwrap().len();
    assert!(n > 64 * 1024);
    assert_eq!(fail_at_offsets("66 kB bytes", &blob, 0..=n), 2 * n);
    // Many small elements across several buffer flushes: offsets around each
    // 64 KiB boundary and a stride through the rest.
    let v: Vec<f64> = (0..20_000).map(|i| i as f64 * 0.5).collect();
    let n = serde_npy::to_vec(&v).unwrap().len();
    let offsets = (0..=n)
        .filter(|o| o % 4093 == 0 || (o % 65_536) < 3 || (o % 65_536) > 65_533 || *o > n - 3);
    assert!(fail_at_offsets("160 kB f64", &v, offsets) > 50);
}

/// Writes a value into a writer.
type WriteFn = Box<dyn Fn(&mut Flaky) -> serde_npy::Result<()>>;

/// Interrupts every third call and accepts short writes otherwise.
struct Flaky {
    out: Vec<u8>,
    calls: usize,
}

impl Write for Flaky {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls % 3 == 0 {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "signal"));
        }
        let n = buf.len().min(1 + self.calls % 5000);
        self.out.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn writer_interrupted_and_short_writes() {
    let big: Vec<u16> = (0..70_000).map(|i| i as u16).collect();
    let cases: Vec<(&str, Vec<u8>, WriteFn)> = vec![
        (
            "records",
            serde_npy::to_vec(&records()).unwrap(),
            Box::new(|w| serde_npy::to_writer(w, &records())),
        ),
        (
            "strings",
            serde_npy::to_vec(&strings()).unwrap(),
            Box::new(|w| serde_npy::to_writer(w, &strings())),
        ),
        (
            "140 kB u16",
            serde_npy::to_vec(&big).unwrap(),
            Box::new(move |w| serde_npy::to_writer(w, &big)),
        ),
    ];
    for (name, full, write) in cases {
        let mut w = Flaky {
            out: Vec::new(),
            calls: 0,
        };
        write(&mut w).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(w.calls >= 3, "{name}: the writer was never interrupted");
        assert_eq!(w.out, full, "{name}");
    }
}

#[test]
fn writer_failing_on_flush() {
    struct FlushFails(Vec<u8>);
    impl Write for FlushFails {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::Error::new(io::ErrorKind::BrokenPipe, "flush"))
        }
    }
    let r = serde_npy::to_writer(FlushFails(Vec::new()), &[1u8, 2, 3]);
    assert!(
        matches!(r.as_ref().map_err(serde_npy::Error::kind), Err(ErrorKind::Io(ref e)) if e.kind() == io::ErrorKind::BrokenPipe),
        "{r:?}"
    );
}

// ---------------------------------------------------------------------------
// Faulty readers.

/// Hands out at most `max` bytes per read (random sizes when `rng` is set)
/// and returns `Interrupted` on every `interrupt`-th call (0 = never).
struct Trickle<'a> {
    data: &'a [u8],
    max: usize,
    rng: Option<Rng>,
    interrupt: usize,
    calls: usize,
}

impl<'a> Trickle<'a> {
    fn one_byte(data: &'a [u8]) -> Self {
        Trickle {
            data,
            max: 1,
            rng: None,
            interrupt: 0,
            calls: 0,
        }
    }
    fn random(data: &'a [u8], seed: u64, interrupt: usize) -> Self {
        Trickle {
            data,
            max: 300,
            rng: Some(Rng(seed)),
            interrupt,
            calls: 0,
        }
    }
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.interrupt > 0 && self.calls % self.interrupt == 0 {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "signal"));
        }
        let max = match &mut self.rng {
            Some(r) => 1 + (r.next() % self.max as u64) as usize,
            None => self.max,
        };
        let n = buf.len().min(max).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn fixture_files() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/npy");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "npy").then(|| {
                (
                    p.file_stem().unwrap().to_string_lossy().into_owned(),
                    std::fs::read(&p).unwrap(),
                )
            })
        })
        .collect();
    out.sort();
    out
}

#[test]
fn short_reads_and_interrupts_give_the_slice_result() {
    let mut inputs = fixture_files();
    assert!(inputs.len() > 200);
    for (name, bytes) in samples() {
        inputs.push((name.to_string(), bytes));
    }
    let big: Vec<f32> = (0..50_000).map(|i| i as f32).collect();
    inputs.push(("200 kB f32".into(), serde_npy::to_vec(&big).unwrap()));
    let mut valid = 0;
    for (i, (name, bytes)) in inputs.iter().enumerate() {
        let want = serde_npy::from_slice::<X>(bytes);
        let readers = [
            ("1 byte", Trickle::one_byte(bytes)),
            ("random", Trickle::random(bytes, i as u64, 0)),
            (
                "random + interrupts",
                Trickle::random(bytes, !(i as u64), 3),
            ),
        ];
        for (how, r) in readers {
            let got = serde_npy::from_reader::<_, X>(r);
            match (&want, &got) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{name} ({how})"),
                (Err(_), Err(_)) => {}
                _ => panic!("{name} ({how}): from_slice {want:?} but from_reader {got:?}"),
            }
        }
        if want.is_ok() {
            valid += 1;
        }
    }
    assert!(valid > 150, "only {valid} inputs were readable");
    // Typed targets through a trickle too.
    let got: Vec<f32> =
        serde_npy::from_reader(Trickle::random(&serde_npy::to_vec(&big).unwrap(), 9, 4)).unwrap();
    assert_eq!(got, big);
}

#[test]
fn truncated_streams_say_how_much_is_missing() {
    let mut inputs: Vec<(String, Vec<u8>)> = samples()
        .into_iter()
        .map(|(n, b)| (n.to_string(), b))
        .collect();
    for (name, bytes) in fixture_files() {
        if [
            "e5",
            "str_u_nonbmp_be",
            "struct_nested",
            "v3_cjk_name",
            "fortran_2d_struct",
        ]
        .contains(&name.as_str())
        {
            inputs.push((name, bytes));
        }
    }
    for (name, full) in &inputs {
        let h = Header::from_slice(full).unwrap();
        let data_len = h.data_len().unwrap();
        let end = h.data_offset + data_len;
        let len_width = if full[6] == 1 { 2 } else { 4 };
        for cut in 0..end {
            let part = &full[..cut];
            let (what, expected, found) = if cut < 8 {
                ("magic string", 8, cut)
            } else if cut < 8 + len_width {
                ("header length", len_width, cut - 8)
            } else if cut < h.data_offset {
                ("header", h.data_offset - 8 - len_width, cut - 8 - len_width)
            } else {
                ("array data", data_len, cut - h.data_offset)
            };
            for (how, r) in [
                ("slice", Trickle::random(part, cut as u64, 0)),
                ("1 byte", Trickle::one_byte(part)),
            ] {
                let e = serde_npy::from_reader::<_, X>(r).unwrap_err();
                match e.kind() {
                    ErrorKind::UnexpectedEof {
                        what: w,
                        expected: x,
                        found: f,
                    } => assert_eq!(
                        (*w, *x, *f),
                        (what, expected as u64, found as u64),
                        "{name} cut at {cut} ({how})"
                    ),
                    other => panic!("{name} cut at {cut} ({how}): {other:?}"),
                }
                let msg = e.to_string();
                assert!(
                    msg.contains(what) && msg.contains(&format!("({} missing)", expected - found)),
                    "{name} cut at {cut}: {msg}"
                );
            }
        }
        // The whole file reads.
        serde_npy::from_reader::<_, X>(Trickle::one_byte(full)).unwrap();
    }
}

#[test]
fn arrays_back_to_back_in_one_stream() {
    let mut stream = Vec::new();
    let parts: Vec<Vec<u8>> = samples().into_iter().map(|(_, b)| b).collect();
    for p in &parts {
        stream.extend_from_slice(p);
    }
    let big: Vec<u64> = (0..20_000).collect();
    stream.extend(serde_npy::to_vec(&big).unwrap());
    stream.extend(serde_npy::to_vec(&"last").unwrap());
    for (how, mut r) in [
        ("1 byte", Trickle::one_byte(&stream)),
        ("random + interrupts", Trickle::random(&stream, 5, 4)),
    ] {
        for p in &parts {
            let want: X = serde_npy::from_slice(p).unwrap();
            let got: X = serde_npy::from_reader(&mut r).unwrap_or_else(|e| panic!("{how}: {e}"));
            assert_eq!(got, want, "{how}");
        }
        let got: Vec<u64> = serde_npy::from_reader(&mut r).unwrap();
        assert_eq!(got, big, "{how}");
        // A header alone leaves the reader at the first data byte.
        let h = Header::from_reader(&mut r).unwrap();
        assert_eq!(h.shape, Vec::<usize>::new());
        let mut rest = Vec::new();
        r.read_to_end(&mut rest).unwrap();
        assert_eq!(rest.len(), h.data_len().unwrap(), "{how}");
        assert_eq!(
            rest,
            "last"
                .chars()
                .flat_map(|c| (c as u32).to_le_bytes())
                .collect::<Vec<u8>>()
        );
    }
    // The same through the slice API.
    let mut rest = &stream[..];
    for p in &parts {
        let (got, r): (X, _) = serde_npy::take_from_slice(rest).unwrap();
        assert_eq!(got, serde_npy::from_slice::<X>(p).unwrap());
        rest = r;
    }
    let (got, rest): (Vec<u64>, _) = serde_npy::take_from_slice(rest).unwrap();
    assert_eq!(got, big);
    let (s, rest): (String, _) = serde_npy::take_from_slice(rest).unwrap();
    assert_eq!((s.as_str(), rest.len()), ("last", 0));
}
