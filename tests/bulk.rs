//! The whole-slice paths for `Vec<T>` and `[T]` of plain numbers: they must
//! give exactly what the element-by-element path gives, and only be taken
//! when that is certain. These tests also run under Miri in `.ci/run`, since
//! the paths recognise types by id and reinterpret slices.

use std::collections::VecDeque;
use std::fmt::Debug;
use std::io::{self, Write};

use serde::de::{Deserialize, DeserializeOwned, Deserializer, SeqAccess, Visitor};
use serde::Serialize;

/// `VecDeque` serializes and deserializes element by element: the reference.
fn same_as_element_path<T>(values: Vec<T>)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug + Clone,
{
    let by_slice = serde_npy::to_vec(&values).unwrap();
    let by_element = serde_npy::to_vec(&values.iter().cloned().collect::<VecDeque<T>>()).unwrap();
    assert_eq!(by_slice, by_element);
    let mut streamed = Vec::new();
    serde_npy::to_writer(&mut streamed, &values[..]).unwrap();
    assert_eq!(streamed, by_slice);

    let back: Vec<T> = serde_npy::from_slice(&by_slice).unwrap();
    assert_eq!(back, values);
    let back: VecDeque<T> = serde_npy::from_slice(&by_slice).unwrap();
    assert_eq!(back, values);
    let back: Vec<T> = serde_npy::from_reader(&by_slice[..]).unwrap();
    assert_eq!(back, values);
}

#[test]
fn every_number_type_round_trips_as_the_element_path_does() {
    same_as_element_path(vec![true, false, true]);
    same_as_element_path(vec![i8::MIN, -1, 0, i8::MAX]);
    same_as_element_path(vec![0u8, 1, 255]);
    same_as_element_path(vec![i16::MIN, -2, i16::MAX]);
    same_as_element_path(vec![0u16, 0x1234, u16::MAX]);
    same_as_element_path(vec![i32::MIN, -3, i32::MAX]);
    same_as_element_path(vec![0u32, 0x1234_5678, u32::MAX]);
    same_as_element_path(vec![i64::MIN, -4, i64::MAX]);
    same_as_element_path(vec![0u64, 0x0123_4567_89ab_cdef, u64::MAX]);
    same_as_element_path(vec![-1.5f32, 0.0, f32::MAX, f32::MIN_POSITIVE]);
    same_as_element_path(vec![-2.5f64, 1e300, f64::EPSILON]);
    same_as_element_path(Vec::<f32>::new());
}

#[test]
fn nan_payloads_survive_both_ways() {
    let bits = [0x7fc0_0001u32, 0xffc1_2345, 0x7f80_0001];
    let values: Vec<f32> = bits.iter().map(|&b| f32::from_bits(b)).collect();
    let file = serde_npy::to_vec(&values).unwrap();
    let by_element = serde_npy::to_vec(&values.iter().copied().collect::<VecDeque<f32>>()).unwrap();
    assert_eq!(file, by_element);
    let back: Vec<f32> = serde_npy::from_slice(&file).unwrap();
    let back_bits: Vec<u32> = back.iter().map(|v| v.to_bits()).collect();
    assert_eq!(back_bits, bits);
    let back: VecDeque<f32> = serde_npy::from_slice(&file).unwrap();
    let back_bits: Vec<u32> = back.iter().map(|v| v.to_bits()).collect();
    assert_eq!(back_bits, bits);
}

