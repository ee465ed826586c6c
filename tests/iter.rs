//! `from_slice_iter` and `from_reader_iter`: arrays written back to back,
//! read in turn.
//!
//! * A stream of arrays of different kinds gives each one, then `None`, from
//!   a slice and from a reader (also one that hands out a byte at a time and
//!   is interrupted now and then); empty input gives `None` at once.
//! * A stream cut anywhere in its last array (magic string, header length,
//!   header text, data) gives the arrays before it, an error naming the part
//!   cut short, then `None` for good.
//! * The reader is left just after the last array read, so that bytes after
//!   the arrays are the caller's, even when a visitor stops early; so is
//!   `from_reader`'s.

use std::fmt;
use std::io::{self, Cursor, Read};

use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_npy::{from_reader_iter, from_slice_iter, ArrayView, Header};

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Point {
    x: f32,
    y: f32,
    id: u32,
}

/// Arrays of different dtypes, shapes and orders, back to back, and each
/// one's bytes.
fn mixed_stream() -> (Vec<u8>, Vec<Vec<u8>>) {
    let points = vec![
        Point {
            x: 1.0,
            y: 2.0,
            id: 7,
        },
        Point {
            x: -1.0,
            y: 0.5,
            id: 8,
        },
    ];
    #[derive(Serialize)]
    struct Fortran {
        shape: Vec<usize>,
        fortran_order: bool,
        data: Vec<u16>,
    }
    let arrays = vec![
        serde_npy::to_vec(&vec![1.5f32, 2.5, 3.5]).unwrap(),
        serde_npy::to_vec(&vec![[1i64, 2, 3], [4, 5, 6]]).unwrap(),
        serde_npy::to_vec(&points).unwrap(),
        serde_npy::to_vec(&42u8).unwrap(),
        serde_npy::to_vec(&vec!["héllo", "", "😀"]).unwrap(),
        serde_npy::to_vec(&Vec::<f64>::new()).unwrap(),
        serde_npy::to_vec(&Fortran {
            shape: vec![2, 3],
            fortran_order: true,
            data: (0..6).collect(),
        })
        .unwrap(),
        serde_npy::to_vec(&vec![true, false]).unwrap(),
    ];
    (arrays.concat(), arrays)
}

/// What each array of `arrays` reads as, one at a time.
fn expected(arrays: &[Vec<u8>]) -> Vec<Value> {
    arrays
        .iter()
        .map(|a| serde_npy::from_slice::<Value>(a).unwrap())
        .collect()
}

#[test]
fn slice_stream_gives_every_array_then_none() {
    let (stream, arrays) = mixed_stream();
    let mut iter = from_slice_iter::<Value>(&stream);
    let got: Vec<Value> = iter.by_ref().map(Result::unwrap).collect();
    assert_eq!(got, expected(&arrays));
    assert_eq!(got.len(), 8);
    assert!(iter.next().is_none(), "fused");
    assert!(iter.rest().is_empty());
}

#[test]
fn reader_stream_gives_every_array_then_none() {
    let (stream, arrays) = mixed_stream();
    let mut iter = from_reader_iter::<_, Value>(Cursor::new(&stream));
    let got: Vec<Value> = iter.by_ref().map(Result::unwrap).collect();
    assert_eq!(got, expected(&arrays));
    assert!(iter.next().is_none(), "fused");
    assert_eq!(iter.into_inner().position(), stream.len() as u64);
}

#[test]
fn typed_stream_of_batches() {
    let batches: Vec<Vec<Point>> = (0..5u32)
        .map(|n| {
            (0..n)
                .map(|i| Point {
                    x: i as f32,
                    y: n as f32,
                    id: i,
                })
                .collect()
        })
        .collect();
    let stream: Vec<u8> = batches
        .iter()
        .flat_map(|b| serde_npy::to_vec(b).unwrap())
        .collect();
    let from_slice: Vec<Vec<Point>> = from_slice_iter(&stream)
        .collect::<serde_npy::Result<_>>()
        .unwrap();
    assert_eq!(from_slice, batches);
    let from_reader: Vec<Vec<Point>> = from_reader_iter(&stream[..])
        .collect::<serde_npy::Result<_>>()
        .unwrap();
    assert_eq!(from_reader, batches);
}

