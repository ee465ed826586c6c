//! `serde_npy::pod`: records copied as bytes must give exactly what serde
//! gives record by record, and the copy must only happen when that is
//! certain.
#![cfg(feature = "bytemuck")]

mod common;

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt::Debug;

use bytemuck::{Pod, Zeroable};
use serde::de::DeserializeOwned;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};
use serde_npy::{Dtype, Header};

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, Serialize, Deserialize)]
struct Point {
    x: f32,
    y: f32,
    z: f32,
    id: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, Serialize, Deserialize)]
struct Inner {
    a: i16,
    b: u16,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, Serialize, Deserialize)]
struct Nested {
    t: f64,
    pos: [f32; 3],
    inner: Inner,
    flags: [[u8; 2]; 2],
    count: u32,
}

fn points(n: usize) -> Vec<Point> {
    (0..n)
        .map(|i| Point {
            x: i as f32 * 0.5,
            y: -(i as f32),
            z: f32::from_bits(0x7fc0_0001 + i as u32), // NaN payloads survive
            id: i as u32 * 7,
        })
        .collect()
}

fn nested(n: usize) -> Vec<Nested> {
    (0..n)
        .map(|i| Nested {
            t: i as f64 / 3.0,
            pos: [i as f32, 1.0, -2.5],
            inner: Inner {
                a: -(i as i16),
                b: i as u16,
            },
            flags: [[i as u8, 1], [2, 3]],
            count: i as u32,
        })
        .collect()
}

/// Bit-level equality, so that NaN payloads compare.
fn same_bytes<T: Pod>(a: &[T], b: &[T]) -> bool {
    bytemuck::cast_slice::<T, u8>(a) == bytemuck::cast_slice::<T, u8>(b)
}

/// Everything `pod` writes and reads must equal the serde path's result.
fn same_as_serde<T>(records: Vec<T>)
where
    T: Pod + Serialize + DeserializeOwned + Debug,
{
    let by_serde = serde_npy::to_vec(&records).unwrap();
    let by_pod = serde_npy::pod::to_vec(&records).unwrap();
    assert_eq!(by_pod, by_serde);
    let mut streamed = Vec::new();
    serde_npy::pod::to_writer(&mut streamed, &records).unwrap();
    assert_eq!(streamed, by_serde);

    let back: Vec<T> = serde_npy::pod::from_slice(&by_pod).unwrap();
    assert!(same_bytes(&back, &records));
    let through_serde: Vec<T> = serde_npy::from_slice(&by_pod).unwrap();
    assert!(same_bytes(&through_serde, &records));
    let streamed: Vec<T> = serde_npy::pod::from_reader(&by_pod[..]).unwrap();
    assert!(same_bytes(&streamed, &records));
}

#[test]
fn plain_types_are_copied_and_others_are_not() {
    assert!(serde_npy::pod::copies::<Point>());
    assert!(serde_npy::pod::copies::<Nested>());
    assert!(serde_npy::pod::copies::<[[i8; 2]; 2]>());
    assert!(serde_npy::pod::copies::<f64>());
    assert!(!serde_npy::pod::copies::<Swapped>());
    assert!(!serde_npy::pod::copies::<Skipping>());
    assert!(!serde_npy::pod::copies::<Transformed>());
    assert!(!serde_npy::pod::copies::<Wide>());
    // Its zeroed value serializes as its bytes: only the records tell.
    assert!(serde_npy::pod::copies::<InPlace>());
}

#[test]
fn records_rows_and_numbers_match_serde() {
    same_as_serde(points(1));
    same_as_serde(points(1000));
    same_as_serde(nested(257));
    same_as_serde(vec![[1u16, 2, 3], [4, 5, 6]]);
    same_as_serde(vec![[[1i8, -2], [3, 4]]; 5]);
    same_as_serde(vec![0.25f64, -1.0, f64::INFINITY]);
    same_as_serde(vec![u64::MAX, 0, 1]);
}

