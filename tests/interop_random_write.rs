//! Writes a fixed-seed batch of random arrays for the NumPy check
//! `tests/interop/check_random.py` (run it as
//! `python3 tests/interop/check_random.py target/tmp/interop-random`).
//!
//! Each `NAME.npy` goes to `$CARGO_TARGET_TMPDIR/interop-random/` with two
//! sidecars that carry the expected array independently of this crate's reader:
//!
//! * `NAME.json`: `{"descr": <descr as Python writes it>, "shape": [...],
//!   "fortran_order": bool, "source": "header" | "serializer"}`;
//! * `NAME.le.bin`: the logical values in C order, every leaf little-endian,
//!   record padding zeroed — built by this test from the generated values.
//!
//! Most files are a random dtype (scalars of every kind in both byte orders,
//! records with gaps, titles, nested records and nested subarrays, non-latin-1
//! names that force format 3.0) and shape (0-d, zero-sized and unit axes),
//! written as `Header::new(..).to_bytes()` + data in file order and byte
//! order (Fortran order only where NumPy would write it; record padding is
//! random garbage that NumPy keeps and re-saves). The others go through the
//! serializer (`to_vec` of `Vec`s, nested `Vec`s, strings, bytes, `f16`,
//! derived record structs and a Fortran `shape` + `data` struct).

use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;
use serde_bytes::ByteBuf;
use serde_npy::half::f16;
use serde_npy::{Dtype, Header};

mod rng;
use rng::Rng;

const FILES: usize = 200;
const SEED: u64 = 0x5EED_0F4E_554D_5059;

// ---------------------------------------------------------------------------
// Random numbers (splitmix64), fixed seed.

/// Float bits, mostly the interesting ones (NaN payloads, signalling NaNs,
/// ±0, ±inf, subnormals, extremes).
fn float_bits(rng: &mut Rng, exp_bits: u32, man_bits: u32) -> u64 {
    let sign = (rng.next() & 1) << (exp_bits + man_bits);
    let exp_max = (1u64 << exp_bits) - 1;
    let man_mask = (1u64 << man_bits) - 1;
    let rand_man = rng.next() & man_mask;
    let body = match rng.below(12) {
        0 => 0,
        1 => exp_max << man_bits,
        2 => (exp_max << man_bits) | rand_man.max(1),
        3 => (exp_max << man_bits) | 1,
        4 => rand_man.max(1),
        5 => 1,
        6 => man_mask,
        7 => ((exp_max - 1) << man_bits) | man_mask,
        8 => 1 << man_bits,
        _ => rng.next() & ((1 << (exp_bits + man_bits)) - 1),
    };
    sign | body
}

fn int_bits(rng: &mut Rng, bytes: usize) -> u64 {
    let bits = 8 * bytes as u32;
    let mask = if bits == 64 {
        u64::MAX
    } else {
        (1 << bits) - 1
    };
    match rng.below(6) {
        0 => 0,
        1 => mask,
        2 => mask >> 1,
        3 => (mask >> 1) + 1,
        _ => rng.next() & mask,
    }
}

const CHARS: &[char] = &[
    'a',
    'Z',
    '0',
    ' ',
    '\'',
    '"',
    '\\',
    '\n',
    '\0',
    'é',
    'ÿ',
    '\u{a0}',
    'Ω',
    '整',
    '\u{fffd}',
    '\u{ffff}',
    '😀',
    '\u{10000}',
    '\u{10ffff}',
    '\u{1f9ea}',
];

// ---------------------------------------------------------------------------
// Dtype model.

#[derive(Clone, Debug)]
enum Leaf {
    Bool,
    Int(usize, bool),
    F16,
    F32,
    F64,
    C64,
    C128,
    Bytes(usize),
    Str(usize),
    Void(usize),
    Time(char, &'static str),
}

const UNITS: &[&str] = &[
    "", "ns", "us", "ms", "s", "m", "h", "D", "W", "M", "Y", "10s", "25us",
];

impl Leaf {
    fn itemsize(&self) -> usize {
        match self {
            Leaf::Bool => 1,
            Leaf::Int(n, _) => *n,
            Leaf::F16 => 2,
            Leaf::F32 => 4,
            Leaf::F64 | Leaf::C64 | Leaf::Time(..) => 8,
            Leaf::C128 => 16,
            Leaf::Bytes(n) | Leaf::Void(n) => *n,
            Leaf::Str(n) => 4 * n,
        }
    }

