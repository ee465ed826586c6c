//! `serde_npy::Appender`: files grown in place, compared byte for byte with
//! `np.save` of the whole array (fixtures by `tests/fixtures/append/generate.py`),
//! the wrong-row errors, and the crash test: a child process appending and
//! flushing, killed with SIGKILL at random moments, the file checked each time.
//!
//! Every grown file is also written to `$CARGO_TARGET_TMPDIR/interop-append`
//! for `tests/interop/check_append.py`, which checks them with NumPy in `.ci/run`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fs::{File, OpenOptions};
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use serde_npy::half::f16;
use serde_npy::{AppendOptions, Appender, Complex, Dtype, ErrorKind, Header};

mod rng;
use rng::Rng;

// ---------------------------------------------------------------------------
// Allocations on this thread, for the no-allocation-per-row test.

struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCS.with(Cell::get)
}

// ---------------------------------------------------------------------------
// Fixtures and the interop directory

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/append")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn interop_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("interop-append");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Leaves `bytes` for `check_append.py`: NumPy must load it, find the same
/// array as in `expected` (when given), and, when `np_save` is true, get the
/// very same bytes from `np.save` of what it loaded.
fn for_numpy(name: &str, bytes: &[u8], expected: Option<&[u8]>, np_save: bool) {
    let dir = interop_dir();
    std::fs::write(dir.join(format!("{name}.npy")), bytes).unwrap();
    let expected_name = expected.map(|e| {
        let n = format!("{name}.expected.npy");
        std::fs::write(dir.join(&n), e).unwrap();
        n
    });
    let side = serde_json::json!({ "expected": expected_name, "np_save": np_save });
    std::fs::write(dir.join(format!("{name}.json")), side.to_string()).unwrap();
}

fn shape(bytes: &[u8]) -> Vec<usize> {
    Header::from_slice(bytes).unwrap().shape
}

// ---------------------------------------------------------------------------
// Growing NumPy's files