thread_local! {
    static WALKS: Cell<usize> = const { Cell::new(0) };
}

/// Faithful hand-written `Serialize` and `Deserialize` that count their
/// calls.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
struct Counted {
    a: u32,
    b: f32,
}

#[derive(Deserialize)]
#[serde(rename = "Counted")]
struct CountedFields {
    a: u32,
    b: f32,
}

impl<'de> Deserialize<'de> for Counted {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        WALKS.with(|w| w.set(w.get() + 1));
        let CountedFields { a, b } = CountedFields::deserialize(d)?;
        Ok(Counted { a, b })
    }
}

impl Serialize for Counted {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        WALKS.with(|w| w.set(w.get() + 1));
        let mut st = s.serialize_struct("Counted", 2)?;
        st.serialize_field("a", &self.a)?;
        st.serialize_field("b", &self.b)?;
        st.end()
    }
}

fn walks<R>(f: impl FnOnce() -> R) -> (R, usize) {
    WALKS.with(|w| w.set(0));
    let r = f();
    (r, WALKS.with(Cell::get))
}

#[test]
fn records_are_copied_not_walked() {
    let records: Vec<Counted> = (0..10_000).map(|i| Counted { a: i, b: i as f32 }).collect();
    let (bytes, n) = walks(|| serde_npy::pod::to_vec(&records).unwrap());
    // A few walks to learn the type (planning a zeroed value, checking it),
    // then the first and last record: none per record.
    assert!(n <= 6, "walked {n} records");
    let (_, n) = walks(|| serde_npy::to_vec(&records).unwrap());
    assert!(n >= records.len(), "the serde path walks every record");

    // Reading walks the first and last record's `Serialize`, and never
    // runs `Deserialize`.
    let (back, n) = walks(|| serde_npy::pod::from_slice::<Counted>(&bytes).unwrap());
    assert_eq!(back, records);
    assert!(n <= 6, "walked {n} records");
    let (back, n) = walks(|| serde_npy::pod::from_reader::<_, Counted>(&bytes[..]).unwrap());
    assert_eq!(back, records);
    assert!(n <= 6, "walked {n} records");
    let (_, n) = walks(|| serde_npy::from_slice::<Vec<Counted>>(&bytes).unwrap());
    assert!(n >= records.len(), "the serde path reads every record");
}

#[test]
fn an_empty_slice_keeps_its_dtype() {
    let bytes = serde_npy::pod::to_vec::<Point>(&[]).unwrap();
    let header = Header::from_slice(&bytes).unwrap();
    assert_eq!(header.shape, [0]);
    assert_eq!(
        header.dtype,
        Header::from_slice(&serde_npy::to_vec(&points(1)).unwrap())
            .unwrap()
            .dtype
    );
    assert!(serde_npy::pod::from_slice::<Point>(&bytes)
        .unwrap()
        .is_empty());
}

/// Serializes `v` as its wrapping negation: same layout, other values.
fn negated<S: Serializer>(v: &u32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u32(v.wrapping_neg())
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, Serialize, Deserialize)]
struct Transformed {
    x: f32,
    #[serde(serialize_with = "negated")]
    id: u32,
}

/// Stored as itself, written negated: in place, but not its own bytes.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, Deserialize)]
struct Negated(u32);

impl Serialize for Negated {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.0.wrapping_neg())
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, Serialize, Deserialize)]
struct InPlace {
    x: f32,
    id: Negated,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, Deserialize)]
struct Swapped {
    x: f32,
    y: f32,
}

impl Serialize for Swapped {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Swapped", 2)?;
        st.serialize_field("y", &self.y)?;
        st.serialize_field("x", &self.x)?;
        st.end()
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, Serialize, Deserialize)]
struct Skipping {
    x: f32,
    #[serde(skip)]
    cache: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, Serialize, Deserialize)]
struct Wide {
    big: u128,
}