#[test]
fn rows_of_nested_vecs_and_shape_data_structs() {
    let rows: Vec<Vec<i16>> = vec![vec![1, 2, 3], vec![4, 5, 6]];
    let bytes = serde_npy::to_vec(&rows).unwrap();
    assert_eq!(
        bytes,
        serde_npy::to_vec(&[[1i16, 2, 3], [4, 5, 6]]).unwrap()
    );
    assert_eq!(
        serde_npy::from_slice::<Vec<Vec<i16>>>(&bytes).unwrap(),
        rows
    );

    #[derive(Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Shaped {
        shape: Vec<usize>,
        data: Vec<f64>,
    }
    let shaped = Shaped {
        shape: vec![2, 2],
        data: vec![1.0, 2.0, 3.0, 4.0],
    };
    let bytes = serde_npy::to_vec(&shaped).unwrap();
    assert_eq!(
        bytes,
        serde_npy::to_vec(&[[1.0f64, 2.0], [3.0, 4.0]]).unwrap()
    );
    assert_eq!(serde_npy::from_slice::<Shaped>(&bytes).unwrap(), shaped);
}

#[test]
fn a_ragged_row_is_still_refused_with_its_index() {
    let rows: Vec<Vec<f32>> = vec![vec![1.0, 2.0], vec![3.0]];
    let err = serde_npy::to_vec(&rows).unwrap_err().to_string();
    assert!(err.contains("[1]"), "{err}");
}

#[test]
fn a_row_of_another_type_is_still_refused() {
    #[derive(Serialize)]
    #[serde(untagged)]
    enum Row {
        F(Vec<f32>),
        I(Vec<i32>),
    }
    let err = serde_npy::to_vec(&vec![Row::F(vec![1.0]), Row::I(vec![2])]).unwrap_err();
    assert!(err.to_string().contains("i32"), "{err}");

    // Three numbers, then three rows of three: as many items, another shape.
    #[derive(Serialize)]
    #[serde(untagged)]
    enum Shape {
        Flat(Vec<f32>),
        Points(Vec<[f32; 3]>),
    }
    let value = vec![Shape::Flat(vec![1.0; 3]), Shape::Points(vec![[2.0; 3]; 3])];
    assert!(serde_npy::to_vec(&value).is_err());
    assert!(serde_npy::to_writer(Vec::new(), &value).is_err());
}

#[test]
fn other_dtypes_convert_element_by_element() {
    // The file's dtype is not the target type: the element path widens.
    let bytes = serde_npy::to_vec(&[1i32, -2, 3]).unwrap();
    assert_eq!(
        serde_npy::from_slice::<Vec<i64>>(&bytes).unwrap(),
        [1, -2, 3]
    );
    assert_eq!(
        serde_npy::from_slice::<Vec<f64>>(&bytes).unwrap(),
        [1.0, -2.0, 3.0]
    );
    assert!(serde_npy::from_slice::<Vec<u8>>(&bytes).is_err());
}

/// `bytes` with its header's `'<` typestr made big-endian and every
/// `size`-byte element reversed.
fn big_endian(bytes: &[u8], size: usize) -> Vec<u8> {
    let header = serde_npy::Deserializer::from_slice(bytes).unwrap();
    let data_start = bytes.len() - header.data().len();
    let mut out = bytes[..data_start].to_vec();
    let at = out.windows(2).position(|w| w == b"'<").unwrap();
    out[at + 1] = b'>';
    for element in header.data().chunks(size) {
        out.extend(element.iter().rev());
    }
    out
}

#[test]
fn big_endian_files_read_the_same() {
    let values = vec![1.25f32, -3.5, 1e-30];
    let file = big_endian(&serde_npy::to_vec(&values).unwrap(), 4);
    assert_eq!(serde_npy::from_slice::<Vec<f32>>(&file).unwrap(), values);
    let values = vec![0x0102_0304_0506_0708u64, 9];
    let file = big_endian(&serde_npy::to_vec(&values).unwrap(), 8);
    assert_eq!(serde_npy::from_slice::<Vec<u64>>(&file).unwrap(), values);
}

#[test]
fn bool_bytes_other_than_one_read_as_true() {
    let mut file = serde_npy::to_vec(&[false, true, false]).unwrap();
    let n = file.len();
    file[n - 3] = 2;
    assert_eq!(
        serde_npy::from_slice::<Vec<bool>>(&file).unwrap(),
        [true, true, false]
    );
}