/// Appends `rows[n0..]` to fixture `name` (which holds `rows[..n0]`) in three
/// ways: one `append` per row, one `extend` with a one-byte buffer and a
/// flush after every row, and row by row after a reopen in the middle. Each
/// must give `name.whole.npy` exactly.
fn grow<T: Serialize>(name: &str, rows: &[T], n0: usize) {
    let initial = fixture(&format!("{name}.npy"));
    let whole = fixture(&format!("{name}.whole.npy"));

    let mut app = Appender::open(Cursor::new(initial.clone())).unwrap();
    assert_eq!(app.len(), n0, "{name}");
    for row in &rows[n0..] {
        app.append(row).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    assert_eq!(app.len(), rows.len());
    let grown = app.finish().unwrap().into_inner();
    assert!(grown == whole, "{name}: appended one by one");

    let mut app = AppendOptions::new()
        .buffer_size(1)
        .open(Cursor::new(initial.clone()))
        .unwrap();
    for row in &rows[n0..] {
        app.extend(std::slice::from_ref(row)).unwrap();
        app.flush().unwrap();
        // A complete file after every flush: NumPy and we read the rows so far.
        let now = app.get_ref().get_ref();
        let mut s = shape(&whole);
        let axis = if app.fortran_order() { s.len() - 1 } else { 0 };
        s[axis] = app.len();
        assert_eq!(shape(now), s, "{name}");
        serde_npy::from_slice::<serde_json::Value>(now).unwrap();
    }
    assert!(
        app.finish().unwrap().into_inner() == whole,
        "{name}: flushed per row"
    );

    let half = n0 + (rows.len() - n0) / 2;
    let mut app = Appender::open(Cursor::new(initial)).unwrap();
    app.extend(&rows[n0..half]).unwrap();
    let mid = app.finish().unwrap();
    let mut app = Appender::open(mid).unwrap();
    assert_eq!(app.len(), half);
    app.extend(&rows[half..]).unwrap();
    assert!(
        app.finish().unwrap().into_inner() == whole,
        "{name}: reopened"
    );

    for_numpy(name, &grown, Some(&whole), true);
}

/// [`grow`] for a C-order fixture, with the rows read from the whole file.
/// Where the file's dtype is the one `to_vec` infers (little-endian, strings
/// as wide as the longest), `to_vec` of all the rows gives the same bytes.
fn grow_c<T: Serialize + DeserializeOwned>(name: &str) {
    let whole = fixture(&format!("{name}.whole.npy"));
    let rows: Vec<T> = serde_npy::from_slice(&whole).unwrap();
    let n0 = shape(&fixture(&format!("{name}.npy")))[0];
    grow(name, &rows, n0);
    let inferred = serde_npy::to_vec(&rows).unwrap();
    let big_endian = name.starts_with("big_endian");
    if Header::from_slice(&inferred).unwrap().dtype == Header::from_slice(&whole).unwrap().dtype {
        assert!(inferred == whole, "{name}: to_vec of all rows");
    } else {
        assert!(
            big_endian || name == "records",
            "{name}: to_vec infers another dtype"
        );
    }
}

#[test]
fn numbers_and_rows_of_them() {
    grow_c::<f32>("c_f4");
    grow_c::<[i32; 3]>("c_i4_rows");
    grow_c::<Vec<i32>>("c_i4_rows");
    grow_c::<[f64; 3]>("c_empty_rows");
    grow_c::<[[u8; 4]; 3]>("c_u1_3d");
    grow_c::<Vec<Vec<u8>>>("c_u1_3d");
    grow_c::<f16>("c_f2");
    grow_c::<bool>("c_bool");
    grow_c::<Complex<f64>>("complex");
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Rec {
    x: f32,
    id: u32,
    pos: [f64; 2],
    name: String,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct P {
    a: f32,
    b: u8,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Nested {
    t: i64,
    p: P,
    ok: bool,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct BeRec {
    a: f64,
    b: i16,
    c: Complex<f32>,
    s: String,
    v: [u16; 2],
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Cjk {
    #[serde(rename = "整")]
    n: i32,
    x: f64,
}

#[test]
fn records_and_strings() {
    grow_c::<Rec>("records");
    grow_c::<Nested>("records_nested");
    grow_c::<(f32, u32, [f64; 2], String)>("records");
    grow_c::<String>("str_u");
    grow_c::<ByteBuf>("bytes_s");
    grow_c::<Cjk>("v3_name");
}

#[test]
fn big_endian_files_get_big_endian_rows() {
    grow_c::<i32>("big_endian");
    grow_c::<[f64; 3]>("big_endian_2d");
    grow_c::<BeRec>("big_endian_records");
}

#[test]
fn fortran_order_grows_along_the_last_axis() {
    // (3, n) in Fortran order: a row is a column of three.
    let whole = fixture("fortran_f8.whole.npy");
    let m: Vec<Vec<f64>> = serde_npy::from_slice(&whole).unwrap();
    let cols: Vec<[f64; 3]> = (0..m[0].len())
        .map(|j| [m[0][j], m[1][j], m[2][j]])
        .collect();
    grow("fortran_f8", &cols, 2);

    // (2, 3, n): a row is a 2 x 3 block, given in logical order and stored
    // column-major.
    let whole = fixture("fortran_i2_3d.whole.npy");
    let m: Vec<Vec<Vec<i16>>> = serde_npy::from_slice(&whole).unwrap();
    let blocks: Vec<[[i16; 3]; 2]> = (0..m[0][0].len())
        .map(|k| {
            let mut b = [[0i16; 3]; 2];
            for (a, row) in b.iter_mut().enumerate() {
                for (c, x) in row.iter_mut().enumerate() {
                    *x = m[a][c][k];
                }
            }
            b
        })
        .collect();
    grow("fortran_i2_3d", &blocks, 2);

    let mut app = Appender::open(Cursor::new(fixture("fortran_i2_3d.npy"))).unwrap();
    assert!(app.fortran_order());
    assert_eq!(app.row_shape(), Some(&[2, 3][..]));
    let err = app.append(&[[1i16, 2], [3, 4], [5, 6]]).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::RowMismatch { .. }), "{err}");
}

#[test]
fn a_torn_tail_is_overwritten_and_cut() {
    let torn = fixture("torn.npy");
    let whole = fixture("torn.whole.npy");
    assert_eq!(torn.len(), whole.len() - 4 + 10);
    let mut app = Appender::open(Cursor::new(torn.clone())).unwrap();
    assert_eq!(app.len(), 4);
    app.append(&4.25f32).unwrap();
    let grown = app.finish().unwrap().into_inner();
    assert!(grown == whole);
    for_numpy("torn", &grown, Some(&whole), true);

    // The tail is never read as rows, even before an append; a flush cuts it.
    let app = Appender::open(Cursor::new(torn.clone())).unwrap();
    let flushed = app.finish().unwrap().into_inner();
    assert_eq!(flushed[..], torn[..whole.len() - 4]);

    // The same through a real file.
    let path = temp_path("torn");
    std::fs::write(&path, &torn).unwrap();
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    let mut app = Appender::open(file).unwrap();
    app.append(&4.25f32).unwrap();
    app.finish().unwrap();
    assert!(std::fs::read(&path).unwrap() == whole);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn old_headers_with_room_become_np_save_headers() {
    let rows: Vec<f32> = serde_npy::from_slice(&fixture("legacy_room.whole.npy")).unwrap();
    grow("legacy_room", &rows, 3);
    // Opened and finished without a row, the header is already np.save's.
    let app = Appender::open(Cursor::new(fixture("legacy_room.npy"))).unwrap();
    let same = app.finish().unwrap().into_inner();
    assert_eq!(&same[..], &serde_npy::to_vec(&rows[..3]).unwrap()[..]);
}

#[test]
fn longer_headers_keep_their_length() {
    let whole = fixture("long_header.whole.npy");
    let rows: Vec<u16> = serde_npy::from_slice(&whole).unwrap();
    let mut app = Appender::open(Cursor::new(fixture("long_header.npy"))).unwrap();
    app.extend(&rows[3..]).unwrap();
    let grown = app.finish().unwrap().into_inner();
    assert!(grown == whole);
    assert_eq!(Header::from_slice(&grown).unwrap().data_offset, 256);
    for_numpy(
        "long_header",
        &grown,
        Some(&fixture("long_header.whole.npy")),
        false,
    );
}

#[test]
fn no_growth_room_is_refused_untouched_and_copied() {
    for (name, n0) in [("noroom_16", 3usize), ("noroom_records", 3)] {
        let old = fixture(&format!("{name}.npy"));
        let whole = fixture(&format!("{name}.whole.npy"));
        let mut file = Cursor::new(old.clone());
        let err = Appender::open(&mut file).err().unwrap();
        match err.kind() {
            ErrorKind::NoGrowthRoom {
                data_offset,
                needed,
            } => assert!(needed > data_offset, "{err}"),
            other => panic!("{name}: {other:?}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains("open_copy") && msg.contains("np.save"),
            "{msg}"
        );
        assert!(file.into_inner() == old, "{name}: the file was touched");

        let rows: Vec<serde_json::Value> = serde_npy::from_slice(&whole).unwrap();
        let mut app = Appender::open_copy(&old[..], Cursor::new(Vec::new())).unwrap();
        assert_eq!(app.len(), n0);
        // The copy is complete at once.
        assert_eq!(shape(app.get_ref().get_ref()), [n0]);
        for row in &rows[n0..] {
            match name {
                "noroom_16" => app.append(&(row.as_f64().unwrap() as f32)).unwrap(),
                _ => {
                    let r: (f64, f64, f64, f64) = serde_json::from_value(serde_json::json!([
                        row["a"], row["b"], row["c"], row["d"]
                    ]))
                    .unwrap();
                    #[derive(Serialize)]
                    struct R4 {
                        a: f64,
                        b: f64,
                        c: f64,
                        d: f64,
                    }
                    app.append(&R4 {
                        a: r.0,
                        b: r.1,
                        c: r.2,
                        d: r.3,
                    })
                    .unwrap()
                }
            }
        }
        let grown = app.finish().unwrap().into_inner();
        assert!(grown == whole, "{name}");
        for_numpy(name, &grown, Some(&whole), true);
    }
}

#[test]
fn zero_d_and_non_empty_files_are_refused() {
    let zero_d = fixture("zero_d.npy");
    let err = Appender::open(Cursor::new(zero_d.clone())).err().unwrap();
    assert!(
        matches!(err.kind(), ErrorKind::NotAppendable { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("0-d"), "{err}");

    let mut file = Cursor::new(zero_d.clone());
    let err = Appender::create(&mut file).err().unwrap();
    assert!(err.to_string().contains("not empty"), "{err}");
    assert!(file.into_inner() == zero_d);

    // A file cut inside its counted rows cannot be continued.
    let mut short = fixture("c_f4.npy");
    short.truncate(short.len() - 2);
    let err = Appender::open(Cursor::new(short)).err().unwrap();
    assert!(matches!(err.kind(), ErrorKind::DataLength { .. }), "{err}");

    // Options that state the rows guard against the wrong file.
    let err = AppendOptions::new()
        .dtype("<f8".parse().unwrap())
        .open(Cursor::new(fixture("c_f4.npy")))
        .err()
        .unwrap();
    assert!(
        matches!(err.kind(), ErrorKind::NotAppendable { .. }),
        "{err}"
    );
    let ok = AppendOptions::new()
        .dtype("<i4".parse().unwrap())
        .row_shape(vec![3])
        .open(Cursor::new(fixture("c_i4_rows.npy")));
    assert!(ok.is_ok());
}

// ---------------------------------------------------------------------------
// New files

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone, Default)]
struct Point {
    x: f32,
    y: f32,
    id: u32,
}

fn points(n: usize) -> Vec<Point> {
    (0..n)
        .map(|i| Point {
            x: i as f32,
            y: -(i as f32) / 2.0,
            id: i as u32 * 3,
        })
        .collect()
}

/// Appends `rows` to a new file with each buffer size, flushing every
/// `flush_every` rows, and checks the result against `to_vec(rows)`.
fn create_matches_to_vec<T: Serialize>(name: &str, rows: &[T]) {
    let expected = serde_npy::to_vec(rows).unwrap();
    for buffer in [1usize, 7, 64, 1 << 16] {
        for flush_every in [1usize, 5, usize::MAX] {
            let mut app = AppendOptions::new()
                .buffer_size(buffer)
                .create(Cursor::new(Vec::new()))
                .unwrap();
            for (i, row) in rows.iter().enumerate() {
                app.append(row).unwrap();
                if (i + 1) % flush_every == 0 {
                    app.flush().unwrap();
                    let now = app.get_ref().get_ref();
                    assert!(
                        *now == serde_npy::to_vec(&rows[..=i]).unwrap(),
                        "{name}: after {} rows",
                        i + 1
                    );
                }
            }
            let out = app.finish().unwrap().into_inner();
            assert!(
                out == expected,
                "{name}: buffer {buffer}, flush every {flush_every}"
            );
        }
    }
    for_numpy(&format!("new_{name}"), &expected, None, true);
}

#[test]
fn new_files_equal_to_vec_of_all_rows() {
    create_matches_to_vec(
        "f32",
        &(0..1000).map(|i| i as f32 * 0.5).collect::<Vec<_>>(),
    );
    create_matches_to_vec("u8_rows", &[[1u8, 2, 3], [4, 5, 6]]);
    create_matches_to_vec("points", &points(50));
    create_matches_to_vec("strings", &["one", "two", "six"]);
    create_matches_to_vec(
        "nested",
        &[Nested {
            t: -5,
            p: P { a: 0.5, b: 7 },
            ok: true,
        }],
    );
    create_matches_to_vec("f16", &[f16::from_f32(1.5), f16::from_f32(-2.0)]);
    create_matches_to_vec(
        "complex",
        &[
            Complex {
                re: 1.0f32,
                im: 2.0,
            },
            Complex { re: -1.0, im: 0.0 },
        ],
    );

    // No row at all: what `to_vec` writes for an empty Vec (np.array([])).
    let empty = Appender::create(Cursor::new(Vec::new()))
        .unwrap()
        .finish()
        .unwrap()
        .into_inner();
    assert_eq!(empty, serde_npy::to_vec(&Vec::<f32>::new()).unwrap());
    // With a stated row type: what `typed` writes for an empty slice.
    let (dtype, row) = {
        let h = Header::from_slice(&serde_npy::typed::to_vec::<[Point; 2]>(&[]).unwrap()).unwrap();
        (h.dtype, h.shape[1..].to_vec())
    };
    let empty = AppendOptions::new()
        .dtype(dtype)
        .row_shape(row)
        .create(Cursor::new(Vec::new()))
        .unwrap()
        .finish()
        .unwrap()
        .into_inner();
    assert_eq!(empty, serde_npy::typed::to_vec::<[Point; 2]>(&[]).unwrap());
}

#[test]
fn the_file_is_a_complete_npy_from_create_on() {
    // Before the first row: an empty '<f8' array.
    let app = Appender::create(Cursor::new(Vec::new())).unwrap();
    assert_eq!(
        *app.get_ref().get_ref(),
        serde_npy::to_vec(&Vec::<f64>::new()).unwrap()
    );
    assert_eq!(app.dtype(), None);
    drop(app);

    // The first row fixes a longer header; rows spilled before the first
    // flush lie past the placeholder, which still loads as an empty array.
    let mut app = AppendOptions::new()
        .buffer_size(1)
        .create(Cursor::new(Vec::new()))
        .unwrap();
    let long_names = LongNames {
        a_rather_long_field_name: 1.0,
        another_rather_long_field_name: 2,
        and_a_third_one_to_cross_128: 3,
    };
    app.append(&long_names).unwrap();
    let now = app.get_ref().get_ref().clone();
    assert_eq!(shape(&now), [0]);
    app.flush().unwrap();
    let now = app.get_ref().get_ref();
    assert_eq!(*now, serde_npy::to_vec(&[long_names]).unwrap());
    assert!(Header::from_slice(now).unwrap().data_offset > 128);
}

#[derive(Serialize, Debug, PartialEq, Clone)]
struct LongNames {
    a_rather_long_field_name: f64,
    another_rather_long_field_name: u8,
    and_a_third_one_to_cross_128: i16,
}

#[test]
fn dropping_flushes_and_sync_orders_data_before_header() {
    let mut bytes = Vec::new();
    {
        let mut app = Appender::create(Cursor::new(&mut bytes)).unwrap();
        app.extend(points(3)).unwrap();
    }
    assert_eq!(bytes, serde_npy::to_vec(&points(3)).unwrap());

    let path = temp_path("sync");
    let file = File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .unwrap();
    let mut app = AppendOptions::new().sync(true).create(file).unwrap();
    app.extend(points(10)).unwrap();
    app.finish().unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        serde_npy::to_vec(&points(10)).unwrap()
    );
    // Reopened through a real file and grown again.
    let file = File::options().read(true).write(true).open(&path).unwrap();
    let mut app = Appender::open(file).unwrap();
    app.extend(&points(12)[10..]).unwrap();
    app.finish().unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        serde_npy::to_vec(&points(12)).unwrap()
    );
    std::fs::remove_file(&path).unwrap();
}

// ---------------------------------------------------------------------------
// Rows that do not fit

/// `append(row)` fails with a `RowMismatch` at `index` whose message holds
/// every one of `words`, and the appender and its file are as they were.
fn refused<T: Serialize + ?Sized>(app: &mut Appender<Cursor<Vec<u8>>>, row: &T, words: &[&str]) {
    app.flush().unwrap();
    let before = app.get_ref().get_ref().clone();
    let len = app.len();
    let err = app.append(row).unwrap_err();
    match err.kind() {
        ErrorKind::RowMismatch { index, .. } => assert_eq!(*index, len as u64),
        other => panic!("{other:?}: {err}"),
    }
    let msg = err.to_string();
    for w in words {
        assert!(msg.contains(w), "{msg:?} lacks {w:?}");
    }
    assert_eq!(app.len(), len);
    assert!(
        *app.get_ref().get_ref() == before,
        "{msg}: the file changed"
    );
    app.flush().unwrap();
    assert!(
        *app.get_ref().get_ref() == before,
        "{msg}: the flushed file changed"
    );
}

#[test]
fn wrong_rows_are_errors_and_change_nothing() {
    let mut app = Appender::create(Cursor::new(Vec::new())).unwrap();
    app.append(&1.5f32).unwrap();
    refused(&mut app, &1.5f64, &["row 1", "expected '<f4', found '<f8'"]);
    refused(&mut app, &7i32, &["'<i4'"]);
    refused(&mut app, &[1.0f32, 2.0], &["shape (2,) of '<f4'"]);
    refused(&mut app, "text", &["'<U4'"]);
    app.append(&2.5f32).unwrap();
    assert_eq!(
        app.finish().unwrap().into_inner(),
        serde_npy::to_vec(&[1.5f32, 2.5]).unwrap()
    );

    let mut app = Appender::open(Cursor::new(fixture("c_i4_rows.npy"))).unwrap();
    refused(
        &mut app,
        &[1i32, 2, 3, 4],
        &["expected shape (3,) of '<i4', found shape (4,) of '<i4'"],
    );
    refused(&mut app, &[1i64, 2, 3], &["'<i8'"]);
    refused(&mut app, &vec![vec![1i32, 2, 3]], &["shape (1, 3)"]);

    // Strings must fit the file's width: U5 and S4.
    let mut app = Appender::open(Cursor::new(fixture("str_u.npy"))).unwrap();
    app.append("fives").unwrap();
    refused(
        &mut app,
        "sixsix",
        &["expected '<U5', found '<U6'", "strings must fit"],
    );
    let mut app = Appender::open(Cursor::new(fixture("bytes_s.npy"))).unwrap();
    app.append(&ByteBuf::from(b"four".to_vec())).unwrap();
    refused(&mut app, &ByteBuf::from(b"fives".to_vec()), &["'|S5'"]);

    // Records: the same fields, in order, of the same types.
    let mut app = Appender::open(Cursor::new(fixture("records.npy"))).unwrap();
    #[derive(Serialize)]
    struct Swapped {
        id: u32,
        x: f32,
        pos: [f64; 2],
        name: String,
    }
    refused(
        &mut app,
        &Swapped {
            id: 1,
            x: 0.0,
            pos: [0.0; 2],
            name: "a".into(),
        },
        &["('id', '<u4'), ('x', '<f4')"],
    );
    let long = Rec {
        x: 1.0,
        id: 2,
        pos: [3.0, 4.0],
        name: "sevenss".into(),
    };
    refused(&mut app, &long, &["('name', '<U7')"]);
    refused(&mut app, &(1.0f32, 2u32), &["found"]);

    // A row that cannot be stored at all keeps its own error, with its index.
    let mut app = Appender::create(Cursor::new(Vec::new())).unwrap();
    let err = app.append(&Some(1u8)).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Unsupported { .. }), "{err}");
    assert_eq!(err.path().as_deref(), Some("[0]"));
    assert_eq!(app.dtype(), None);
    app.append(&3u8).unwrap();
    let err = app.append(&Some(1u8)).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Unsupported { .. }), "{err}");
    assert_eq!(err.path().as_deref(), Some("[1]"));
}