#[test]
fn records_that_are_not_their_bytes_go_through_serde() {
    // A `serialize_with` field is written from a temporary.
    let t = vec![Transformed { x: 1.0, id: 5 }, Transformed { x: 2.0, id: 0 }];
    assert_eq!(
        serde_npy::pod::to_vec(&t).unwrap(),
        serde_npy::to_vec(&t).unwrap()
    );
    let n = vec![
        InPlace {
            x: 1.0,
            id: Negated(5),
        },
        InPlace {
            x: 2.0,
            id: Negated(0),
        },
    ];
    let bytes = serde_npy::pod::to_vec(&n).unwrap();
    assert_eq!(bytes, serde_npy::to_vec(&n).unwrap());
    // Read back, the first record holds 5 but serializes as -5: serde reads
    // it, as `Negated(-5)`.
    let by_serde = serde_npy::from_slice::<Vec<InPlace>>(&bytes).unwrap();
    assert_eq!(by_serde[0].id, Negated(5u32.wrapping_neg()));
    assert_eq!(
        serde_npy::pod::from_slice::<InPlace>(&bytes).unwrap(),
        by_serde
    );
    assert_eq!(
        serde_npy::pod::from_reader::<_, InPlace>(&bytes[..]).unwrap(),
        by_serde
    );
    // Equal fields in the first and last record: only the order tells.
    let s = vec![
        Swapped { x: 1.0, y: 1.0 },
        Swapped { x: 1.0, y: 2.0 },
        Swapped { x: 3.0, y: 3.0 },
    ];
    let bytes = serde_npy::pod::to_vec(&s).unwrap();
    assert_eq!(bytes, serde_npy::to_vec(&s).unwrap());
    assert_eq!(serde_npy::pod::from_slice::<Swapped>(&bytes).unwrap(), s);
    let k = vec![Skipping { x: 1.0, cache: 9 }; 2];
    let bytes = serde_npy::pod::to_vec(&k).unwrap();
    assert_eq!(bytes, serde_npy::to_vec(&k).unwrap());
    assert_eq!(
        serde_npy::pod::from_slice::<Skipping>(&bytes).unwrap(),
        vec![Skipping { x: 1.0, cache: 0 }; 2]
    );
    // serde's error for a type the format cannot store, unchanged.
    let w = [Wide { big: 1 }];
    assert_eq!(
        serde_npy::pod::to_vec(&w).unwrap_err().to_string(),
        serde_npy::to_vec(&w).unwrap_err().to_string()
    );
}

/// A file with the given descr and shape, its data given as raw bytes.
fn npy(descr: &str, shape: Vec<usize>, fortran_order: bool, data: &[u8]) -> Vec<u8> {
    let dtype = Dtype::from_descr(descr).unwrap();
    let mut out = Header::new(dtype, shape, fortran_order).to_bytes();
    out.extend_from_slice(data);
    out
}

