//! serde-npy against memcpy baselines and the other NPY crates, measured in
//! one run and reported as ratios of medians (the machines are shared and
//! noisy: absolute times drift, ratios within one run hold).
//!
//! Run with `cargo bench --bench compare`. Set `BENCH_QUICK=1` for fewer reps,
//! `BENCH_ONLY=npz`, `BENCH_ONLY=append` or `BENCH_ONLY=records` for one group
//! of rows alone.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ndarray::{Array1, Array2, ShapeBuilder};
use ndarray_npy::{ReadNpyExt, WriteNpyExt};
use npyz::WriterBuilder;
use serde::{Deserialize, Serialize};

const MIB: usize = 1 << 20;

fn reps() -> usize {
    if std::env::var_os("BENCH_QUICK").is_some() {
        5
    } else {
        15
    }
}

/// Median wall time of `f` over `reps` runs, after one warm-up run.
fn median<R>(reps: usize, mut f: impl FnMut() -> R) -> Duration {
    black_box(f());
    let mut times: Vec<Duration> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// Times `base` and `f` alternately, a warm-up and then `reps` pairs, and
/// returns the median of the per-pair ratios `f / base`. The shared machines
/// this runs on change speed from one second to the next; the two halves of
/// a pair see the same machine, so their ratio holds where two medians taken
/// minutes apart do not.
fn paired<A, B>(reps: usize, mut base: impl FnMut() -> A, mut f: impl FnMut() -> B) -> f64 {
    black_box(base());
    black_box(f());
    let mut ratios: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            black_box(base());
            let b = t.elapsed();
            let t = Instant::now();
            black_box(f());
            t.elapsed().as_secs_f64() / b.as_secs_f64()
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

/// Prints one row of the table, with its ratio to the baseline's median.
fn row(name: &str, t: Duration, base_name: &str, base: Duration) {
    println!(
        "{:<52} {:>10.3} ms   {:>6.2}x {}",
        name,
        t.as_secs_f64() * 1e3,
        t.as_secs_f64() / base.as_secs_f64(),
        base_name
    );
}

/// Prints one row of the table in microseconds, without a ratio.
fn row_us(name: &str, t: Duration) {
    println!("{:<52} {:>10.3} µs", name, t.as_secs_f64() * 1e6);
}

fn memcpy_warm(buf: &mut Vec<u8>, src: &[u8]) -> usize {
    buf.clear();
    buf.extend_from_slice(src);
    buf.len()
}

fn to_writer_reused(buf: &mut Vec<u8>, data: &[f32]) -> usize {
    buf.clear();
    serde_npy::to_writer(&mut *buf, data).unwrap();
    buf.len()
}

fn memcpy_fresh(src: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(src.len());
    v.extend_from_slice(src);
    v
}

#[repr(C)]
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    bytemuck::Pod,
    bytemuck::Zeroable,
    npyz::Serialize,
    npyz::Deserialize,
    npyz::AutoSerialize,
)]
struct Rec {
    x: f32,
    y: f32,
    z: f32,
    id: u32,
}

/// A record with a `bool` and a subarray field: not `Pod` (a `bool` may not
/// hold any byte), 17 bytes in the file.
#[derive(Serialize, Deserialize)]
struct Rec2 {
    p: [f32; 3],
    hit: bool,
    id: u32,
}

/// `Rec`'s fields in another order than the file's.
#[derive(Deserialize)]
struct RecOtherOrder {
    id: u32,
    z: f32,
    x: f32,
    y: f32,
}

#[derive(Serialize, Deserialize)]
struct Shaped<T> {
    shape: Vec<usize>,
    data: Vec<T>,
}

#[derive(Serialize, Deserialize)]
struct ShapedF<T> {
    shape: Vec<usize>,
    fortran_order: bool,
    data: Vec<T>,
}

#[derive(Serialize, Deserialize)]
struct Message {
    id: u32,
    #[serde(with = "serde_npy")]
    field: Vec<f32>,
}

/// The floor of any writer that takes elements one at a time into an
/// output sized in advance, as `to_vec` does: a bounds-checked store per
/// element. The output's length goes through `black_box`, as the length of
/// the value being serialized is hidden from `to_vec`'s loop; otherwise the
/// compiler proves the check away and vectorizes, which no serde element
/// loop can.
#[inline(never)]
fn store_floats(data: &[f32]) -> Vec<u8> {
    let mut out = vec![0u8; 128 + data.len() * 4];
    let limit = black_box(out.len());
    let mut pos = 128;
    for x in data {
        if pos + 4 > limit {
            break;
        }
        out[pos..pos + 4].copy_from_slice(&x.to_le_bytes());
        pos += 4;
    }
    out
}

/// The floor of any writer that takes elements one at a time and streams
/// them through a fixed buffer, as `to_writer` must for an `io::Write`: a
/// bounds-checked store per element and a copy per chunk, without serde.
#[inline(never)]
fn stream_through_chunk(data: &[f32], chunk: &mut [u8], out: &mut Vec<u8>) -> usize {
    out.clear();
    let mut pos = 0;
    for x in data {
        if pos + 4 > chunk.len() {
            out.extend_from_slice(&chunk[..pos]);
            pos = 0;
        }
        chunk[pos..pos + 4].copy_from_slice(&x.to_le_bytes());
        pos += 4;
    }
    out.extend_from_slice(&chunk[..pos]);
    out.len()
}

/// The floor of any `Deserialize` of `Vec<T>` element by element: serde's
/// `Vec` visitor pushes one element at a time, growing from a capped size
/// hint.
#[inline(never)]
fn push_floats(data: &[u8]) -> Vec<f32> {
    let mut v: Vec<f32> = Vec::with_capacity((1 << 20) / 4);
    for c in data.chunks_exact(4) {
        v.push(f32::from_le_bytes([c[0], c[1], c[2], c[3]]));
    }
    v
}