#[test]
fn extend_is_all_or_nothing() {
    for buffer in [1usize, 3, 40, 1 << 16] {
        let mut app = AppendOptions::new()
            .buffer_size(buffer)
            .create(Cursor::new(Vec::new()))
            .unwrap();
        app.extend(points(5)).unwrap();
        #[derive(Serialize)]
        #[serde(untagged)]
        enum Row {
            Good(Point),
            Bad(u8),
        }
        let batch: Vec<Row> = points(12)[5..]
            .iter()
            .cloned()
            .map(Row::Good)
            .chain([Row::Bad(1)])
            .collect();
        let err = app.extend(&batch).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::RowMismatch { index: 12, .. }),
            "{err}"
        );
        assert_eq!(app.len(), 5);
        app.extend(&points(7)[5..]).unwrap();
        let out = app.finish().unwrap().into_inner();
        assert!(
            out == serde_npy::to_vec(&points(7)).unwrap(),
            "buffer {buffer}"
        );
    }

    // A failed first batch of a new file leaves it without a row type.
    let mut app = AppendOptions::new()
        .buffer_size(1)
        .create(Cursor::new(Vec::new()))
        .unwrap();
    let err = app.extend([vec![1u8], vec![2, 3]]).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::RowMismatch { index: 1, .. }),
        "{err}"
    );
    assert_eq!((app.len(), app.dtype()), (0, None));
    app.extend(["text"]).unwrap();
    assert_eq!(
        app.finish().unwrap().into_inner(),
        serde_npy::to_vec(&["text"]).unwrap()
    );
}