#[test]
fn other_files_are_read_through_serde() {
    let want = vec![
        Point {
            x: 1.0,
            y: 2.0,
            z: 3.0,
            id: 4,
        },
        Point {
            x: -1.0,
            y: -2.0,
            z: -3.0,
            id: 400,
        },
    ];
    let mut big = Vec::new();
    let mut reordered = Vec::new();
    let mut padded = Vec::new();
    for p in &want {
        for f in [p.x, p.y, p.z] {
            big.extend(f.to_be_bytes());
        }
        big.extend(p.id.to_be_bytes());
        reordered.extend(p.id.to_le_bytes());
        for f in [p.z, p.y, p.x] {
            reordered.extend(f.to_le_bytes());
        }
        padded.extend(bytemuck::bytes_of(p));
        padded.extend([0xAA; 4]);
    }
    let files = [
        npy(
            "[('x', '>f4'), ('y', '>f4'), ('z', '>f4'), ('id', '>u4')]",
            vec![2],
            false,
            &big,
        ),
        npy(
            "[('id', '<u4'), ('z', '<f4'), ('y', '<f4'), ('x', '<f4')]",
            vec![2],
            false,
            &reordered,
        ),
        npy(
            "[('x', '<f4'), ('y', '<f4'), ('z', '<f4'), ('id', '<u4'), ('', '|V4')]",
            vec![2],
            false,
            &padded,
        ),
    ];
    for file in &files {
        let view = serde_npy::pod::view::<Point>(file).unwrap();
        assert!(matches!(view, Cow::Owned(_)));
        assert_eq!(*view, want[..]);
        assert_eq!(
            serde_npy::pod::from_slice::<Point>(file).unwrap(),
            serde_npy::from_slice::<Vec<Point>>(file).unwrap()
        );
        assert_eq!(
            serde_npy::pod::from_reader::<_, Point>(&file[..]).unwrap(),
            want
        );
    }

    // Fortran order: rows are read transposed back into C order.
    let data: Vec<u8> = [1u16, 4, 2, 5, 3, 6]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let file = npy("'<u2'", vec![2, 3], true, &data);
    let rows = [[1u16, 2, 3], [4, 5, 6]];
    assert_eq!(serde_npy::pod::from_slice::<[u16; 3]>(&file).unwrap(), rows);
    assert_eq!(
        serde_npy::pod::from_reader::<_, [u16; 3]>(&file[..]).unwrap(),
        rows
    );
    let view = serde_npy::pod::view::<[u16; 3]>(&file).unwrap();
    assert!(matches!(view, Cow::Owned(_)));
    assert_eq!(*view, rows);

    // A file of another shape or type is refused with serde's error.
    let file = serde_npy::to_vec(&vec![[1u16, 2]; 3]).unwrap();
    let ours = serde_npy::pod::from_slice::<[u16; 3]>(&file).unwrap_err();
    let serdes = serde_npy::from_slice::<Vec<[u16; 3]>>(&file).unwrap_err();
    assert_eq!(ours.to_string(), serdes.to_string());
    let file = serde_npy::to_vec(&vec!["text"; 2]).unwrap();
    assert!(serde_npy::pod::from_slice::<Point>(&file).is_err());
}

#[test]
fn views_borrow_aligned_data_and_copy_the_rest() {
    let want = nested(33);
    let bytes = serde_npy::pod::to_vec(&want).unwrap();

    // Copied into memory aligned for f64, the data (at a multiple of 64
    // bytes) is aligned too.
    let mut aligned = vec![0f64; bytes.len() / 8 + 1];
    let aligned: &mut [u8] = &mut bytemuck::cast_slice_mut(&mut aligned)[..bytes.len()];
    aligned.copy_from_slice(&bytes);
    let view = serde_npy::pod::view::<Nested>(aligned).unwrap();
    assert!(matches!(view, Cow::Borrowed(_)));
    assert_eq!(*view, want[..]);

    let mut shifted = vec![0u8; bytes.len() + 1];
    let misaligned = if shifted.as_ptr() as usize % 8 == 0 {
        &mut shifted[1..]
    } else {
        &mut shifted[..bytes.len()]
    };
    misaligned.copy_from_slice(&bytes);
    let view = serde_npy::pod::view::<Nested>(misaligned).unwrap();
    assert!(matches!(view, Cow::Owned(_)));
    assert_eq!(*view, want[..]);
}