#[test]
fn slice_stream_lends_borrowed_views() {
    let stream: Vec<u8> = (1..4)
        .flat_map(|n| serde_npy::to_vec(&vec![n as f32; n]).unwrap())
        .collect();
    let range = stream.as_ptr_range();
    for (n, view) in (1..4).zip(from_slice_iter::<ArrayView<f32>>(&stream)) {
        let view = view.unwrap();
        assert_eq!(view.data(), vec![n as f32; n]);
        // Every data section starts at a multiple of 64 and holds whole
        // f32s, so in an allocation aligned for f32 each is borrowed.
        if stream.as_ptr() as usize % std::mem::align_of::<f32>() == 0 {
            assert!(view.is_borrowed());
            assert!(range.contains(&view.data().as_ptr().cast()));
        }
    }
}

#[test]
fn empty_input_is_none_at_once() {
    let mut slice = from_slice_iter::<Value>(&[]);
    assert!(slice.next().is_none());
    assert!(slice.next().is_none());
    let mut reader = from_reader_iter::<_, Value>(io::empty());
    assert!(reader.next().is_none());
    assert!(reader.next().is_none());
}

/// Where a cut at `at` bytes into one array falls, as error messages name it.
fn part_cut(array: &[u8], at: usize) -> &'static str {
    let data_offset = Header::from_slice(array).unwrap().data_offset;
    match at {
        0..=7 => "magic string",
        8..=9 => "header length",
        _ if at < data_offset => "header",
        _ => "data",
    }
}

#[test]
fn a_partial_last_array_is_an_error_then_none() {
    let first = serde_npy::to_vec(&vec![1u32, 2]).unwrap();
    let last = serde_npy::to_vec(&vec![[0.5f64; 3]; 2]).unwrap();
    for at in 1..last.len() {
        let mut stream = first.clone();
        stream.extend_from_slice(&last[..at]);
        let part = part_cut(&last, at);

        let mut slice = from_slice_iter::<Value>(&stream);
        assert!(slice.next().unwrap().is_ok(), "cut at {at}");
        let err = slice.next().unwrap().unwrap_err().to_string();
        assert!(err.contains(part), "cut at {at} ({part}): {err}");
        assert!(slice.next().is_none(), "cut at {at}: fused after the error");
        // The slice's rest starts at the array that failed.
        assert_eq!(slice.rest(), &last[..at]);

        let mut reader = from_reader_iter::<_, Value>(&stream[..]);
        assert!(reader.next().unwrap().is_ok(), "cut at {at}");
        let err = reader.next().unwrap().unwrap_err().to_string();
        assert!(err.contains(part), "cut at {at} ({part}): {err}");
        assert!(
            err.contains("unexpected end of input"),
            "cut at {at}: {err}"
        );
        assert!(
            reader.next().is_none(),
            "cut at {at}: fused after the error"
        );
    }
}

#[test]
fn a_partial_only_array_is_an_error() {
    let array = serde_npy::to_vec(&vec![1i16, 2, 3]).unwrap();
    for at in 1..array.len() {
        let mut slice = from_slice_iter::<Vec<i16>>(&array[..at]);
        assert!(slice.next().unwrap().is_err(), "cut at {at}");
        assert!(slice.next().is_none());
        let mut reader = from_reader_iter::<_, Vec<i16>>(&array[..at]);
        assert!(reader.next().unwrap().is_err(), "cut at {at}");
        assert!(reader.next().is_none());
    }
}

#[test]
fn a_type_error_ends_the_iteration() {
    let mut stream = serde_npy::to_vec(&vec![1u8]).unwrap();
    stream.extend(serde_npy::to_vec(&vec![vec![1u8]]).unwrap());
    stream.extend(serde_npy::to_vec(&vec![2u8]).unwrap());
    let mut slice = from_slice_iter::<Vec<u8>>(&stream);
    assert_eq!(slice.next().unwrap().unwrap(), [1]);
    let err = slice.next().unwrap().unwrap_err().to_string();
    assert!(err.contains("expected 1-D"), "{err}");
    assert!(slice.next().is_none());
    let mut reader = from_reader_iter::<_, Vec<u8>>(&stream[..]);
    assert_eq!(reader.next().unwrap().unwrap(), [1]);
    let err = reader.next().unwrap().unwrap_err();
    // As from `from_reader`, the error names the file's dtype.
    assert_eq!(err.dtype(), Some("'|u1'"), "{err}");
    assert!(reader.next().is_none());
}