/// A `Vec<f32>` read through a visitor of its own: it keeps every other
/// element, reversed. Only `Vec<f32>`'s own visitor may be short-cut.
#[derive(Debug, PartialEq)]
struct EveryOtherReversed(Vec<f32>);

impl<'de> Deserialize<'de> for EveryOtherReversed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Pick;
        impl<'de> Visitor<'de> for Pick {
            type Value = Vec<f32>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("floats")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<f32>, A::Error> {
                let mut out = Vec::new();
                let mut keep = true;
                while let Some(v) = seq.next_element::<f32>()? {
                    if keep {
                        out.insert(0, v);
                    }
                    keep = !keep;
                }
                Ok(out)
            }
        }
        d.deserialize_seq(Pick).map(EveryOtherReversed)
    }
}

#[test]
fn a_visitor_of_its_own_is_visited_element_by_element() {
    let bytes = serde_npy::to_vec(&[1.0f32, 2.0, 3.0, 4.0, 5.0]).unwrap();
    assert_eq!(
        serde_npy::from_slice::<EveryOtherReversed>(&bytes).unwrap(),
        EveryOtherReversed(vec![5.0, 3.0, 1.0])
    );
}

/// A `Vec<f32>` field deserialized in place reuses its allocation through
/// serde's in-place visitor, which is not short-cut either.
#[test]
fn in_place_reads_still_work() {
    let bytes = serde_npy::to_vec(&[1.0f32, 2.0]).unwrap();
    let mut target = vec![9.0f32; 5];
    let mut de = serde_npy::Deserializer::from_slice(&bytes).unwrap();
    Vec::<f32>::deserialize_in_place(&mut de, &mut target).unwrap();
    assert_eq!(target, [1.0, 2.0]);
}

/// Records every `write` call's length.
struct Calls(Vec<usize>);

impl Write for Calls {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.push(buf.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn to_writer_hands_a_large_slice_over_in_one_write() {
    // Larger than the writer's 64 KiB chunk: not copied through it.
    let values = vec![0.5f64; 20_000];
    let mut calls = Calls(Vec::new());
    serde_npy::to_writer(&mut calls, &values).unwrap();
    assert_eq!(calls.0, [128, 160_000]);
}

#[test]
fn errors_from_the_element_path_are_unchanged() {
    // A 2-D file is not a Vec<f32>; the dimension error comes as before.
    let bytes = serde_npy::to_vec(&[[1.0f32, 2.0], [3.0, 4.0]]).unwrap();
    let err = serde_npy::from_slice::<Vec<f32>>(&bytes).unwrap_err();
    assert!(
        matches!(err.kind(), serde_npy::ErrorKind::Dimension { .. }),
        "{err:?}"
    );
}

/// serde's `Vec` visitor grows from a capped size hint; the whole-slice read
/// allocates once, at the exact size.
#[test]
#[cfg_attr(
    miri,
    ignore = "slow under Miri; the same path runs above on small arrays"
)]
fn a_large_vec_is_allocated_once_at_its_size() {
    let values: Vec<f32> = (0..300_000).map(|i| i as f32).collect();
    let back: Vec<f32> = serde_npy::from_slice(&serde_npy::to_vec(&values).unwrap()).unwrap();
    assert_eq!(back, values);
    assert_eq!(back.capacity(), back.len());
    let rows: Vec<[u16; 3]> = (0..100_000).map(|i| [i as u16, 1, 2]).collect();
    let back: Vec<[u16; 3]> = serde_npy::from_slice(&serde_npy::to_vec(&rows).unwrap()).unwrap();
    assert_eq!(back, rows);
    assert_eq!(back.capacity(), back.len());
}

/// Hands out at most `step` bytes per read.
struct Trickle<'a> {
    bytes: &'a [u8],
    step: usize,
}