/// The floor of writing records one at a time into a fresh buffer.
#[inline(never)]
fn store_records(recs: &[Rec]) -> Vec<u8> {
    let mut out = vec![0u8; 128 + recs.len() * 16];
    for (r, dst) in recs.iter().zip(out[128..].chunks_exact_mut(16)) {
        dst[0..4].copy_from_slice(&r.x.to_le_bytes());
        dst[4..8].copy_from_slice(&r.y.to_le_bytes());
        dst[8..12].copy_from_slice(&r.z.to_le_bytes());
        dst[12..16].copy_from_slice(&r.id.to_le_bytes());
    }
    out
}

/// The floor of reading records one at a time into a `Vec`.
#[inline(never)]
fn push_records(data: &[u8]) -> Vec<Rec> {
    let mut v: Vec<Rec> = Vec::with_capacity((1 << 20) / 16);
    for c in data.chunks_exact(16) {
        let f = |i: usize| [c[i], c[i + 1], c[i + 2], c[i + 3]];
        v.push(Rec {
            x: f32::from_le_bytes(f(0)),
            y: f32::from_le_bytes(f(4)),
            z: f32::from_le_bytes(f(8)),
            id: u32::from_le_bytes(f(12)),
        });
    }
    v
}

/// `serde_npy::pod` on the records: table rows, then the paired write and
/// read ratios against a fresh memcpy.
#[cfg(feature = "bytemuck")]
fn bench_pod_records(
    reps: usize,
    recs: &[Rec],
    rfile: &[u8],
    rec_raw: &[u8],
    rec_fresh: Duration,
) -> (f64, f64) {
    let w = median(reps, || serde_npy::pod::to_vec(recs).unwrap());
    row(
        "serde-npy pod::to_vec 4 Mi records",
        w,
        "memcpy fresh",
        rec_fresh,
    );
    let r = median(reps, || serde_npy::pod::from_slice::<Rec>(rfile).unwrap());
    row(
        "serde-npy pod::from_slice 4 Mi records",
        r,
        "memcpy fresh",
        rec_fresh,
    );
    let v = median(reps, || {
        let view = serde_npy::pod::view::<Rec>(rfile).unwrap();
        assert!(matches!(view, std::borrow::Cow::Borrowed(_)));
        view.len()
    });
    row_us("serde-npy pod::view 4 Mi records (zero-copy)", v);
    let tgt_pod_w = paired(
        reps,
        || memcpy_fresh(rec_raw),
        || serde_npy::pod::to_vec(recs).unwrap(),
    );
    let tgt_pod_r = paired(
        reps,
        || memcpy_fresh(rec_raw),
        || serde_npy::pod::from_slice::<Rec>(rfile).unwrap(),
    );
    (tgt_pod_w, tgt_pod_r)
}