#[test]
fn options_fix_the_row_type_up_front() {
    let dtype: Dtype = "[('t', '<f8'), ('msg', '<U16')]".parse().unwrap();
    let mut app = AppendOptions::new()
        .dtype(dtype.clone())
        .create(Cursor::new(Vec::new()))
        .unwrap();
    app.append(&(0.5f64, "start")).unwrap();
    app.append(&(1.5f64, "sixteen chars!!!")).unwrap();
    let err = app.append(&(2.5f64, "seventeen chars!!")).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::RowMismatch { .. }), "{err}");
    let out = app.finish().unwrap().into_inner();
    let h = Header::from_slice(&out).unwrap();
    assert_eq!((h.dtype, h.shape), (dtype, vec![2]));
    let back: Vec<(f64, String)> = serde_npy::from_slice(&out).unwrap();
    assert_eq!(back[1], (1.5, "sixteen chars!!!".to_string()));
    for_numpy("options_u16", &out, None, true);
}

#[test]
fn appending_allocates_nothing_per_row() {
    let mut app = AppendOptions::new()
        .create(Cursor::new(Vec::with_capacity(8 << 20)))
        .unwrap();
    app.append(&0.0f32).unwrap();
    let before = allocations();
    for i in 1..200_000 {
        app.append(&(i as f32)).unwrap();
    }
    assert_eq!(allocations() - before, 0, "f32 rows");

    let dtype: Dtype = "[('x', '<f4'), ('y', '<f4'), ('id', '<u4'), ('tag', '<U8')]"
        .parse()
        .unwrap();
    let mut app = AppendOptions::new()
        .dtype(dtype)
        .create(Cursor::new(Vec::with_capacity(16 << 20)))
        .unwrap();
    #[derive(Serialize)]
    struct Tagged<'a> {
        x: f32,
        y: f32,
        id: u32,
        tag: &'a str,
    }
    let row = |i: usize| Tagged {
        x: i as f32,
        y: 1.0,
        id: i as u32,
        tag: "abc",
    };
    app.append(&row(0)).unwrap();
    let before = allocations();
    for i in 1..100_000 {
        app.append(&row(i)).unwrap();
    }
    assert_eq!(allocations() - before, 0, "records");
}