#[test]
fn streams_read_one_array_at_a_time_and_stop_short_with_serdes_error() {
    let mut stream = serde_npy::pod::to_vec(&points(3)).unwrap();
    stream.extend(serde_npy::pod::to_vec(&nested(2)).unwrap());
    let mut reader = &stream[..];
    let first: Vec<Point> = serde_npy::pod::from_reader(&mut reader).unwrap();
    let second: Vec<Nested> = serde_npy::pod::from_reader(&mut reader).unwrap();
    assert!(same_bytes(&first, &points(3)));
    assert_eq!(second, nested(2));
    assert!(reader.is_empty());

    // Large enough to be read in several windows.
    let many = serde_npy::pod::to_vec(&points(200_000)).unwrap();
    let back: Vec<Point> = serde_npy::pod::from_reader(&many[..]).unwrap();
    assert!(same_bytes(&back, &points(200_000)));
    for cut in [many.len() - 1, many.len() - 16 * 70_000 - 5, 200] {
        let ours = serde_npy::pod::from_reader::<_, Point>(&many[..cut]).unwrap_err();
        let serdes = serde_npy::from_reader::<_, Vec<Point>>(&many[..cut]).unwrap_err();
        assert_eq!(ours.to_string(), serdes.to_string());
    }
}

#[test]
fn trailing_bytes_are_left_alone() {
    let mut bytes = serde_npy::pod::to_vec(&points(3)).unwrap();
    bytes.extend_from_slice(b"next array");
    let back = serde_npy::pod::from_slice::<Point>(&bytes).unwrap();
    assert!(same_bytes(&back, &points(3)));
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Frame {
    seq: u64,
    #[serde(with = "serde_npy::pod")]
    points: Vec<Point>,
}

#[derive(Serialize)]
struct FrameViaSerde<'a> {
    seq: u64,
    #[serde(with = "serde_npy")]
    points: &'a Vec<Point>,
}

#[test]
fn the_with_helper_embeds_the_same_blob() {
    let frame = Frame {
        seq: 9,
        points: points(100)
            .into_iter()
            .map(|p| Point { z: 0.5, ..p })
            .collect(),
    };
    let via_serde = FrameViaSerde {
        seq: 9,
        points: &frame.points,
    };
    let packed = rmp_serde::to_vec_named(&frame).unwrap();
    assert_eq!(packed, rmp_serde::to_vec_named(&via_serde).unwrap());
    assert_eq!(rmp_serde::from_slice::<Frame>(&packed).unwrap(), frame);

    let packed = postcard::to_allocvec(&frame).unwrap();
    assert_eq!(postcard::from_bytes::<Frame>(&packed).unwrap(), frame);

    // JSON carries the blob as a list of numbers.
    let json = serde_json::to_string(&frame).unwrap();
    assert_eq!(serde_json::from_str::<Frame>(&json).unwrap(), frame);

    let bad = rmp_serde::to_vec_named(&FrameViaSerde {
        seq: 1,
        points: &vec![],
    })
    .unwrap();
    // An empty Vec through serde is written as `<f8`, which pod reads as
    // serde does: an empty list of records.
    assert!(rmp_serde::from_slice::<Frame>(&bad)
        .unwrap()
        .points
        .is_empty());
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, Serialize, Deserialize)]
struct Rgba {
    r: u8,
    g: u8,
    b: u8,
    a: u8,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Holders<'a> {
    #[serde(with = "serde_npy::pod")]
    some: Option<Vec<Point>>,
    #[serde(with = "serde_npy::pod")]
    none: Option<Vec<Point>>,
    #[serde(with = "serde_npy::pod")]
    boxed: Box<[[u16; 3]]>,
    #[serde(with = "serde_npy::pod", borrow)]
    pixels: Cow<'a, [Rgba]>,
}

#[test]
fn the_with_helper_takes_options_boxes_and_borrows() {
    let pixels: Vec<Rgba> = (0..64u8)
        .map(|i| Rgba {
            r: i,
            g: 255 - i,
            b: 7,
            a: 255,
        })
        .collect();
    let holders = Holders {
        some: Some(
            points(5)
                .into_iter()
                .map(|p| Point { z: 1.0, ..p })
                .collect(),
        ),
        none: None,
        boxed: vec![[1, 2, 3], [4, 5, 6]].into_boxed_slice(),
        pixels: Cow::Owned(pixels.clone()),
    };
    let packed = rmp_serde::to_vec_named(&holders).unwrap();
    let back: Holders = rmp_serde::from_slice(&packed).unwrap();
    assert_eq!(back, holders);
    // One-byte records are always aligned: read in place from the host's bytes.
    assert!(matches!(back.pixels, Cow::Borrowed(_)));

    let packed = postcard::to_allocvec(&holders).unwrap();
    assert_eq!(postcard::from_bytes::<Holders>(&packed).unwrap(), holders);
    // JSON lends no bytes: the records are copied.
    let json = serde_json::to_string(&holders).unwrap();
    let back: Holders = serde_json::from_str(&json).unwrap();
    assert_eq!(back, holders);
    assert!(matches!(back.pixels, Cow::Owned(_)));
    assert!(json.contains("\"none\":null"));
}