fn main() {
    match std::env::var("BENCH_ONLY").as_deref() {
        Ok("npz") => return bench_npz(reps()),
        Ok("append") => return bench_appender(reps()),
        Ok("records") => return bench_records(reps()),
        _ => {}
    }
    let reps = reps();
    println!("{:<52} {:>13}   ratio baseline", "case", "median");

    // --- 64 MiB f32, 1-D
    let n = 64 * MIB / 4;
    let data: Vec<f32> = (0..n).map(|i| i as f32 * 0.5).collect();
    let raw: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
    let fresh = median(reps, || memcpy_fresh(&raw));
    let mut warm_buf = Vec::with_capacity(raw.len() + 4096);
    let warm = median(reps, || memcpy_warm(&mut warm_buf, &raw));
    row(
        "memcpy 64 MiB into a fresh Vec",
        fresh,
        "memcpy fresh",
        fresh,
    );
    row(
        "memcpy 64 MiB into a warm buffer",
        warm,
        "memcpy warm",
        warm,
    );

    let w = median(reps, || serde_npy::to_vec(&data).unwrap());
    row("serde-npy to_vec Vec<f32> 64 MiB", w, "memcpy fresh", fresh);
    let tgt_to_vec = paired(
        reps,
        || memcpy_fresh(&raw),
        || serde_npy::to_vec(&data).unwrap(),
    );
    let w = median(reps, || store_floats(black_box(&data)));
    row(
        "floor: element stores into a fresh Vec, no serde",
        w,
        "memcpy fresh",
        fresh,
    );
    let floor_to_vec = paired(
        reps,
        || memcpy_fresh(&raw),
        || store_floats(black_box(&data)),
    );
    let mut reuse = Vec::with_capacity(raw.len() + 4096);
    let w = median(reps, || to_writer_reused(&mut reuse, &data));
    row(
        "serde-npy to_writer into a reused Vec",
        w,
        "memcpy warm",
        warm,
    );
    let mut chunk = vec![0u8; 64 * 1024];
    let tgt_to_writer = paired(
        reps,
        || memcpy_warm(&mut warm_buf, &raw),
        || to_writer_reused(&mut reuse, &data),
    );
    let floor_to_writer = paired(
        reps,
        || memcpy_warm(&mut warm_buf, &raw),
        || stream_through_chunk(black_box(&data), &mut chunk, &mut reuse),
    );
    let w = median(reps, || {
        stream_through_chunk(black_box(&data), &mut chunk, &mut reuse)
    });
    row(
        "floor: element stores through a 64 KiB chunk, no serde",
        w,
        "memcpy warm",
        warm,
    );
    let w = median(reps, || {
        let mut out = Vec::new();
        let mut wr = npyz::WriteOptions::new()
            .default_dtype()
            .shape(&[n as u64])
            .writer(&mut out)
            .begin_nd()
            .unwrap();
        wr.extend(data.iter().copied()).unwrap();
        wr.finish().unwrap();
        out
    });
    row("npyz write Vec<f32> 64 MiB", w, "memcpy fresh", fresh);
    let arr = Array1::from(data.clone());
    let w = median(reps, || {
        let mut out = Vec::new();
        arr.write_npy(&mut out).unwrap();
        out
    });
    row(
        "ndarray-npy write Array1<f32> 64 MiB",
        w,
        "memcpy fresh",
        fresh,
    );

    let file = serde_npy::to_vec(&data).unwrap();
    let r = median(reps, || serde_npy::from_slice::<Vec<f32>>(&file).unwrap());
    row(
        "serde-npy from_slice::<Vec<f32>> 64 MiB",
        r,
        "memcpy fresh",
        fresh,
    );
    let floor_from_slice = paired(
        reps,
        || memcpy_fresh(&raw),
        || push_floats(black_box(&file[file.len() - n * 4..])),
    );
    let tgt_from_slice = paired(
        reps,
        || memcpy_fresh(&raw),
        || serde_npy::from_slice::<Vec<f32>>(&file).unwrap(),
    );
    let floor = median(reps, || push_floats(black_box(&file[file.len() - n * 4..])));
    row(
        "floor: push loop into a Vec<f32>, no serde",
        floor,
        "memcpy fresh",
        fresh,
    );
    let r = median(reps, || {
        serde_npy::from_slice::<serde_npy::ArrayView<f32>>(&file)
            .unwrap()
            .into_vec()
    });
    row(
        "serde-npy ArrayView<f32>::into_vec (bulk copy)",
        r,
        "memcpy fresh",
        fresh,
    );
    let view_t = median(reps, || {
        serde_npy::from_slice::<serde_npy::ArrayView<f32>>(&file)
            .unwrap()
            .len()
    });
    row_us("serde-npy ArrayView<f32> of 64 MiB (zero-copy)", view_t);
    let be_file = {
        let mut f = file.clone();
        let at = f.windows(5).position(|w| w == b"'<f4'").unwrap();
        f[at + 1] = b'>';
        for chunk in f[128..].chunks_exact_mut(4) {
            chunk.reverse();
        }
        f
    };
    let r = median(reps, || {
        serde_npy::from_slice::<Vec<f32>>(&be_file).unwrap()
    });
    row(
        "serde-npy from_slice::<Vec<f32>> big-endian",
        r,
        "memcpy fresh",
        fresh,
    );
    let tgt_be = paired(
        reps,
        || memcpy_fresh(&raw),
        || serde_npy::from_slice::<Vec<f32>>(&be_file).unwrap(),
    );
    let r = median(reps, || {
        npyz::NpyFile::new(&file[..])
            .unwrap()
            .into_vec::<f32>()
            .unwrap()
    });
    row("npyz read Vec<f32> 64 MiB", r, "memcpy fresh", fresh);
    let r = median(reps, || Array1::<f32>::read_npy(&file[..]).unwrap());
    row(
        "ndarray-npy read Array1<f32> 64 MiB",
        r,
        "memcpy fresh",
        fresh,
    );

    // --- 2-D f64, C and Fortran, 64 MiB
    let (rows, cols) = (2048usize, 4096usize);
    let d2: Vec<f64> = (0..rows * cols).map(|i| i as f64).collect();
    let c = Shaped {
        shape: vec![rows, cols],
        data: d2.clone(),
    };
    let f = ShapedF {
        shape: vec![rows, cols],
        fortran_order: true,
        data: d2.clone(),
    };
    let w = median(reps, || serde_npy::to_vec(&c).unwrap());
    row("serde-npy to_vec 2-D f64 C order", w, "memcpy fresh", fresh);
    let w = median(reps, || serde_npy::to_vec(&f).unwrap());
    row(
        "serde-npy to_vec 2-D f64 Fortran order",
        w,
        "memcpy fresh",
        fresh,
    );
    let cfile = serde_npy::to_vec(&c).unwrap();
    let ffile = serde_npy::to_vec(&f).unwrap();
    let r = median(reps, || {
        serde_npy::from_slice::<Shaped<f64>>(&cfile).unwrap()
    });
    row(
        "serde-npy from_slice 2-D f64 C order",
        r,
        "memcpy fresh",
        fresh,
    );
    let r = median(reps, || {
        serde_npy::from_slice::<ShapedF<f64>>(&ffile).unwrap()
    });
    row(
        "serde-npy from_slice 2-D f64 Fortran (file order)",
        r,
        "memcpy fresh",
        fresh,
    );
    let r = median(reps, || {
        serde_npy::from_slice::<Shaped<f64>>(&ffile).unwrap()
    });
    row(
        "serde-npy from_slice 2-D f64 Fortran → C order",
        r,
        "memcpy fresh",
        fresh,
    );
    let a2 = Array2::from_shape_vec((rows, cols), d2.clone()).unwrap();
    let w = median(reps, || {
        let mut out = Vec::new();
        a2.write_npy(&mut out).unwrap();
        out
    });
    row(
        "ndarray-npy write 2-D f64 C order",
        w,
        "memcpy fresh",
        fresh,
    );
    let a2f = Array2::from_shape_vec((rows, cols).f(), d2.clone()).unwrap();
    let w = median(reps, || {
        let mut out = Vec::new();
        a2f.write_npy(&mut out).unwrap();
        out
    });
    row(
        "ndarray-npy write 2-D f64 Fortran order",
        w,
        "memcpy fresh",
        fresh,
    );
    let r = median(reps, || Array2::<f64>::read_npy(&cfile[..]).unwrap());
    row("ndarray-npy read 2-D f64 C order", r, "memcpy fresh", fresh);
    let r = median(reps, || Array2::<f64>::read_npy(&ffile[..]).unwrap());
    row(
        "ndarray-npy read 2-D f64 Fortran order",
        r,
        "memcpy fresh",
        fresh,
    );
    drop((c, f, cfile, ffile, a2, a2f, d2));

    // --- rows of a small fixed size: an (n, 3) f32 array as Vec<[f32; 3]>
    let points: Vec<[f32; 3]> = data.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect();
    let w = median(reps, || serde_npy::to_vec(&points).unwrap());
    row(
        "serde-npy to_vec Vec<[f32; 3]> 64 MiB",
        w,
        "memcpy fresh",
        fresh,
    );
    let pfile = serde_npy::to_vec(&points).unwrap();
    let r = median(reps, || {
        serde_npy::from_slice::<Vec<[f32; 3]>>(&pfile).unwrap()
    });
    row(
        "serde-npy from_slice Vec<[f32; 3]> 64 MiB",
        r,
        "memcpy fresh",
        fresh,
    );
    drop((points, pfile));

    // --- many small arrays: one 4×4 f32 write + read
    let small = [[1.0f32, 2.0, 3.0, 4.0]; 4];
    let per_op = |d: Duration, k: usize| Duration::from_secs_f64(d.as_secs_f64() / k as f64);
    let k = 20_000;
    let ours = per_op(
        median(reps, || {
            for _ in 0..k {
                let b = serde_npy::to_vec(black_box(&small)).unwrap();
                black_box(serde_npy::from_slice::<[[f32; 4]; 4]>(&b).unwrap());
            }
        }),
        k,
    );
    let small_arr = Array2::from_shape_vec((4, 4), small.concat()).unwrap();
    let nd = per_op(
        median(reps, || {
            for _ in 0..k / 10 {
                let mut b = Vec::new();
                black_box(&small_arr).write_npy(&mut b).unwrap();
                black_box(Array2::<f32>::read_npy(&b[..]).unwrap());
            }
        }),
        k / 10,
    );
    let nz = per_op(
        median(reps, || {
            for _ in 0..k / 10 {
                let mut b = Vec::new();
                let mut wr = npyz::WriteOptions::new()
                    .default_dtype()
                    .shape(&[4, 4])
                    .writer(&mut b)
                    .begin_nd()
                    .unwrap();
                wr.extend(small.iter().flatten().copied()).unwrap();
                wr.finish().unwrap();
                black_box(
                    npyz::NpyFile::new(&b[..])
                        .unwrap()
                        .into_vec::<f32>()
                        .unwrap(),
                );
            }
        }),
        k / 10,
    );
    println!(
        "{:<52} {:>10.3} µs",
        "serde-npy 4x4 f32 write+read",
        ours.as_secs_f64() * 1e6
    );
    row(
        "ndarray-npy 4x4 f32 write+read (per op)",
        nd,
        "serde-npy 4x4",
        ours,
    );
    row(
        "npyz 4x4 f32 write+read (per op)",
        nz,
        "serde-npy 4x4",
        ours,
    );

    // --- 4 MiB f32 field embedded in MessagePack
    let field: Vec<f32> = (0..MIB).map(|i| i as f32).collect();
    let msg = Message {
        id: 1,
        field: field.clone(),
    };
    let bare_w = median(reps * 4, || serde_npy::to_vec(&field).unwrap());
    let emb_w = median(reps * 4, || rmp_serde::to_vec_named(&msg).unwrap());
    row(
        "serde-npy to_vec 4 MiB f32 (bare)",
        bare_w,
        "bare to_vec",
        bare_w,
    );
    row(
        "rmp-serde + with helper, 4 MiB f32 field",
        emb_w,
        "bare to_vec",
        bare_w,
    );
    let tgt_msg_w = paired(
        reps * 4,
        || serde_npy::to_vec(&field).unwrap(),
        || rmp_serde::to_vec_named(&msg).unwrap(),
    );
    let bare_bytes = serde_npy::to_vec(&field).unwrap();
    // serde hands a host format bytes as one slice, so an embedded array is
    // at least two copies: into one contiguous blob, then into the host's
    // output. The bare `to_vec` is one.
    let mut blob = Vec::new();
    let mut two_copies = || {
        blob.clear();
        blob.extend_from_slice(&bare_bytes);
        blob.to_vec()
    };
    let fresh_4 = median(reps * 4, || bare_bytes.to_vec());
    let two = median(reps * 4, &mut two_copies);
    row(
        "memcpy 4 MiB into a fresh Vec",
        fresh_4,
        "bare to_vec",
        bare_w,
    );
    row(
        "floor: copy into a warm blob, then into a fresh Vec",
        two,
        "bare to_vec",
        bare_w,
    );
    let floor_msg_w = paired(
        reps * 4,
        || serde_npy::to_vec(&field).unwrap(),
        &mut two_copies,
    );
    let packed = rmp_serde::to_vec_named(&msg).unwrap();
    let bare_r = median(reps * 4, || {
        serde_npy::from_slice::<Vec<f32>>(&bare_bytes).unwrap()
    });
    let emb_r = median(reps * 4, || {
        rmp_serde::from_slice::<Message>(&packed).unwrap()
    });
    row(
        "serde-npy from_slice 4 MiB f32 (bare)",
        bare_r,
        "bare from_slice",
        bare_r,
    );
    row(
        "rmp-serde + with helper, read 4 MiB f32 field",
        emb_r,
        "bare from_slice",
        bare_r,
    );
    let tgt_msg_r = paired(
        reps * 4,
        || serde_npy::from_slice::<Vec<f32>>(&bare_bytes).unwrap(),
        || rmp_serde::from_slice::<Message>(&packed).unwrap(),
    );
    println!(
        "\ntargets (issue #4): each ratio is the median over {reps} (MessagePack: {}) runs of",
        reps * 4
    );
    println!("the case and its baseline in alternation, so it can differ from the table's ratio");
    println!("of two medians; `floor` is the no-serde loop for the same work, timed the same way:");
    let small_us = ours.as_secs_f64() * 1e6;
    let targets = [
        (
            "to_vec 64 MiB f32 / memcpy fresh",
            tgt_to_vec,
            Some(floor_to_vec),
            1.1,
            "x",
        ),
        (
            "to_writer reused Vec / memcpy warm",
            tgt_to_writer,
            Some(floor_to_writer),
            2.0,
            "x",
        ),
        (
            "from_slice Vec<f32> / memcpy fresh",
            tgt_from_slice,
            Some(floor_from_slice),
            1.1,
            "x",
        ),
        (
            "from_slice big-endian / memcpy fresh",
            tgt_be,
            None,
            1.5,
            "x",
        ),
        ("4x4 f32 write+read", small_us, None, 1.0, " µs"),
        (
            "MessagePack field write / bare",
            tgt_msg_w,
            Some(floor_msg_w),
            1.3,
            "x",
        ),
        ("MessagePack field read / bare", tgt_msg_r, None, 1.3, "x"),
    ];
    for (what, got, floor, limit, unit) in targets {
        let verdict = if got <= limit { "met" } else { "NOT met" };
        let floor = floor.map_or(String::new(), |f| format!("  floor {f:.2}x"));
        println!("  {what:<40} {got:>6.2}{unit:<3} (target <= {limit}{unit})  {verdict}{floor}");
    }
    bench_records(reps);
    bench_npz(reps);
    bench_appender(reps);
}