// ---------------------------------------------------------------------------
// The crash test

const CHILD_FILE: &str = "SERDE_NPY_APPEND_CHILD_FILE";
const CHILD_SEED: &str = "SERDE_NPY_APPEND_CHILD_SEED";
/// The parent starts a new file once one holds this many rows.
const NEW_FILE_AFTER: usize = 100_000;
/// Bytes of one `CrashRow` in the file.
const ROW_BYTES: usize = 8 + 8 + 2 * 4 + 6 * 4;

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct CrashRow {
    i: u64,
    x: f64,
    v: [f32; 2],
    tag: String,
}

impl CrashRow {
    fn new(i: usize) -> CrashRow {
        CrashRow {
            i: i as u64,
            x: i as f64 * 0.25,
            v: [i as f32, -(i as f32)],
            tag: format!("r{}", i % 100_000),
        }
    }
}

fn crash_dtype() -> Dtype {
    "[('i', '<u8'), ('x', '<f8'), ('v', '<f4', (2,)), ('tag', '<U6')]"
        .parse()
        .unwrap()
}

/// The child's side of `killed_at_random_moments`: appends rows and flushes
/// in batches, printing `flushed N` after each flush returns, until killed.
/// Does nothing unless the parent set the environment.
#[test]
fn crash_child() {
    let (Some(path), Some(seed)) = (std::env::var_os(CHILD_FILE), std::env::var_os(CHILD_SEED))
    else {
        return;
    };
    let seed: u64 = seed.to_str().unwrap().parse().unwrap();
    let mut rng = Rng(seed);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .unwrap();
    let empty = file.metadata().unwrap().len() == 0;
    let mut app = if empty {
        AppendOptions::new()
            .dtype(crash_dtype())
            .create(file)
            .unwrap()
    } else {
        Appender::open(file).unwrap()
    };
    let mut out = std::io::stdout();
    loop {
        // Mostly small batches; now and then one of several buffers (64 KiB
        // holds 1365 rows), so that kills land inside the writing of rows too.
        let batch = if rng.chance(10) {
            1_000 + rng.below(5_000)
        } else {
            1 + rng.below(64)
        };
        for _ in 0..batch {
            let i = app.len();
            app.append(&CrashRow::new(i)).unwrap();
        }
        app.flush().unwrap();
        writeln!(out, "flushed {}", app.len()).unwrap();
        out.flush().unwrap();
    }
}