#[test]
fn reader_is_left_after_the_last_array_read() {
    let (stream, arrays) = mixed_stream();
    let mut cursor = Cursor::new(stream.clone());
    let mut iter = from_reader_iter::<_, Value>(&mut cursor);
    let mut end = 0u64;
    for array in &arrays[..3] {
        iter.next().unwrap().unwrap();
        end += array.len() as u64;
        assert_eq!(iter.into_inner().position(), end);
        iter = from_reader_iter(&mut cursor);
    }
    // The rest is still there for another iterator.
    let rest: Vec<Value> = from_reader_iter(&mut cursor)
        .collect::<serde_npy::Result<_>>()
        .unwrap();
    assert_eq!(rest, expected(&arrays[3..]));
    assert_eq!(cursor.position(), stream.len() as u64);
}

#[test]
fn trailing_bytes_after_the_arrays_are_left_to_the_caller() {
    let mut stream = serde_npy::to_vec(&vec![1.0f32, 2.0]).unwrap();
    stream.extend(serde_npy::to_vec(&vec![3.0f32]).unwrap());
    let arrays_len = stream.len();
    stream.extend_from_slice(b"END OF ARRAYS\n");

    // A caller that knows how many arrays there are takes exactly those.
    let mut iter = from_reader_iter::<_, Vec<f32>>(&stream[..]);
    let got: Vec<Vec<f32>> = iter.by_ref().take(2).map(Result::unwrap).collect();
    assert_eq!(got, [vec![1.0, 2.0], vec![3.0]]);
    let mut reader = iter.into_inner();
    assert_eq!(reader.len(), stream.len() - arrays_len);
    let mut trailer = String::new();
    reader.read_to_string(&mut trailer).unwrap();
    assert_eq!(trailer, "END OF ARRAYS\n");

    // One that reads on gets an error for the trailer, and the slice
    // iterator points at it.
    let mut iter = from_slice_iter::<Vec<f32>>(&stream);
    assert!(iter.next().unwrap().is_ok());
    assert!(iter.next().unwrap().is_ok());
    let err = iter.next().unwrap().unwrap_err().to_string();
    assert!(err.contains("not a .npy file"), "{err}");
    assert!(iter.next().is_none());
    assert_eq!(iter.rest(), b"END OF ARRAYS\n");
}

/// Reads only the `shape` of a `shape` + `data` struct, leaving the data.
#[derive(Debug, PartialEq)]
struct ShapeOnly(Vec<usize>);

impl<'de> Deserialize<'de> for ShapeOnly {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ShapeOnly;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a shape + data struct")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ShapeOnly, A::Error> {
                while let Some(key) = map.next_key::<String>()? {
                    if key == "shape" {
                        return Ok(ShapeOnly(map.next_value()?));
                    }
                    map.next_value::<IgnoredAny>()?;
                }
                Err(serde::de::Error::missing_field("shape"))
            }
        }
        d.deserialize_struct("ShapeOnly", &["shape", "data"], V)
    }
}

#[test]
fn data_a_visitor_leaves_unread_is_skipped() {
    let stream = [
        serde_npy::to_vec(&vec![[1u8; 3]; 70_000]).unwrap(),
        serde_npy::to_vec(&vec![2.0f64; 5]).unwrap(),
        serde_npy::to_vec(&7i32).unwrap(),
    ]
    .concat();
    let shapes: Vec<ShapeOnly> = from_reader_iter(&stream[..])
        .collect::<serde_npy::Result<_>>()
        .unwrap();
    assert_eq!(
        shapes,
        [
            ShapeOnly(vec![70_000, 3]),
            ShapeOnly(vec![5]),
            ShapeOnly(vec![])
        ]
    );
}