/// Issue #17: 4 Mi records through plain serde derive, against a fresh
/// memcpy of their bytes, beside `serde_npy::pod`, npyz and bincode; then a
/// record with a `bool` and a `[f32; 3]` field, and a struct whose fields
/// are in another order than the file's.
fn bench_records(reps: usize) {
    println!("\nrecords (issue #17):");
    // --- 4 Mi records {x, y, z: f32, id: u32}
    let nrec = 4 * MIB;
    let recs: Vec<Rec> = (0..nrec)
        .map(|i| Rec {
            x: i as f32,
            y: 1.0,
            z: -1.0,
            id: i as u32,
        })
        .collect();
    let rec_raw = vec![0u8; nrec * 16];
    let rec_fresh = median(reps, || memcpy_fresh(&rec_raw));
    row(
        "memcpy 64 MiB (records baseline)",
        rec_fresh,
        "memcpy fresh",
        rec_fresh,
    );
    let w = median(reps, || serde_npy::to_vec(&recs).unwrap());
    row(
        "serde-npy to_vec 4 Mi records",
        w,
        "memcpy fresh",
        rec_fresh,
    );
    let floor_rec_w = paired(
        reps,
        || memcpy_fresh(&rec_raw),
        || store_records(black_box(&recs)),
    );
    let tgt_rec_w = paired(
        reps,
        || memcpy_fresh(&rec_raw),
        || serde_npy::to_vec(&recs).unwrap(),
    );
    let w = median(reps, || store_records(black_box(&recs)));
    row(
        "floor: field stores per record, no serde",
        w,
        "memcpy fresh",
        rec_fresh,
    );
    let rfile = serde_npy::to_vec(&recs).unwrap();
    let r = median(reps, || serde_npy::from_slice::<Vec<Rec>>(&rfile).unwrap());
    row(
        "serde-npy from_slice 4 Mi records",
        r,
        "memcpy fresh",
        rec_fresh,
    );
    let floor_rec_r = paired(
        reps,
        || memcpy_fresh(&rec_raw),
        || push_records(black_box(&rfile[rfile.len() - nrec * 16..])),
    );
    let tgt_rec_r = paired(
        reps,
        || memcpy_fresh(&rec_raw),
        || serde_npy::from_slice::<Vec<Rec>>(&rfile).unwrap(),
    );
    let r = median(reps, || {
        push_records(black_box(&rfile[rfile.len() - nrec * 16..]))
    });
    row(
        "floor: push loop of records, no serde",
        r,
        "memcpy fresh",
        rec_fresh,
    );
    // The same records as `bytemuck::Pod`, copied whole by `serde_npy::pod`
    // (the crate's dev-dependency on itself turns the feature on in a
    // checkout; a published copy of this bench has it off).
    #[cfg(feature = "bytemuck")]
    let pod_targets = Some(bench_pod_records(reps, &recs, &rfile, &rec_raw, rec_fresh));
    #[cfg(not(feature = "bytemuck"))]
    let pod_targets: Option<(f64, f64)> = None;
    let w = median(reps, || {
        let mut out = Vec::new();
        let mut wr = npyz::WriteOptions::new()
            .default_dtype()
            .shape(&[nrec as u64])
            .writer(&mut out)
            .begin_nd()
            .unwrap();
        wr.extend(recs.iter().copied()).unwrap();
        wr.finish().unwrap();
        out
    });
    row("npyz write 4 Mi records", w, "memcpy fresh", rec_fresh);
    let r = median(reps, || {
        npyz::NpyFile::new(&rfile[..])
            .unwrap()
            .into_vec::<Rec>()
            .unwrap()
    });
    row("npyz read 4 Mi records", r, "memcpy fresh", rec_fresh);
    let npyz_rec_w = paired(
        reps,
        || memcpy_fresh(&rec_raw),
        || {
            let mut out = Vec::new();
            let mut wr = npyz::WriteOptions::new()
                .default_dtype()
                .shape(&[nrec as u64])
                .writer(&mut out)
                .begin_nd()
                .unwrap();
            wr.extend(recs.iter().copied()).unwrap();
            wr.finish().unwrap();
            out
        },
    );
    let npyz_rec_r = paired(
        reps,
        || memcpy_fresh(&rec_raw),
        || {
            npyz::NpyFile::new(&rfile[..])
                .unwrap()
                .into_vec::<Rec>()
                .unwrap()
        },
    );
    // The same records through bincode, the plainest serde format (a cursor,
    // no field names, no layout): what serde's per-record calls cost alone.
    let packed_recs = bincode::serialize(&recs).unwrap();
    let w = median(reps, || bincode::serialize(black_box(&recs)).unwrap());
    row("bincode write 4 Mi records", w, "memcpy fresh", rec_fresh);
    let r = median(reps, || {
        bincode::deserialize::<Vec<Rec>>(black_box(&packed_recs)).unwrap()
    });
    row("bincode read 4 Mi records", r, "memcpy fresh", rec_fresh);
    let bincode_rec_w = paired(
        reps,
        || memcpy_fresh(&rec_raw),
        || bincode::serialize(black_box(&recs)).unwrap(),
    );
    let bincode_rec_r = paired(
        reps,
        || memcpy_fresh(&rec_raw),
        || bincode::deserialize::<Vec<Rec>>(black_box(&packed_recs)).unwrap(),
    );

    let recs2: Vec<Rec2> = (0..nrec)
        .map(|i| Rec2 {
            p: [i as f32, 1.0, -1.0],
            hit: i % 3 == 0,
            id: i as u32,
        })
        .collect();
    let rec2_raw = vec![0u8; nrec * std::mem::size_of::<Rec2>()];
    let rec2_file = serde_npy::to_vec(&recs2).unwrap();
    assert_eq!(rec2_file.len() % 64, (nrec * 17) % 64);
    let rec2_raw = &rec2_raw[..nrec * 17];
    let tgt_rec2_w = paired(
        reps,
        || memcpy_fresh(rec2_raw),
        || serde_npy::to_vec(&recs2).unwrap(),
    );
    let tgt_rec2_r = paired(
        reps,
        || memcpy_fresh(rec2_raw),
        || serde_npy::from_slice::<Vec<Rec2>>(&rec2_file).unwrap(),
    );
    drop((recs2, rec2_file));
    let back = serde_npy::from_slice::<Vec<RecOtherOrder>>(&rfile).unwrap();
    assert!(back[7].id == 7 && back[7].x == 7.0 && back[7].y == 1.0 && back[7].z == -1.0);
    drop(back);
    let tgt_rec_other = paired(
        reps,
        || memcpy_fresh(&rec_raw),
        || serde_npy::from_slice::<Vec<RecOtherOrder>>(&rfile).unwrap(),
    );
    drop((recs, rfile, rec_raw, packed_recs));

    println!("\ntargets (issue #17), medians of {reps} paired ratios against a fresh memcpy:");
    let mut targets = vec![
        ("records write, serde", tgt_rec_w, Some(floor_rec_w)),
        ("records read, serde", tgt_rec_r, Some(floor_rec_r)),
    ];
    if let Some((w, r)) = pod_targets {
        targets.push(("records write, pod", w, None));
        targets.push(("records read, pod", r, None));
    }
    for (what, got, floor) in targets {
        let verdict = if got <= 1.3 { "met" } else { "NOT met" };
        let floor = floor.map_or(String::new(), |f| format!("  floor {f:.2}x"));
        println!("  {what:<40} {got:>6.2}x   (target <= 1.3x)  {verdict}{floor}");
    }
    println!("  npyz: write {npyz_rec_w:.2}x, read {npyz_rec_r:.2}x");
    println!("  bincode (serde alone): write {bincode_rec_w:.2}x, read {bincode_rec_r:.2}x");
    println!("  {{p: [f32; 3], hit: bool, id: u32}} (17 bytes): write {tgt_rec2_w:.2}x, read {tgt_rec2_r:.2}x");
    println!("  read into a struct of another field order: {tgt_rec_other:.2}x");
}