/// The data bytes of rows `0..n`, as `to_vec` writes them in one piece.
struct ExpectedRows(Vec<u8>);

impl ExpectedRows {
    fn get(&mut self, n: usize) -> &[u8] {
        if self.0.len() < n * ROW_BYTES {
            let rows: Vec<CrashRow> = (0..(2 * n).max(NEW_FILE_AFTER))
                .map(CrashRow::new)
                .collect();
            let file = serde_npy::to_vec(&rows).unwrap();
            let header = Header::from_slice(&file).unwrap();
            assert_eq!(header.dtype, crash_dtype());
            self.0 = file[header.data_offset..].to_vec();
        }
        &self.0[..n * ROW_BYTES]
    }
}

/// Checks the file a killed child left: a complete `.npy` (or nothing, if
/// no flush was ever seen), holding rows `0..n` for some `n >= flushed`.
/// Returns `n` and whether bytes follow the rows (a torn append).
fn check_leftover(bytes: &[u8], flushed: usize, expected: &mut ExpectedRows) -> (usize, bool) {
    if bytes.is_empty() {
        assert_eq!(flushed, 0, "the file is empty after a flush");
        return (0, false);
    }
    let header = Header::from_slice(bytes).unwrap_or_else(|e| panic!("header: {e}"));
    assert_eq!(header.dtype, crash_dtype());
    let n = header.shape[0];
    assert!(n >= flushed, "{n} rows, but {flushed} were flushed");
    let data = &bytes[header.data_offset..];
    assert!(data.len() >= n * ROW_BYTES, "rows missing");
    assert!(data[..n * ROW_BYTES] == *expected.get(n), "the rows differ");
    (n, data.len() > n * ROW_BYTES)
}