impl io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.step).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "slow under Miri; from_reader of small arrays runs above"
)]
fn from_reader_reads_windows_of_short_reads() {
    // Several 64 KiB windows, each filled by many short reads.
    let values: Vec<u16> = (0..100_000u32).map(|i| (i * 7) as u16).collect();
    let file = serde_npy::to_vec(&values).unwrap();
    let reader = Trickle {
        bytes: &file,
        step: 1000,
    };
    assert_eq!(
        serde_npy::from_reader::<_, Vec<u16>>(reader).unwrap(),
        values
    );

    let big = big_endian(&file, 2);
    let back: Vec<u16> = serde_npy::from_reader(&big[..]).unwrap();
    assert_eq!(back, values);

    // Rows of 12 bytes: a window holds whole rows only.
    let rows: Vec<[f32; 3]> = (0..30_000).map(|i| [i as f32, -1.0, 0.5]).collect();
    let file = serde_npy::to_vec(&rows).unwrap();
    let reader = Trickle {
        bytes: &file,
        step: 999,
    };
    assert_eq!(
        serde_npy::from_reader::<_, Vec<[f32; 3]>>(reader).unwrap(),
        rows
    );
}

#[test]
fn from_reader_visits_a_visitor_of_its_own_element_by_element() {
    let bytes = serde_npy::to_vec(&[1.0f32, 2.0, 3.0, 4.0, 5.0]).unwrap();
    assert_eq!(
        serde_npy::from_reader::<_, EveryOtherReversed>(&bytes[..]).unwrap(),
        EveryOtherReversed(vec![5.0, 3.0, 1.0])
    );
}

#[test]
fn record_fields_that_are_vecs_and_rows() {
    #[derive(Serialize, serde::Deserialize, PartialEq, Debug, Clone)]
    struct Sample {
        id: u32,
        pos: Vec<[i16; 2]>,
        v: Vec<f32>,
    }
    #[derive(Serialize)]
    struct ByElement {
        id: u32,
        pos: VecDeque<[i16; 2]>,
        v: VecDeque<f32>,
    }
    let samples: Vec<Sample> = (0..3)
        .map(|i| Sample {
            id: i,
            pos: vec![[i as i16, -1], [2, 3]],
            v: vec![0.5 * i as f32; 4],
        })
        .collect();
    let by_element: Vec<ByElement> = samples
        .iter()
        .map(|s| ByElement {
            id: s.id,
            pos: s.pos.iter().copied().collect(),
            v: s.v.iter().copied().collect(),
        })
        .collect();
    let file = serde_npy::to_vec(&samples).unwrap();
    assert_eq!(file, serde_npy::to_vec(&by_element).unwrap());
    let mut streamed = Vec::new();
    serde_npy::to_writer(&mut streamed, &samples).unwrap();
    assert_eq!(streamed, file);
    assert_eq!(
        serde_npy::from_slice::<Vec<Sample>>(&file).unwrap(),
        samples
    );
    assert_eq!(
        serde_npy::from_reader::<_, Vec<Sample>>(&file[..]).unwrap(),
        samples
    );
}