/// Three `f32` arrays totalling 64 MiB, as an `.npz` archive's members.
#[cfg(feature = "npz")]
#[derive(Serialize, Deserialize)]
struct Three {
    a: Vec<f32>,
    b: Vec<f32>,
    c: Vec<f32>,
}

#[cfg(not(feature = "npz"))]
fn bench_npz(_: usize) {}

/// `.npz` against the `.npy` calls it is made of (issue #14).
#[cfg(feature = "npz")]
fn bench_npz(reps: usize) {
    use serde_npy::npz;
    let n = 16 * MIB / 4;
    let wave = |k: usize, len: usize| -> Vec<f32> {
        (0..len).map(|i| ((i * k) as f32 * 1e-3).sin()).collect()
    };
    let three = Three {
        a: wave(1, n * 2),
        b: wave(2, n),
        c: wave(3, n),
    };
    println!("\n.npz (issue #14): three f32 arrays, 64 MiB in all");
    let npys = || {
        [
            serde_npy::to_vec(&three.a).unwrap(),
            serde_npy::to_vec(&three.b).unwrap(),
            serde_npy::to_vec(&three.c).unwrap(),
        ]
    };
    let base_w = median(reps, npys);
    let w = median(reps, || npz::to_vec(&three).unwrap());
    row("npz::to_vec stored, 3 members", w, "3x to_vec", base_w);
    let tgt_w = paired(reps, npys, || npz::to_vec(&three).unwrap());

    let parts = npys();
    let archive = npz::to_vec(&three).unwrap();
    let read3 = || {
        (
            serde_npy::from_slice::<Vec<f32>>(&parts[0]).unwrap(),
            serde_npy::from_slice::<Vec<f32>>(&parts[1]).unwrap(),
            serde_npy::from_slice::<Vec<f32>>(&parts[2]).unwrap(),
        )
    };
    let base_r = median(reps, read3);
    let r = median(reps, || npz::from_slice::<Three>(&archive).unwrap());
    row(
        "npz::from_slice stored, 3 members",
        r,
        "3x from_slice",
        base_r,
    );
    let tgt_r = paired(reps, read3, || npz::from_slice::<Three>(&archive).unwrap());

    let aligned = npz::to_vec_with(&three, &npz::WriteOptions::new().align(64)).unwrap();
    let opts = npz::ReadOptions::new().verify_crc(false);
    let view_archive = npz::Archive::with_options(&aligned, &opts).unwrap();
    let view_t = median(reps * 100, || {
        let v: serde_npy::ArrayView<f32> = view_archive.get("b").unwrap();
        assert!(v.is_borrowed());
        v.len()
    });
    row_us("npz ArrayView of an aligned stored member (no CRC)", view_t);
    let open_view_t = median(reps * 100, || {
        let a = npz::Archive::with_options(&aligned, &opts).unwrap();
        a.get::<serde_npy::ArrayView<f32>>("b").unwrap().len()
    });
    row_us("  the same, directory parse included", open_view_t);

    let cw = median(reps.min(5), || npz::to_vec_compressed(&three).unwrap());
    let compressed = npz::to_vec_compressed(&three).unwrap();
    let cr = median(reps.min(5), || {
        npz::from_slice::<Three>(&compressed).unwrap()
    });
    // Throughput in MB/s of array data, and the archive's size for writes.
    let mbs = |what: &str, t: Duration, size: Option<usize>| {
        let mb = (64 * MIB) as f64 / 1e6;
        let ratio = size.map_or(String::new(), |n| {
            format!(
                " ({:.1}% of the raw size)",
                100.0 * n as f64 / (64 * MIB) as f64
            )
        });
        println!(
            "{what:<52} {:>10.3} ms   {:>6.0} MB/s{ratio}",
            t.as_secs_f64() * 1e3,
            mb / t.as_secs_f64()
        );
    };
    mbs(
        "npz::to_vec_compressed, 3 members",
        cw,
        Some(compressed.len()),
    );
    mbs("npz::from_slice compressed, 3 members", cr, None);

    // ndarray-npy's compressed NpzWriter (zip 2 with flate2 over miniz_oxide)
    // on the same three arrays, paired with ours: ratios < 1 mean ours is
    // faster. Each side writes into a fresh in-memory buffer.
    let arrays = [
        Array1::from(three.a.clone()),
        Array1::from(three.b.clone()),
        Array1::from(three.c.clone()),
    ];
    let ndnpy_w = || {
        let mut npz = ndarray_npy::NpzWriter::new_compressed(std::io::Cursor::new(Vec::new()));
        for (name, a) in ["a", "b", "c"].iter().zip(&arrays) {
            npz.add_array(*name, a).unwrap();
        }
        npz.finish().unwrap().into_inner()
    };
    let ndnpy_bytes = ndnpy_w();
    let ndnpy_r = || {
        let mut npz = ndarray_npy::NpzReader::new(std::io::Cursor::new(&ndnpy_bytes)).unwrap();
        ["a", "b", "c"].map(|name| npz.by_name::<_, ndarray::Ix1>(name).unwrap() as Array1<f32>)
    };
    let nw = median(reps.min(5), ndnpy_w);
    let nr = median(reps.min(5), ndnpy_r);
    mbs(
        "ndarray-npy NpzWriter::new_compressed, 3 arrays",
        nw,
        Some(ndnpy_bytes.len()),
    );
    mbs("ndarray-npy NpzReader::by_name, 3 arrays", nr, None);
    let vs_w = paired(reps.min(5), ndnpy_w, || {
        npz::to_vec_compressed(&three).unwrap()
    });
    let vs_r = paired(reps.min(5), ndnpy_r, || {
        npz::from_slice::<Three>(&compressed).unwrap()
    });
    println!(
        "  compressed, ours / ndarray-npy's (paired, {} runs): write {vs_w:.2}x, read {vs_r:.2}x",
        reps.min(5)
    );
    println!("  NumPy on the same arrays: python3 benches/npz_numpy.py");

    println!("targets (issue #14), paired ratios over {reps} runs:");
    for (what, got, limit) in [
        ("stored write / 3x to_vec", tgt_w, 1.15),
        ("stored read / 3x from_slice", tgt_r, 1.15),
    ] {
        let verdict = if got <= limit { "met" } else { "NOT met" };
        println!("  {what:<40} {got:>6.2}x  (target <= {limit}x)  {verdict}");
    }
    let us = view_t.as_secs_f64() * 1e6;
    let verdict = if us < 2.0 { "met" } else { "NOT met" };
    println!(
        "  {:<40} {us:>6.2} µs (target < 2 µs)  {verdict}",
        "aligned member view"
    );
}