/// Reads the rows back through serde and checks every value.
fn check_values(bytes: &[u8], n: usize) {
    let rows: Vec<CrashRow> = serde_npy::from_slice(bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rows.len(), n);
    for (i, row) in rows.iter().enumerate() {
        assert!(*row == CrashRow::new(i), "row {i}: {row:?}");
    }
}

fn temp_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("append");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}-{}.npy", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn killed_at_random_moments() {
    const RUNS: usize = 50;
    let path = temp_path("crash");
    let exe = std::env::current_exe().unwrap();
    let mut rng = Rng(0x5eed_0fc4);
    let mut expected = ExpectedRows(Vec::new());
    let (mut flushed, mut rows) = (0usize, 0usize);
    let (mut torn, mut files, mut before_first_flush) = (0usize, 1usize, 0usize);
    for run in 0..RUNS {
        let mut child = Command::new(&exe)
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env(CHILD_FILE, &path)
            .env(CHILD_SEED, (rng.next() | 1).to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            stdout.read_to_string(&mut s).unwrap();
            s
        });
        // From the first milliseconds of the child (creating or opening the
        // file) to well into its appending.
        let wait = if rng.chance(15) {
            rng.below(3_000)
        } else {
            3_000 + rng.below(30_000)
        };
        std::thread::sleep(Duration::from_micros(wait as u64));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        assert!(!status.success(), "run {run}: the child ended by itself");
        let out = reader.join().unwrap();
        let mut flushes = 0;
        for line in out.lines() {
            if let Some(n) = line.strip_prefix("flushed ") {
                flushed = flushed.max(n.parse().unwrap());
                flushes += 1;
            }
        }
        before_first_flush += usize::from(flushes == 0);
        let bytes = std::fs::read(&path).unwrap_or_default();
        let (n, tail) = check_leftover(&bytes, flushed, &mut expected);
        torn += usize::from(tail);
        if run % 10 == 9 {
            check_values(&bytes, n);
        }
        rows = n;
        if rows >= NEW_FILE_AFTER && run + 1 < RUNS {
            // Start over, so that files stay small and `create` is killed too.
            std::fs::remove_file(&path).unwrap();
            (flushed, files) = (0, files + 1);
        }
    }
    eprintln!(
        "{RUNS} kills over {files} files: {torn} left a torn tail, {before_first_flush} came before any flush; the last file holds {rows} rows, {flushed} seen flushed"
    );
    assert!(
        torn > 0,
        "no kill landed between writing rows and counting them"
    );

    // NumPy checks the last leftover as it is (check_append.py: a prefix of
    // the rows, at least `flushed`)...
    let leftover = std::fs::read(&path).unwrap_or_default();
    let dir = interop_dir();
    std::fs::write(dir.join("crash_leftover.npy"), &leftover).unwrap();
    let side = serde_json::json!({ "crash": { "min_rows": flushed } });
    std::fs::write(dir.join("crash_leftover.json"), side.to_string()).unwrap();

    // ...and continued and finished, byte for byte np.save's.
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .unwrap();
    let mut app = if leftover.is_empty() {
        AppendOptions::new()
            .dtype(crash_dtype())
            .create(file)
            .unwrap()
    } else {
        Appender::open(file).unwrap()
    };
    let n = app.len();
    for i in n..n + 10 {
        app.append(&CrashRow::new(i)).unwrap();
    }
    app.finish().unwrap();
    let done = std::fs::read(&path).unwrap();
    assert_eq!(
        check_leftover(&done, n + 10, &mut expected),
        (n + 10, false)
    );
    check_values(&done, n + 10);
    let mut whole = Header::new(crash_dtype(), vec![n + 10], false).to_bytes();
    whole.extend_from_slice(expected.get(n + 10));
    assert!(done == whole, "the finished file is not np.save's bytes");
    std::fs::write(dir.join("crash_finished.npy"), &done).unwrap();
    let side = serde_json::json!({ "crash": { "min_rows": n + 10 }, "np_save": true });
    std::fs::write(dir.join("crash_finished.json"), side.to_string()).unwrap();
    std::fs::remove_file(&path).unwrap();
}

// ---------------------------------------------------------------------------
// Whole slices and failing writes

#[test]
fn extend_copies_slices_whole_with_the_same_bytes() {
    let floats: Vec<f32> = (0..10_000).map(|i| i as f32 / 3.0).collect();
    let rows: Vec<[u16; 3]> = (0..5_000u16).map(|i| [i, i ^ 0x55, !i]).collect();
    for buffer in [1usize, 100, 4096, 1 << 16] {
        // Into a new file (the first row fixes the layout), after rows
        // appended one by one (the buffer partly full), and in two pieces.
        let mut app = AppendOptions::new()
            .buffer_size(buffer)
            .create(Cursor::new(Vec::new()))
            .unwrap();
        app.extend(&floats[..1234]).unwrap();
        for x in &floats[1234..1300] {
            app.append(x).unwrap();
        }
        app.extend(&floats[1300..]).unwrap();
        assert_eq!(app.len(), floats.len());
        let out = app.finish().unwrap().into_inner();
        assert!(
            out == serde_npy::to_vec(&floats).unwrap(),
            "buffer {buffer}"
        );

        let mut app = AppendOptions::new()
            .buffer_size(buffer)
            .create(Cursor::new(Vec::new()))
            .unwrap();
        app.append(&rows[0]).unwrap();
        app.extend(&rows[1..]).unwrap();
        let out = app.finish().unwrap().into_inner();
        assert!(out == serde_npy::to_vec(&rows).unwrap(), "buffer {buffer}");
    }
    // A slice of another layout is refused whole, by the row that differs.
    let mut app = Appender::create(Cursor::new(Vec::new())).unwrap();
    app.extend(&floats[..10]).unwrap();
    let wrong = [1.0f64, 2.0];
    let err = app.extend(wrong.iter()).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::RowMismatch { index: 10, .. }),
        "{err}"
    );
    assert_eq!(app.len(), 10);
}