#[test]
fn from_reader_of_a_short_stream_says_how_short() {
    let file = serde_npy::to_vec(&[1.0f64, 2.0, 3.0]).unwrap();
    let err = serde_npy::from_reader::<_, Vec<f64>>(&file[..file.len() - 5]).unwrap_err();
    match err.into_kind() {
        serde_npy::ErrorKind::UnexpectedEof {
            expected, found, ..
        } => assert_eq!((expected, found), (24, 19)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn from_reader_of_shape_and_data() {
    #[derive(Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Shaped {
        shape: Vec<usize>,
        data: Vec<i32>,
    }
    let file = serde_npy::to_vec(&[[1i32, 2, 3], [4, 5, 6]]).unwrap();
    let back: Shaped = serde_npy::from_reader(&file[..]).unwrap();
    assert_eq!(
        back,
        Shaped {
            shape: vec![2, 3],
            data: vec![1, 2, 3, 4, 5, 6]
        }
    );
}

#[test]
fn rows_of_two_to_four_numbers_round_trip_as_the_element_path_does() {
    same_as_element_path(vec![[1.5f32, -2.0, 3.25], [4.0, 5.0, 6.0]]);
    same_as_element_path(vec![[255u8, 0, 0, 255], [0, 255, 0, 128]]);
    same_as_element_path(vec![[i64::MIN, i64::MAX]; 3]);
    same_as_element_path(vec![[true, false]; 2]);
    same_as_element_path(vec![[0.5f64; 4]]);
    same_as_element_path(Vec::<[u16; 3]>::new());
    let points: Vec<[f32; 3]> = (0..5).map(|i| [i as f32, 1.0, 2.0]).collect();
    let bytes = serde_npy::to_vec(&points).unwrap();
    let header = serde_npy::Deserializer::from_slice(&bytes).unwrap();
    assert_eq!(header.header().shape, [5, 3]);
}

#[test]
fn rows_of_another_length_or_shape_are_refused_as_before() {
    let bytes = serde_npy::to_vec(&vec![[1.0f32, 2.0, 3.0]; 2]).unwrap();
    assert!(serde_npy::from_slice::<Vec<[f32; 4]>>(&bytes).is_err());
    assert!(serde_npy::from_slice::<Vec<[f32; 2]>>(&bytes).is_err());
    assert!(serde_npy::from_slice::<Vec<f32>>(&bytes).is_err());
    assert!(serde_npy::from_reader::<_, Vec<[f32; 2]>>(&bytes[..]).is_err());
    // An (n, 1) array is not a 1-D one.
    let bytes = serde_npy::to_vec(&vec![[7u32]; 3]).unwrap();
    assert!(serde_npy::from_slice::<Vec<u32>>(&bytes).is_err());
    assert!(serde_npy::from_reader::<_, Vec<u32>>(&bytes[..]).is_err());
    assert_eq!(
        serde_npy::from_slice::<Vec<[u32; 1]>>(&bytes).unwrap(),
        [[7], [7], [7]]
    );
}

#[test]
fn rows_of_fortran_order_and_deeper_arrays_read_in_logical_order() {
    #[derive(Serialize)]
    struct Fortran {
        shape: Vec<usize>,
        fortran_order: bool,
        data: Vec<f32>,
    }
    // Columns of a 2x3 array, stored column by column.
    let file = serde_npy::to_vec(&Fortran {
        shape: vec![2, 3],
        fortran_order: true,
        data: vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0],
    })
    .unwrap();
    assert_eq!(
        serde_npy::from_slice::<Vec<[f32; 3]>>(&file).unwrap(),
        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    );
    assert_eq!(
        serde_npy::from_reader::<_, Vec<[f32; 3]>>(&file[..]).unwrap(),
        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    );

    let cube = vec![vec![[1i16, 2], [3, 4]], vec![[5, 6], [7, 8]]];
    let file = serde_npy::to_vec(&cube).unwrap();
    assert_eq!(
        serde_npy::from_slice::<Vec<Vec<[i16; 2]>>>(&file).unwrap(),
        cube
    );
    assert_eq!(
        serde_npy::from_reader::<_, Vec<Vec<[i16; 2]>>>(&file[..]).unwrap(),
        cube
    );
}

#[test]
fn big_endian_rows_read_the_same() {
    let values = vec![[1.25f64, -3.5], [1e-300, 7.0]];
    let file = big_endian(&serde_npy::to_vec(&values).unwrap(), 8);
    assert_eq!(
        serde_npy::from_slice::<Vec<[f64; 2]>>(&file).unwrap(),
        values
    );
    assert_eq!(
        serde_npy::from_reader::<_, Vec<[f64; 2]>>(&file[..]).unwrap(),
        values
    );
}