/// `to_writer` of all `rows` as one slice into a warm Vec.
fn to_writer_warm<T: Serialize>(buf: &mut Vec<u8>, rows: &[T]) -> usize {
    buf.clear();
    serde_npy::to_writer(&mut *buf, rows).unwrap();
    buf.len()
}

/// `rows` appended one by one to a new file in a warm Vec, then finished.
fn append_warm<T: Serialize>(buf: &mut Vec<u8>, rows: &[T]) -> usize {
    buf.clear();
    let file = std::io::Cursor::new(std::mem::take(buf));
    let mut app = serde_npy::Appender::create(file).unwrap();
    for row in rows {
        app.append(row).unwrap();
    }
    *buf = app.finish().unwrap().into_inner();
    buf.len()
}

/// `rows` appended by one `extend` of the slice, then finished.
fn extend_warm<T: Serialize>(buf: &mut Vec<u8>, rows: &[T]) -> usize {
    buf.clear();
    let file = std::io::Cursor::new(std::mem::take(buf));
    let mut app = serde_npy::Appender::create(file).unwrap();
    app.extend(rows).unwrap();
    *buf = app.finish().unwrap().into_inner();
    buf.len()
}

/// The floor for one by one: each float's bytes pushed onto a warm Vec
/// after a 128-byte header, no serde, no file.
fn push_each_float(buf: &mut Vec<u8>, header: &[u8], data: &[f32]) -> usize {
    buf.clear();
    buf.extend_from_slice(header);
    for x in data {
        buf.extend_from_slice(&x.to_le_bytes());
    }
    buf.len()
}

