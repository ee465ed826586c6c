//! `ArrayView`: zero-copy when aligned and native-endian, a copy otherwise.
//! These tests also run under Miri in `.ci/run`, since the borrowed case
//! reinterprets bytes as `&[T]`.

use serde::{Deserialize, Serialize};
use serde_npy::ArrayView;

/// A buffer whose data section starts at an address aligned to 64 bytes,
/// then shifted by `shift` bytes.
fn placed(bytes: &[u8], shift: usize) -> (Vec<u64>, usize) {
    // u64 storage is 8-aligned; over-allocate so both shifts fit.
    let mut store = vec![0u64; bytes.len() / 8 + 2];
    let base = store.as_mut_ptr() as usize;
    let start = (8 - base % 8) % 8 + shift;
    let raw: &mut [u8] = bytemuck_free::as_bytes_mut(&mut store);
    raw[start..start + bytes.len()].copy_from_slice(bytes);
    (store, start)
}

mod bytemuck_free {
    pub fn as_bytes_mut(v: &mut [u64]) -> &mut [u8] {
        let len = std::mem::size_of_val(v);
        // SAFETY: u64 has no padding and any byte pattern is a valid u8; the
        // slice covers exactly the memory of `v` and borrows it mutably.
        unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr().cast::<u8>(), len) }
    }
    pub fn as_bytes(v: &[u64]) -> &[u8] {
        let len = std::mem::size_of_val(v);
        // SAFETY: as above, shared.
        unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), len) }
    }
}

#[test]
fn aligned_native_is_borrowed() {
    let data: Vec<f64> = (0..10).map(|i| i as f64 * 0.25).collect();
    let file = serde_npy::to_vec(&data).unwrap();
    let (store, start) = placed(&file, 0);
    let bytes = &bytemuck_free::as_bytes(&store)[start..start + file.len()];
    let view: ArrayView<f64> = serde_npy::from_slice(bytes).unwrap();
    assert!(view.is_borrowed());
    assert_eq!(view.data(), &data[..]);
    assert_eq!(view.shape(), [10]);
    // The slice points into the input: no copy.
    let range = bytes.as_ptr_range();
    assert!(range.contains(&view.data().as_ptr().cast::<u8>()));
}

#[test]
fn misaligned_falls_back_to_a_copy() {
    let data: Vec<u32> = (0..7).collect();
    let file = serde_npy::to_vec(&data).unwrap();
    let (store, start) = placed(&file, 1);
    let bytes = &bytemuck_free::as_bytes(&store)[start..start + file.len()];
    let view: ArrayView<u32> = serde_npy::from_slice(bytes).unwrap();
    assert!(!view.is_borrowed());
    assert_eq!(view.data(), &data[..]);
}

#[test]
fn big_endian_is_converted() {
    // numpy: np.arange(4, dtype='>i2').reshape(2, 2), saved with np.save.
    let mut file = serde_npy::to_vec(&[[0i16, 1], [2, 3]]).unwrap();
    let at = file.windows(5).position(|w| w == b"'<i2'").unwrap();
    file[at + 1] = b'>';
    for pair in file[128..].chunks_exact_mut(2) {
        pair.swap(0, 1);
    }
    let view: ArrayView<i16> = serde_npy::from_slice(&file).unwrap();
    assert!(!view.is_borrowed());
    assert_eq!(view.data(), [0, 1, 2, 3]);
    assert_eq!(view.shape(), [2, 2]);
}

#[test]
fn fortran_order_is_file_order() {
    #[derive(Serialize)]
    struct F {
        shape: Vec<usize>,
        fortran_order: bool,
        data: Vec<u16>,
    }
    let file = serde_npy::to_vec(&F {
        shape: vec![2, 3],
        fortran_order: true,
        data: vec![0, 3, 1, 4, 2, 5],
    })
    .unwrap();
    let view: ArrayView<u16> = serde_npy::from_slice(&file).unwrap();
    assert!(view.fortran_order());
    assert_eq!(view.data(), [0, 3, 1, 4, 2, 5]);
}