    fn typestr(&self, big: bool) -> String {
        let o = if big { '>' } else { '<' };
        match self {
            Leaf::Bool => "|b1".into(),
            Leaf::Int(1, signed) => format!("|{}1", if *signed { 'i' } else { 'u' }),
            Leaf::Int(n, signed) => format!("{o}{}{n}", if *signed { 'i' } else { 'u' }),
            Leaf::F16 => format!("{o}f2"),
            Leaf::F32 => format!("{o}f4"),
            Leaf::F64 => format!("{o}f8"),
            Leaf::C64 => format!("{o}c8"),
            Leaf::C128 => format!("{o}c16"),
            Leaf::Bytes(n) => format!("|S{n}"),
            Leaf::Str(n) => format!("{o}U{n}"),
            Leaf::Void(n) => format!("|V{n}"),
            Leaf::Time(k, "") => format!("{o}{k}8"),
            Leaf::Time(k, u) => format!("{o}{k}8[{u}]"),
        }
    }
}

#[derive(Clone, Debug)]
enum Ty {
    Leaf(Leaf, bool),
    Rec(Vec<Fld>, usize),
}

#[derive(Clone, Debug)]
struct Fld {
    name: String,
    title: Option<String>,
    offset: usize,
    ty: Ty,
    levels: Vec<Vec<usize>>,
}

impl Fld {
    fn count(&self) -> usize {
        self.levels.iter().flatten().product()
    }
}

fn shape_text(s: &[usize]) -> String {
    match s {
        [d] => format!("({d},)"),
        _ => format!(
            "({})",
            s.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

impl Ty {
    fn itemsize(&self) -> usize {
        match self {
            Ty::Leaf(l, _) => l.itemsize(),
            Ty::Rec(_, n) => *n,
        }
    }

    /// The descr exactly as Python's `repr(dtype_to_descr(dtype))` writes it.
    fn descr(&self) -> String {
        match self {
            Ty::Leaf(l, big) => format!("'{}'", l.typestr(*big)),
            Ty::Rec(fields, itemsize) => {
                let mut parts = Vec::new();
                let mut pos = 0;
                for f in fields {
                    if f.offset > pos {
                        parts.push(format!("('', '|V{}')", f.offset - pos));
                    }
                    let name = match &f.title {
                        Some(t) => format!("('{t}', '{}')", f.name),
                        None => format!("'{}'", f.name),
                    };
                    let mut ty = f.ty.descr();
                    for level in f.levels.iter().skip(1).rev() {
                        ty = format!("({ty}, {})", shape_text(level));
                    }
                    parts.push(match f.levels.first() {
                        Some(outer) => format!("({name}, {ty}, {})", shape_text(outer)),
                        None => format!("({name}, {ty})"),
                    });
                    pos = f.offset + f.count() * f.ty.itemsize();
                }
                if *itemsize > pos {
                    parts.push(format!("('', '|V{}')", itemsize - pos));
                }
                format!("[{}]", parts.join(", "))
            }
        }
    }
}

const PREFIXES: &[&str] = &["x", "f", "é", "整", "😀", "Ω", "a_b", "Z9"];

/// `top`: zero-size leaves only inside records (NumPy widens a top-level
/// `S0`/`U0` array to `S1`/`U1`).
fn gen_leaf(rng: &mut Rng, top: bool) -> Ty {
    let min = usize::from(top);
    let leaf = match rng.below(16) {
        0 => Leaf::Bool,
        1 | 2 => Leaf::Int(*rng.pick(&[1, 2, 4, 8]), rng.chance(50)),
        3 => Leaf::F16,
        4 | 5 => Leaf::F32,
        6 | 7 => Leaf::F64,
        8 => Leaf::C64,
        9 => Leaf::C128,
        10 => Leaf::Bytes(min + rng.below(6)),
        11 | 12 => Leaf::Str(min + rng.below(5)),
        13 => Leaf::Void(min + rng.below(5)),
        _ => Leaf::Time(*rng.pick(&['M', 'm']), UNITS[rng.below(UNITS.len())]),
    };
    Ty::Leaf(leaf, rng.chance(40))
}

fn gen_ty(rng: &mut Rng, depth: usize, top: bool) -> Ty {
    if depth == 0 || rng.chance(55) {
        return gen_leaf(rng, top);
    }
    let n = 1 + rng.below(4);
    let mut fields = Vec::new();
    let mut pos = 0;
    for i in 0..n {
        let gap = if rng.chance(20) { 1 + rng.below(3) } else { 0 };
        let ty = gen_ty(rng, depth - 1, false);
        let mut levels = Vec::new();
        // NumPy refuses subarrays of zero-size flexible leaves (`('<U0', (3,))`:
        // "invalid itemsize in generic type tuple").
        let zero_leaf = matches!(ty, Ty::Leaf(..)) && ty.itemsize() == 0;
        if !zero_leaf && rng.chance(35) {
            for _ in 0..1 + rng.below(2) {
                let dims = (0..1 + rng.below(2))
                    .map(|_| if rng.chance(8) { 0 } else { 1 + rng.below(3) })
                    .collect();
                levels.push(dims);
            }
        }
        // NumPy also refuses an outer level around a zero-size inner subarray.
        let inner_zero = (1..levels.len())
            .any(|i| ty.itemsize() * levels[i..].iter().flatten().product::<usize>() == 0);
        if inner_zero {
            levels.clear();
        }
        let prefix = rng.pick(PREFIXES);
        let f = Fld {
            name: format!("{prefix}{i}"),
            title: rng.chance(12).then(|| format!("t{i}{prefix}")),
            offset: pos + gap,
            ty,
            levels,
        };
        pos = f.offset + f.count() * f.ty.itemsize();
        fields.push(f);
    }
    let tail = if rng.chance(20) { 1 + rng.below(3) } else { 0 };
    Ty::Rec(fields, pos + tail)
}

fn put(out: &mut [u8], v: u64, n: usize, big: bool) {
    let le = v.to_le_bytes();
    out[..n].copy_from_slice(&le[..n]);
    if big {
        out[..n].reverse();
    }
}

/// One element: its bytes as stored in the file, and its logical little-endian
/// bytes with zeroed padding.
fn gen_elem(rng: &mut Rng, ty: &Ty, file: &mut [u8], le: &mut [u8]) {
    match ty {
        Ty::Leaf(l, big) => {
            let big = *big;
            let mut both = |at: usize, v: u64, n: usize| {
                put(&mut file[at..], v, n, big);
                put(&mut le[at..], v, n, false);
            };
            match l {
                Leaf::Bool => {
                    let v = rng.below(2) as u64;
                    both(0, v, 1)
                }
                Leaf::Int(n, _) => {
                    let v = int_bits(rng, *n);
                    both(0, v, *n)
                }
                Leaf::Time(..) => {
                    let v = if rng.chance(15) {
                        1 << 63
                    } else {
                        int_bits(rng, 8)
                    };
                    both(0, v, 8)
                }
                Leaf::F16 => {
                    let v = float_bits(rng, 5, 10);
                    both(0, v, 2)
                }
                Leaf::F32 => {
                    let v = float_bits(rng, 8, 23);
                    both(0, v, 4)
                }
                Leaf::F64 => {
                    let v = float_bits(rng, 11, 52);
                    both(0, v, 8)
                }
                Leaf::C64 => {
                    for at in [0, 4] {
                        let v = float_bits(rng, 8, 23);
                        both(at, v, 4)
                    }
                }
                Leaf::C128 => {
                    for at in [0, 8] {
                        let v = float_bits(rng, 11, 52);
                        both(at, v, 8)
                    }
                }
                Leaf::Str(n) => {
                    let k = rng.below(n + 1);
                    for i in 0..*n {
                        let c = if i < k { *rng.pick(CHARS) as u64 } else { 0 };
                        both(4 * i, c, 4)
                    }
                }
                Leaf::Bytes(n) => {
                    let k = rng.below(n + 1);
                    for i in 0..*n {
                        let b = if i < k { rng.next() & 0xff } else { 0 };
                        both(i, b, 1)
                    }
                }
                Leaf::Void(n) => {
                    for i in 0..*n {
                        let b = rng.next() & 0xff;
                        both(i, b, 1)
                    }
                }
            }
        }
        Ty::Rec(fields, itemsize) => {
            // Padding: garbage in the file (NumPy keeps and re-saves it), zero
            // in the logical bytes.
            for b in file[..*itemsize].iter_mut() {
                *b = rng.next() as u8;
            }
            le[..*itemsize].fill(0);
            for f in fields {
                let size = f.ty.itemsize();
                for i in 0..f.count() {
                    let at = f.offset + i * size;
                    gen_elem(rng, &f.ty, &mut file[at..at + size], &mut le[at..at + size]);
                }
            }
        }
    }
}

fn gen_shape(rng: &mut Rng) -> Vec<usize> {
    let ndim = rng.below(5);
    (0..ndim)
        .map(|_| match rng.below(10) {
            0 => 0,
            1 => 1,
            _ => 2 + rng.below(3),
        })
        .collect()
}

fn c_indices(shape: &[usize]) -> Vec<Vec<usize>> {
    let count: usize = shape.iter().product();
    let mut out = Vec::with_capacity(count);
    let mut idx = vec![0usize; shape.len()];
    for _ in 0..count {
        out.push(idx.clone());
        for (i, &d) in idx.iter_mut().zip(shape).rev() {
            *i += 1;
            if *i < d {
                break;
            }
            *i = 0;
        }
    }
    out
}

/// Element position in a Fortran-order data section.
fn f_pos(idx: &[usize], shape: &[usize]) -> usize {
    idx.iter()
        .zip(shape)
        .rev()
        .fold(0, |pos, (&i, &d)| pos * d + i)
}

// ---------------------------------------------------------------------------
// Output.

struct Out {
    dir: PathBuf,
    written: usize,
}

impl Out {
    fn new() -> Out {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("interop-random");
        // Start clean so that no stale file from an older run gets checked.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Out { dir, written: 0 }
    }

    /// Checks the file with our own reader, then writes it and its sidecars.
    fn write(
        &mut self,
        source: &str,
        npy: &[u8],
        descr: &str,
        shape: &[usize],
        fortran: bool,
        le: &[u8],
    ) {
        let name = format!("r{:03}_{source}", self.written);
        let h = Header::from_slice(npy).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(h.dtype.descr(), descr, "{name}: descr");
        assert_eq!(h.shape, shape, "{name}: shape");
        assert_eq!(h.fortran_order, fortran, "{name}: fortran_order");
        assert_eq!(
            npy.len() - h.data_offset,
            le.len(),
            "{name}: data section length"
        );
        serde_npy::from_slice::<serde_json::Value>(npy).unwrap_or_else(|e| panic!("{name}: {e}"));
        std::fs::write(self.dir.join(format!("{name}.npy")), npy).unwrap();
        std::fs::write(self.dir.join(format!("{name}.le.bin")), le).unwrap();
        let side = serde_json::json!({
            "descr": descr,
            "shape": shape,
            "fortran_order": fortran,
            "source": source,
        });
        std::fs::write(self.dir.join(format!("{name}.json")), side.to_string()).unwrap();
        self.written += 1;
    }
}

/// A random dtype and shape, written through `Header` + raw data.
fn header_case(rng: &mut Rng, out: &mut Out) {
    let ty = gen_ty(rng, 3, true);
    let shape = gen_shape(rng);
    // NumPy writes fortran_order True only for arrays that are F- but not
    // C-contiguous: more than one axis longer than 1, and no empty axis.
    let multi = shape.iter().filter(|&&d| d > 1).count() > 1 && !shape.contains(&0);
    let fortran = multi && rng.chance(40);
    let descr = ty.descr();
    let dtype = Dtype::from_descr(&descr).unwrap_or_else(|e| panic!("{descr}: {e}"));
    assert_eq!(dtype.descr(), descr);
    let size = ty.itemsize();
    let idx = c_indices(&shape);
    let mut le = vec![0u8; idx.len() * size];
    let mut data = vec![0u8; idx.len() * size];
    let mut file_elem = vec![0u8; size];
    for (k, i) in idx.iter().enumerate() {
        let p = if fortran { f_pos(i, &shape) } else { k };
        gen_elem(rng, &ty, &mut file_elem, &mut le[k * size..(k + 1) * size]);
        data[p * size..(p + 1) * size].copy_from_slice(&file_elem);
    }
    let mut npy = Header::new(dtype, shape.clone(), fortran).to_bytes();
    npy.extend_from_slice(&data);
    out.write("header", &npy, &descr, &shape, fortran, &le);
}

// ---------------------------------------------------------------------------
// Serializer cases: Rust values with hand-computed descr and bytes.

#[derive(Serialize)]
struct Inner {
    c: u8,
    s: String,
}

#[derive(Serialize)]
struct Rec {
    a: f64,
    b: [i16; 3],
    inner: Inner,
    h: f16,
    raw: ByteBuf,
}

#[derive(Serialize)]
struct ShapedF {
    shape: Vec<usize>,
    fortran_order: bool,
    data: Vec<f64>,
}

fn text(rng: &mut Rng, max: usize) -> String {
    let n = rng.below(max + 1);
    let mut cs: Vec<char> = (0..n).map(|_| *rng.pick(CHARS)).collect();
    while cs.last() == Some(&'\0') {
        cs.pop();
    }
    cs.into_iter().collect()
}

fn blob(rng: &mut Rng, max: usize) -> Vec<u8> {
    let n = rng.below(max + 1);
    let mut b: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
    while b.last() == Some(&0) {
        b.pop();
    }
    b
}

fn ucs4(s: &str, width: usize, le: &mut Vec<u8>) {
    let mut n = 0;
    for c in s.chars() {
        le.extend_from_slice(&(c as u32).to_le_bytes());
        n += 1;
    }
    le.resize(le.len() + 4 * (width - n), 0);
}

fn serializer_case(rng: &mut Rng, out: &mut Out, kind: usize) {
    let n = rng.below(6);
    let mut le = Vec::new();
    match kind {
        0 => {
            let v: Vec<f32> = (0..n)
                .map(|_| f32::from_bits(float_bits(rng, 8, 23) as u32))
                .collect();
            v.iter().for_each(|x| le.extend(x.to_le_bytes()));
            let descr = if n == 0 { "'<f8'" } else { "'<f4'" };
            out.write(
                "serializer",
                &serde_npy::to_vec(&v).unwrap(),
                descr,
                &[n],
                false,
                &le,
            );
        }
        1 => {
            let cols = 1 + rng.below(4);
            let v: Vec<Vec<i64>> = (0..n)
                .map(|_| (0..cols).map(|_| int_bits(rng, 8) as i64).collect())
                .collect();
            v.iter().flatten().for_each(|x| le.extend(x.to_le_bytes()));
            let (descr, shape) = if n == 0 {
                ("'<f8'", vec![0])
            } else {
                ("'<i8'", vec![n, cols])
            };
            out.write(
                "serializer",
                &serde_npy::to_vec(&v).unwrap(),
                descr,
                &shape,
                false,
                &le,
            );
        }
        2 => {
            let v: Vec<f16> = (0..n + 1)
                .map(|_| f16::from_bits(float_bits(rng, 5, 10) as u16))
                .collect();
            v.iter().for_each(|x| le.extend(x.to_bits().to_le_bytes()));
            out.write(
                "serializer",
                &serde_npy::to_vec(&v).unwrap(),
                "'<f2'",
                &[n + 1],
                false,
                &le,
            );
        }
        3 => {
            let v: Vec<String> = (0..n + 1).map(|_| text(rng, 5)).collect();
            let width = v
                .iter()
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
                .max(1);
            v.iter().for_each(|s| ucs4(s, width, &mut le));
            let descr = format!("'<U{width}'");
            out.write(
                "serializer",
                &serde_npy::to_vec(&v).unwrap(),
                &descr,
                &[n + 1],
                false,
                &le,
            );
        }
        4 => {
            let v: Vec<ByteBuf> = (0..n + 1).map(|_| ByteBuf::from(blob(rng, 5))).collect();
            let width = v.iter().map(|b| b.len()).max().unwrap_or(0).max(1);
            for b in &v {
                le.extend_from_slice(b);
                le.resize(le.len() + width - b.len(), 0);
            }
            let descr = format!("'|S{width}'");
            out.write(
                "serializer",
                &serde_npy::to_vec(&v).unwrap(),
                &descr,
                &[n + 1],
                false,
                &le,
            );
        }
        5 => {
            let v: Vec<Rec> = (0..n + 1)
                .map(|_| Rec {
                    a: f64::from_bits(float_bits(rng, 11, 52)),
                    b: [0; 3].map(|_: i16| int_bits(rng, 2) as i16),
                    inner: Inner {
                        c: rng.next() as u8,
                        s: text(rng, 4),
                    },
                    h: f16::from_bits(float_bits(rng, 5, 10) as u16),
                    raw: ByteBuf::from(blob(rng, 3)),
                })
                .collect();
            let sw = v
                .iter()
                .map(|r| r.inner.s.chars().count())
                .max()
                .unwrap_or(0)
                .max(1);
            let bw = v.iter().map(|r| r.raw.len()).max().unwrap_or(0).max(1);
            for r in &v {
                le.extend(r.a.to_le_bytes());
                r.b.iter().for_each(|x| le.extend(x.to_le_bytes()));
                le.push(r.inner.c);
                ucs4(&r.inner.s, sw, &mut le);
                le.extend(r.h.to_bits().to_le_bytes());
                le.extend_from_slice(&r.raw);
                le.resize(le.len() + bw - r.raw.len(), 0);
            }
            let mut descr = String::new();
            write!(
                descr,
                "[('a', '<f8'), ('b', '<i2', (3,)), ('inner', [('c', '|u1'), ('s', '<U{sw}')]), ('h', '<f2'), ('raw', '|S{bw}')]"
            )
            .unwrap();
            out.write(
                "serializer",
                &serde_npy::to_vec(&v).unwrap(),
                &descr,
                &[n + 1],
                false,
                &le,
            );
        }
        6 => {
            // A 0-d record of a heterogeneous tuple: fields f0, f1, f2.
            let v = (
                int_bits(rng, 4) as u32,
                f32::from_bits(float_bits(rng, 8, 23) as u32),
                rng.chance(50),
            );
            le.extend(v.0.to_le_bytes());
            le.extend(v.1.to_le_bytes());
            le.push(u8::from(v.2));
            let descr = "[('f0', '<u4'), ('f1', '<f4'), ('f2', '|b1')]";
            out.write(
                "serializer",
                &serde_npy::to_vec(&v).unwrap(),
                descr,
                &[],
                false,
                &le,
            );
        }
        _ => {
            // shape + data in Fortran order.
            let shape = vec![2 + rng.below(3), 2 + rng.below(3), 1 + rng.below(3)];
            let count: usize = shape.iter().product();
            let data: Vec<f64> = (0..count)
                .map(|_| f64::from_bits(float_bits(rng, 11, 52)))
                .collect();
            for i in c_indices(&shape) {
                le.extend(data[f_pos(&i, &shape)].to_le_bytes());
            }
            let v = ShapedF {
                shape: shape.clone(),
                fortran_order: true,
                data,
            };
            out.write(
                "serializer",
                &serde_npy::to_vec(&v).unwrap(),
                "'<f8'",
                &shape,
                true,
                &le,
            );
        }
    }
}

/// A record of thousands of fields: a header over 64 KiB, so format 2.0.
fn v2_case(rng: &mut Rng, out: &mut Out) {
    let fields: Vec<Fld> = (0..4500)
        .map(|i| Fld {
            name: format!("f{i}"),
            title: None,
            offset: 2 * i,
            ty: Ty::Leaf(Leaf::Int(2, true), i % 3 == 0),
            levels: Vec::new(),
        })
        .collect();
    let ty = Ty::Rec(fields, 9000);
    let descr = ty.descr();
    let dtype = Dtype::from_descr(&descr).unwrap();
    let mut le = vec![0u8; 2 * 9000];
    let mut data = vec![0u8; 2 * 9000];
    for k in 0..2 {
        let r = k * 9000..(k + 1) * 9000;
        gen_elem(rng, &ty, &mut data[r.clone()], &mut le[r]);
    }
    let mut npy = Header::new(dtype, vec![2], false).to_bytes();
    assert_eq!(npy[6], 2, "format 2.0");
    npy.extend_from_slice(&data);
    out.write("header_v2", &npy, &descr, &[2], false, &le);
}

#[test]
fn write_random_batch_for_numpy() {
    let mut rng = Rng(SEED);
    let mut out = Out::new();
    for i in 0..FILES {
        if i == FILES - 1 {
            v2_case(&mut rng, &mut out);
        } else if i % 5 == 0 {
            serializer_case(&mut rng, &mut out, (i / 5) % 8);
        } else {
            header_case(&mut rng, &mut out);
        }
    }
    assert_eq!(out.written, FILES);
    eprintln!("wrote {FILES} files to {}", out.dir.display());
}