#[test]
fn from_reader_leaves_the_reader_after_data_a_visitor_leaves_unread() {
    let first = serde_npy::to_vec(&vec![[1u8; 3]; 70_000]).unwrap();
    let second = serde_npy::to_vec(&vec![2.0f64; 5]).unwrap();
    let mut reader = Cursor::new([&first[..], &second[..], b"trailer"].concat());
    let shape: ShapeOnly = serde_npy::from_reader(&mut reader).unwrap();
    assert_eq!(shape, ShapeOnly(vec![70_000, 3]));
    assert_eq!(reader.position(), first.len() as u64);
    let next: Vec<f64> = serde_npy::from_reader(&mut reader).unwrap();
    assert_eq!(next, [2.0; 5]);
    let mut trailer = Vec::new();
    reader.read_to_end(&mut trailer).unwrap();
    assert_eq!(trailer, b"trailer");

    // The skipped data must still all be there: an array cut short is an
    // error even when the visitor did not want its data.
    let cut = &first[..first.len() - 1];
    let err = serde_npy::from_reader::<_, ShapeOnly>(cut).unwrap_err();
    assert!(err.is_eof(), "{err:?}");
}

/// Hands out at most `max` bytes per read, and `Interrupted` every
/// `interrupt`-th call (the first call included).
struct Trickle<'a> {
    data: &'a [u8],
    max: usize,
    interrupt: usize,
    calls: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls % self.interrupt == 1 {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "signal"));
        }
        let n = buf.len().min(self.max).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

#[test]
fn short_reads_and_interruptions_are_retried() {
    let (stream, arrays) = mixed_stream();
    for (max, interrupt) in [(1, 2), (1, 7), (3, 3), (64, 5), (1000, 2)] {
        let mut trickle = Trickle {
            data: &stream,
            max,
            interrupt,
            calls: 0,
        };
        let got: Vec<Value> = from_reader_iter(&mut trickle)
            .collect::<serde_npy::Result<_>>()
            .unwrap_or_else(|e| panic!("max {max}, interrupt {interrupt}: {e}"));
        assert_eq!(got, expected(&arrays), "max {max}, interrupt {interrupt}");
        assert!(trickle.data.is_empty());
    }
}

/// Fails with a real error on the first read.
struct Broken;

impl Read for Broken {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::new(io::ErrorKind::ConnectionReset, "peer gone"))
    }
}

#[test]
fn a_failing_reader_is_an_error_then_none() {
    let mut iter = from_reader_iter::<_, Value>(Broken);
    let err = iter.next().unwrap().unwrap_err().to_string();
    assert!(err.contains("peer gone"), "{err}");
    assert!(iter.next().is_none());
}

#[test]
fn from_reader_alone_reads_exactly_one_array() {
    let (stream, arrays) = mixed_stream();
    let mut cursor = Cursor::new(&stream);
    let mut end = 0;
    for array in &arrays {
        serde_npy::from_reader::<_, Value>(&mut cursor).unwrap();
        end += array.len() as u64;
        assert_eq!(cursor.position(), end);
    }
    let mut cursor = Cursor::new(&stream);
    let _: Vec<f32> = serde_npy::from_reader(&mut cursor).unwrap();
    let _: Vec<[i64; 3]> = serde_npy::from_reader(&mut cursor).unwrap();
    let _: Vec<Point> = serde_npy::from_reader(&mut cursor).unwrap();
    let _: u8 = serde_npy::from_reader(&mut cursor).unwrap();
    let _: Vec<String> = serde_npy::from_reader(&mut cursor).unwrap();
    let _: IgnoredAny = serde_npy::from_reader(&mut cursor).unwrap();
    let _: Vec<Vec<u16>> = serde_npy::from_reader(&mut cursor).unwrap();
    let _: Vec<bool> = serde_npy::from_reader(&mut cursor).unwrap();
    assert_eq!(cursor.position(), stream.len() as u64);
}

#[test]
fn readers_and_writers_are_debug() {
    let bytes = serde_npy::to_vec(&[1u8, 2]).unwrap();
    let de = serde_npy::Deserializer::from_slice(&bytes).unwrap();
    let shown = format!("{de:?}");
    assert!(
        shown.contains("shape: [2]") && shown.contains("data_len: 2"),
        "{shown}"
    );
    // No `T: Debug` needed of the iterators, which hold no `T`.
    struct Opaque;
    impl<'de> Deserialize<'de> for Opaque {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            IgnoredAny::deserialize(d).map(|_| Opaque)
        }
    }
    assert!(format!("{:?}", from_slice_iter::<Opaque>(&bytes)).contains("rest_len: "));
    assert!(format!("{:?}", from_reader_iter::<_, Opaque>(&bytes[..])).contains("done: false"));
    let ser = serde_npy::Serializer::new(Vec::<u8>::new());
    assert_eq!(format!("{ser:?}"), "Serializer { writer: [] }");
}
