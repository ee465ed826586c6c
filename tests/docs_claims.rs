//! Claims the README and the crate docs make in prose, checked.

use serde_npy::{ArrayView, ByteOrder, Dtype, ErrorKind, Header};

/// "An `<f8` file read into `f32` rounds, as serde does everywhere": serde's
/// `f32` visitor takes an `f64` and casts it, so values round to the nearest
/// `f32` and those beyond its range become infinite.
#[test]
fn f8_read_into_f32_rounds() {
    let values = [0.1f64, -2.5, 1e300, 16_777_217.0];
    let bytes = serde_npy::to_vec(&values).unwrap();
    let narrowed: Vec<f32> = serde_npy::from_slice(&bytes).unwrap();
    assert_eq!(narrowed, values.map(|v| v as f32));
    assert_eq!(narrowed, [0.1f32, -2.5, f32::INFINITY, 16_777_216.0]);
    // The reader gives the same.
    let from_reader: Vec<f32> = serde_npy::from_reader(&bytes[..]).unwrap();
    assert_eq!(from_reader, narrowed);
}

/// "Integers are range-checked: a value out of range is an `invalid value`
/// error naming the element."
#[test]
fn integers_are_range_checked() {
    let bytes = serde_npy::to_vec(&[1i32, 300, -1]).unwrap();
    let e = serde_npy::from_slice::<Vec<u8>>(&bytes).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::InvalidValue { .. }), "{e:?}");
    assert_eq!(e.path().as_deref(), Some("[1]"));
    assert_eq!(
        e.to_string(),
        "invalid value: integer `300`, expected u8 (at [1], file dtype '<i4')"
    );
    // Negative into unsigned, and `<u8` beyond `i32`.
    let e = serde_npy::from_slice::<Vec<u32>>(&serde_npy::to_vec(&[1i64, -1]).unwrap());
    assert!(matches!(
        e.unwrap_err().kind(),
        ErrorKind::InvalidValue { .. }
    ));
    let e = serde_npy::from_slice::<Vec<i32>>(&serde_npy::to_vec(&[u64::MAX]).unwrap());
    assert!(matches!(
        e.unwrap_err().kind(),
        ErrorKind::InvalidValue { .. }
    ));
    // Values in range convert, widening or narrowing.
    let small = serde_npy::to_vec(&[1i64, -128, 127]).unwrap();
    assert_eq!(
        serde_npy::from_slice::<Vec<i8>>(&small).unwrap(),
        [1, -128, 127]
    );
    // A float is never read into an integer.
    let e = serde_npy::from_slice::<Vec<i64>>(&serde_npy::to_vec(&[1.0f32]).unwrap());
    assert!(matches!(
        e.unwrap_err().kind(),
        ErrorKind::InvalidType { .. }
    ));
}

/// Counts in messages agree with their nouns: "1 byte", "1 element".
#[test]
fn messages_say_one_byte_and_one_element() {
    let mut bytes = serde_npy::to_vec(&[1.0f32; 4]).unwrap();
    bytes.truncate(bytes.len() - 15);
    let e = serde_npy::from_slice::<Vec<f32>>(&bytes).unwrap_err();
    assert_eq!(
        e.to_string(),
        "data is 1 byte, shape (4,) of '<f4' needs 16"
    );
    let e = serde_npy::from_reader::<_, Vec<f32>>(&bytes[..]).unwrap_err();
    assert!(
        e.to_string()
            .contains("expected 16 bytes, found 1 (15 missing)"),
        "{e}"
    );

    let e = serde_npy::to_vec(&vec![vec![1u8, 2], vec![3]]).unwrap_err();
    assert!(
        e.to_string()
            .contains("index [1] has 1 element, expected 2"),
        "{e}"
    );
    let e = serde_npy::to_vec(&vec![vec![1u8], vec![2, 3]]).unwrap_err();
    assert!(
        e.to_string().contains("has 2 elements, expected 1 like"),
        "{e}"
    );

    let e = "<f1".parse::<Dtype>().unwrap_err();
    assert!(e.to_string().contains("type of 1 byte"), "{e}");
}

/// `ArrayView`: byte-swapped or misaligned data of its element type is
/// copied (converted to native order); another element type is an error.
#[test]
fn array_view_copies_same_type_and_refuses_other_types() {
    let other = match ByteOrder::NATIVE {
        ByteOrder::Little => ByteOrder::Big,
        ByteOrder::Big => ByteOrder::Little,
    };
    let mut swapped = Header::new(Dtype::F32(other), vec![2], false).to_bytes();
    for v in [1.5f32, -2.0] {
        swapped.extend_from_slice(&match other {
            ByteOrder::Big => v.to_be_bytes(),
            ByteOrder::Little => v.to_le_bytes(),
        });
    }
    let view: ArrayView<f32> = serde_npy::from_slice(&swapped).unwrap();
    assert!(!view.is_borrowed());
    assert_eq!(view.data(), [1.5, -2.0]);

    // One byte in: the data is no longer aligned for `f32`.
    let native = serde_npy::to_vec(&[1.5f32, -2.0]).unwrap();
    let mut shifted = vec![0u8];
    shifted.extend_from_slice(&native);
    let view: ArrayView<f32> = serde_npy::from_slice(&shifted[1..]).unwrap();
    assert!(!view.is_borrowed());
    assert_eq!(view.data(), [1.5, -2.0]);

    // Neither a wider float nor an integer of the same size is converted to.
    let e = serde_npy::from_slice::<ArrayView<f64>>(&native).unwrap_err();
    assert!(e.to_string().starts_with("cannot read '<f4' as ") && e.to_string().contains("f8'"));
    let e = serde_npy::from_slice::<ArrayView<i32>>(&native).unwrap_err();
    assert!(e.to_string().starts_with("cannot read '<f4' as ") && e.to_string().contains("i4'"));
}