#[test]
fn wrong_element_type_is_an_error() {
    let file = serde_npy::to_vec(&vec![1.0f32]).unwrap();
    let err = serde_npy::from_slice::<ArrayView<f64>>(&file).unwrap_err();
    assert!(err.to_string().contains("<f4"), "{err}");
    let records = serde_npy::to_vec(&vec![(1u8, 2.0f32)]).unwrap();
    assert!(serde_npy::from_slice::<ArrayView<u8>>(&records).is_err());
}

#[test]
fn half_and_empty() {
    let h = vec![half::f16::from_f32(1.5), half::f16::NAN];
    let file = serde_npy::to_vec(&h).unwrap();
    let view: ArrayView<half::f16> = serde_npy::from_slice(&file).unwrap();
    assert_eq!(view.data()[0].to_bits(), h[0].to_bits());
    assert_eq!(view.data()[1].to_bits(), h[1].to_bits());
    let empty = serde_npy::to_vec(&ArrayView::<i64>::new(vec![0, 3], vec![]).unwrap()).unwrap();
    let view: ArrayView<i64> = serde_npy::from_slice(&empty).unwrap();
    assert!(view.is_empty());
    assert_eq!(view.shape(), [0, 3]);
}

#[derive(Serialize, Deserialize)]
struct Msg<'a> {
    id: u8,
    #[serde(with = "serde_npy", borrow)]
    samples: ArrayView<'a, u8>,
}

#[test]
fn borrows_through_host_formats() {
    let samples = ArrayView::new(vec![4, 2], (0..8u8).collect::<Vec<_>>()).unwrap();
    let msg = Msg { id: 1, samples };
    for packed in [
        rmp_serde::to_vec(&msg).unwrap(),
        postcard::to_allocvec(&msg).unwrap(),
    ] {
        let back: Msg = if packed == postcard::to_allocvec(&msg).unwrap() {
            postcard::from_bytes(&packed).unwrap()
        } else {
            rmp_serde::from_slice(&packed).unwrap()
        };
        assert_eq!(back.samples.data(), msg.samples.data());
        assert_eq!(back.samples.shape(), [4, 2]);
        // u8 needs no alignment, so the view always borrows the message.
        assert!(back.samples.is_borrowed());
        assert!(packed
            .as_ptr_range()
            .contains(&back.samples.data().as_ptr()));
    }
    // JSON has no borrowed bytes: a copy, same values.
    let json = serde_json::to_string(&msg).unwrap();
    let back: Msg = serde_json::from_str(&json).unwrap();
    assert!(!back.samples.is_borrowed());
    assert_eq!(back.samples.data(), msg.samples.data());
}

#[test]
fn wrong_element_type_is_a_type_mismatch_naming_both_types() {
    use serde_npy::ErrorKind;

    let file = serde_npy::to_vec(&vec![1i32, 2]).unwrap();
    let err = serde_npy::from_slice::<ArrayView<f32>>(&file).unwrap_err();
    match err.kind() {
        ErrorKind::TypeMismatch { expected, found } => {
            assert!(expected.contains("ArrayView<f32>"), "{err}");
            assert!(expected.contains("'<f4'"), "{err}");
            assert_eq!(found, "'<i4'", "{err}");
        }
        other => panic!("{other:?}"),
    }
    // The same through `take_from_slice`.
    let err = serde_npy::take_from_slice::<ArrayView<u8>>(&file).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::TypeMismatch { .. }),
        "{err:?}"
    );
    // Byte order is no mismatch: big-endian data is converted.
    let mut big = serde_npy::Header::new(
        serde_npy::Dtype::F32(serde_npy::ByteOrder::Big),
        vec![1],
        false,
    )
    .to_bytes();
    big.extend_from_slice(&1.5f32.to_be_bytes());
    let view: ArrayView<f32> = serde_npy::from_slice(&big).unwrap();
    assert_eq!(view.data(), [1.5]);
}