/// A file in memory whose writes fail while `fail` is set, after writing
/// half of what they were given (a torn write).
struct Flaky {
    inner: Cursor<Vec<u8>>,
    fail: std::rc::Rc<Cell<bool>>,
}

impl Read for Flaky {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

impl Write for Flaky {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.fail.get() {
            let half = buf.len() / 2;
            self.inner.write_all(&buf[..half])?;
            return Err(std::io::Error::new(std::io::ErrorKind::Other, "disk full"));
        }
        self.inner.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl std::io::Seek for Flaky {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(to)
    }
}

impl serde_npy::AppendFile for Flaky {
    fn set_len(&mut self, len: u64) -> std::io::Result<()> {
        serde_npy::AppendFile::set_len(&mut self.inner, len)
    }
}

#[test]
fn failed_writes_append_nothing_and_a_retry_completes_the_file() {
    let fail = std::rc::Rc::new(Cell::new(false));
    let file = Flaky {
        inner: Cursor::new(Vec::new()),
        fail: fail.clone(),
    };
    let all = points(40);
    let mut app = AppendOptions::new().buffer_size(30).create(file).unwrap();
    let mut kept = Vec::new();
    for (i, p) in all.iter().enumerate() {
        fail.set(i % 7 == 3);
        let len = app.len();
        match app.append(p) {
            Ok(()) => kept.push(p.clone()),
            Err(e) => {
                assert!(matches!(e.kind(), ErrorKind::Io(_)), "{e}");
                assert_eq!(app.len(), len);
            }
        }
        if i % 5 == 4 {
            // A failed flush leaves the header as it was; the next one writes it.
            let _ = app.flush();
        }
    }
    // A failed extend appends none of its rows.
    fail.set(true);
    let len = app.len();
    assert!(app.extend(points(400).iter()).is_err());
    assert_eq!(app.len(), len);
    fail.set(false);
    let out = app.finish().unwrap().inner.into_inner();
    assert!(kept.len() < all.len() && kept.len() > 20, "{}", kept.len());
    assert!(out == serde_npy::to_vec(&kept).unwrap());
}

#[test]
fn a_file_in_append_mode_is_refused_at_the_first_header() {
    let path = temp_path("append-mode");
    std::fs::write(&path, fixture("c_f4.npy")).unwrap();
    let file = OpenOptions::new()
        .read(true)
        .append(true)
        .open(&path)
        .unwrap();
    let mut app = Appender::open(file).unwrap();
    app.append(&1.5f32).unwrap();
    let err = app.flush().unwrap_err();
    assert!(err.to_string().contains("append mode"), "{err}");
    drop(app);
    // The header still counts the rows it did; what follows them is ignored.
    let rows: Vec<f32> = serde_npy::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        rows,
        serde_npy::from_slice::<Vec<f32>>(&fixture("c_f4.npy")).unwrap()
    );
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn rows_of_no_bytes_are_counted() {
    create_matches_to_vec(
        "zero_size_rows",
        &[Vec::<f32>::new(), Vec::new(), Vec::new()],
    );
    let rows: Vec<ByteBuf> = vec![ByteBuf::new(); 4];
    let mut app = AppendOptions::new()
        .dtype("|S0".parse().unwrap())
        .create(Cursor::new(Vec::new()))
        .unwrap();
    app.extend(&rows).unwrap();
    let out = app.finish().unwrap().into_inner();
    assert_eq!(shape(&out), [4]);
    for_numpy("s0_rows", &out, None, true);
}

#[test]
fn a_header_claiming_huge_rows_costs_no_memory() {
    // Rows of 2^60 - 1 float64 each, and none of them in the file (2^60
    // would be past int64 bytes, which NumPy and the reader refuse).
    let text = "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 1152921504606846975), }";
    let mut file = b"\x93NUMPY\x01\x00".to_vec();
    file.extend_from_slice(&(246u16).to_le_bytes());
    file.extend_from_slice(text.as_bytes());
    file.resize(255, b' ');
    file.push(b'\n');
    let mut app = Appender::open(Cursor::new(file)).unwrap();
    assert_eq!(app.row_shape(), Some(&[(1usize << 60) - 1][..]));
    let err = app.append(&[1.0f64, 2.0]).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::RowMismatch { index: 0, .. }),
        "{err}"
    );
    assert_eq!(app.len(), 0);
}