/// Each float's bytes through `BufWriter::write_all` (64 KiB) into a warm Vec.
fn bufwriter_each_float(buf: &mut Vec<u8>, header: &[u8], data: &[f32]) -> usize {
    use std::io::Write;
    buf.clear();
    let mut w =
        std::io::BufWriter::with_capacity(64 << 10, std::io::Cursor::new(std::mem::take(buf)));
    w.write_all(header).unwrap();
    for x in data {
        w.write_all(&x.to_le_bytes()).unwrap();
    }
    *buf = w.into_inner().unwrap().into_inner();
    buf.len()
}

/// Issue #15: `serde_npy::Appender` growing a file in memory row by row,
/// against `to_writer` of the same rows as one Vec (both into warm Vecs).
fn bench_appender(reps: usize) {
    let floats: Vec<f32> = (0..4 * MIB).map(|i| i as f32).collect();
    let recs: Vec<Rec> = (0..MIB)
        .map(|i| Rec {
            x: i as f32,
            y: 1.0,
            z: -1.0,
            id: i as u32,
        })
        .collect();
    let (mut base, mut other) = (Vec::new(), Vec::new());
    to_writer_warm(&mut base, &floats);
    let header = base[..128].to_vec();
    append_warm(&mut other, &floats);
    assert!(other == base, "appended floats differ from to_writer's");
    extend_warm(&mut other, &floats);
    assert!(other == base, "extended floats differ from to_writer's");
    push_each_float(&mut other, &header, &floats);
    assert!(other == base);
    bufwriter_each_float(&mut other, &header, &floats);
    assert!(other == base);
    println!("\nAppender (issue #15), into a Vec reused across runs:");
    let tw = median(reps, || to_writer_warm(&mut base, &floats));
    row("to_writer 4 Mi f32 as one Vec", tw, "to_writer", tw);
    let t = median(reps, || append_warm(&mut other, &floats));
    row("Appender: 4 Mi f32 appended one by one", t, "to_writer", tw);
    let t = median(reps, || extend_warm(&mut other, &floats));
    row("Appender: extend(&Vec<f32>) of 4 Mi", t, "to_writer", tw);
    let t = median(reps, || push_each_float(&mut other, &header, &floats));
    row(
        "floor: each f32 pushed onto a Vec, no serde",
        t,
        "to_writer",
        tw,
    );
    let t = median(reps, || bufwriter_each_float(&mut other, &header, &floats));
    row("BufWriter::write_all of each f32", t, "to_writer", tw);
    let tgt_f32 = paired(
        reps,
        || to_writer_warm(&mut base, &floats),
        || append_warm(&mut other, &floats),
    );
    let floor_f32 = paired(
        reps,
        || to_writer_warm(&mut base, &floats),
        || push_each_float(&mut other, &header, &floats),
    );
    let bufwriter_f32 = paired(
        reps,
        || to_writer_warm(&mut base, &floats),
        || bufwriter_each_float(&mut other, &header, &floats),
    );
    let tgt_extend = paired(
        reps,
        || to_writer_warm(&mut base, &floats),
        || extend_warm(&mut other, &floats),
    );

    to_writer_warm(&mut base, &recs);
    append_warm(&mut other, &recs);
    assert!(other == base, "appended records differ from to_writer's");
    let tw = median(reps, || to_writer_warm(&mut base, &recs));
    row("to_writer 1 Mi records as one Vec", tw, "to_writer", tw);
    let t = median(reps, || append_warm(&mut other, &recs));
    row(
        "Appender: 1 Mi records appended one by one",
        t,
        "to_writer",
        tw,
    );
    let tgt_rec = paired(
        reps,
        || to_writer_warm(&mut base, &recs),
        || append_warm(&mut other, &recs),
    );
    println!("\ntargets (issue #15), medians of paired ratios as above:");
    for (what, got, floor, limit) in [
        (
            "append 4 Mi f32 one by one / to_writer",
            tgt_f32,
            Some(floor_f32),
            1.5,
        ),
        (
            "append 1 Mi records one by one / to_writer",
            tgt_rec,
            None,
            1.5,
        ),
        ("extend(&Vec<f32>) / to_writer", tgt_extend, None, 1.5),
    ] {
        let verdict = if got <= limit { "met" } else { "NOT met" };
        let floor = floor.map_or(String::new(), |f| format!("  floor {f:.2}x"));
        println!("  {what:<44} {got:>6.2}x   (target <= {limit}x)  {verdict}{floor}");
    }
    println!("  BufWriter::write_all of each f32 / to_writer: {bufwriter_f32:.2}x");
}