struct WritesOnDrop;

static WRITTEN_ON_DROP: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Drop for WritesOnDrop {
    fn drop(&mut self) {
        // Runs while the thread's other thread-locals may be gone.
        let records = points(3);
        let bytes = serde_npy::pod::to_vec(&records).unwrap();
        let frame = Frame {
            seq: 1,
            points: records,
        };
        let json = serde_json::to_string(&frame).unwrap();
        assert_eq!(
            serde_json::from_str::<Frame>(&json).unwrap().points.len(),
            3
        );
        WRITTEN_ON_DROP.fetch_add(bytes.len(), std::sync::atomic::Ordering::SeqCst);
    }
}

thread_local! {
    static ON_DROP: WritesOnDrop = const { WritesOnDrop };
}

#[test]
fn works_while_a_thread_is_torn_down() {
    std::thread::spawn(|| {
        // Thread-locals are destroyed in the reverse order of first use:
        // this crate's caches go first, then `ON_DROP` writes.
        ON_DROP.with(|_| {});
        serde_npy::pod::to_vec(&points(1)).unwrap();
        let frame = Frame {
            seq: 0,
            points: points(1),
        };
        serde_json::to_string(&frame).unwrap();
    })
    .join()
    .unwrap();
    assert!(WRITTEN_ON_DROP.load(std::sync::atomic::Ordering::SeqCst) > 0);
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, Serialize, Deserialize)]
struct Simple {
    x: f32,
    y: [u16; 2],
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable, Serialize, Deserialize)]
struct Four {
    a: f64,
    b: f64,
    c: f64,
    d: f64,
}

/// A NumPy-made fixture: read in place and streamed as serde reads it, and
/// written back as `np.save` wrote it.
fn numpy_file_through_pod<T>(name: &str)
where
    T: Pod + Serialize + DeserializeOwned + PartialEq + Debug,
{
    let file = common::npy(name);
    let by_serde: Vec<T> = serde_npy::from_slice(&file).unwrap();
    // `Vec<u8>` allocations are aligned for `f64`, and NumPy aligns the data
    // to 64 bytes within the file.
    let view = serde_npy::pod::view::<T>(&file).unwrap();
    assert!(matches!(view, Cow::Borrowed(_)), "{name}: copied");
    assert_eq!(*view, by_serde[..], "{name}");
    assert_eq!(
        serde_npy::pod::from_reader::<_, T>(&file[..]).unwrap(),
        by_serde,
        "{name}"
    );
    assert_eq!(serde_npy::pod::to_vec(&by_serde).unwrap(), file, "{name}");
}

#[test]
fn numpy_files_read_in_place_and_write_back_byte_for_byte() {
    numpy_file_through_pod::<Simple>("struct_simple");
    numpy_file_through_pod::<Simple>("e5");
    numpy_file_through_pod::<Four>("x1_growth_boundary");
    // NumPy keeps the dtype of an empty record array; so does `pod`, where
    // serde sees no element to take it from.
    numpy_file_through_pod::<Simple>("struct_simple_empty");
    numpy_file_through_pod::<[f32; 3]>("fortran_row_vector_f4");
    numpy_file_through_pod::<[f32; 3]>("fortran_empty_0x3");
}
