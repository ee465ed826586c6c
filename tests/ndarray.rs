//! ndarray through serde-npy, both ways, checked against NumPy's files:
//! `Array2` written byte for byte as `np.save` writes it, NumPy's C- and
//! Fortran-order files read into `Array2`/`Array3`, Fortran layout kept on
//! writing through `serde_npy::ArrayView`, and a zero-copy
//! `serde_npy::ArrayView` → `ndarray::ArrayView` bridge.

mod common;

use common::{entry, npy};
use ndarray::{Array2, Array3, ArrayD, ArrayView2, ArrayViewD, IxDyn, ShapeBuilder};
use serde::de::DeserializeOwned;
use serde_npy::{ArrayView, ByteOrder, Dtype, ErrorKind, Header};

/// The values NumPy holds for fixture `name`, from the manifest, as a
/// standard-layout array of the fixture's shape.
fn numpy_values<T: DeserializeOwned>(name: &str) -> ArrayD<T> {
    let e = entry(name);
    let shape: Vec<usize> = serde_json::from_value(e["shape"].clone()).unwrap();
    let mut flat = Vec::new();
    flatten(&e["values"], &mut flat);
    let flat = flat
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap())
        .collect();
    ArrayD::from_shape_vec(IxDyn(&shape), flat).unwrap()
}

fn flatten(v: &serde_json::Value, out: &mut Vec<serde_json::Value>) {
    match v {
        serde_json::Value::Array(items) => items.iter().for_each(|v| flatten(v, out)),
        other => out.push(other.clone()),
    }
}

fn values2<T: DeserializeOwned>(name: &str) -> Array2<T> {
    numpy_values(name).into_dimensionality().unwrap()
}

#[test]
fn array2_is_written_as_np_save_writes_it() {
    let a: Array2<f64> = values2("shape_2x3_f8_le");
    assert_eq!(a, ndarray::array![[-1.0, -0.5, 0.0], [0.5, 1.0, 1.5]]);
    assert_eq!(serde_npy::to_vec(&a).unwrap(), npy("shape_2x3_f8_le"));

    let row: Array2<f32> = values2("fortran_row_vector_f4");
    assert_eq!(row, ndarray::array![[0.0f32, 1.0, 2.0]]);
    assert_eq!(
        serde_npy::to_vec(&row).unwrap(),
        npy("fortran_row_vector_f4")
    );

    let bytes: Array2<u8> = values2("shape_2x3_u1");
    assert_eq!(serde_npy::to_vec(&bytes).unwrap(), npy("shape_2x3_u1"));

    // to_writer gives the same bytes.
    let mut out = Vec::new();
    serde_npy::to_writer(&mut out, &a).unwrap();
    assert_eq!(out, npy("shape_2x3_f8_le"));
}

#[test]
fn arrays_round_trip() {
    let a = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f32 / 8.0);
    let bytes = serde_npy::to_vec(&a).unwrap();
    let h = Header::from_slice(&bytes).unwrap();
    assert_eq!(
        (h.dtype, h.shape, h.fortran_order),
        (Dtype::F32(ByteOrder::Little), vec![3, 4], false)
    );
    assert_eq!(serde_npy::from_slice::<Array2<f32>>(&bytes).unwrap(), a);
    assert_eq!(
        serde_npy::from_reader::<_, Array2<f32>>(&bytes[..]).unwrap(),
        a
    );

    let cube = Array3::from_shape_fn((2, 3, 4), |(i, j, k)| (i * 100 + j * 10 + k) as i64);
    let bytes = serde_npy::to_vec(&cube).unwrap();
    assert_eq!(serde_npy::from_slice::<Array3<i64>>(&bytes).unwrap(), cube);
    let dynamic: ArrayD<i64> = serde_npy::from_slice(&bytes).unwrap();
    assert_eq!(dynamic, cube.into_dyn());

    let scalar = ndarray::arr0(2.5f64);
    let bytes = serde_npy::to_vec(&scalar).unwrap();
    assert_eq!(
        Header::from_slice(&bytes).unwrap().shape,
        Vec::<usize>::new()
    );
    assert_eq!(
        serde_npy::from_slice::<ndarray::Array0<f64>>(&bytes).unwrap(),
        scalar
    );
}

/// ndarray serializes `{v, dim, data}` with `data` in logical (row-major)
/// order whatever the memory layout, so a Fortran-layout array is written as
/// a C-order file (`'fortran_order': False`): the same bytes as the
/// standard-layout array with the same values.
#[test]
fn fortran_layout_array_is_written_in_c_order() {
    let f = Array2::from_shape_vec((2, 3).f(), vec![1.0f32, 4.0, 2.0, 5.0, 3.0, 6.0]).unwrap();
    assert!(!f.is_standard_layout());
    let c = ndarray::array![[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
    assert_eq!(f, c);
    let bytes = serde_npy::to_vec(&f).unwrap();
    assert!(!Header::from_slice(&bytes).unwrap().fortran_order);
    assert_eq!(bytes, serde_npy::to_vec(&c).unwrap());
    assert_eq!(serde_npy::from_slice::<Array2<f32>>(&bytes).unwrap(), c);
}

/// To keep the column-major layout in the file, write the memory-order
/// slice through `serde_npy::ArrayView::with_order(.., true, ..)`: the bytes
/// are NumPy's for `np.save` of a Fortran-ordered array.
#[test]
fn fortran_layout_is_kept_through_array_view() {
    let want: Array2<f64> = values2("fortran_2d_f8_le");
    let mut f = Array2::zeros((3, 4).f());
    f.assign(&want);
    let data = f.as_slice_memory_order().unwrap();
    let view = ArrayView::with_order(f.shape().to_vec(), true, data).unwrap();
    let bytes = serde_npy::to_vec(&view).unwrap();
    assert_eq!(bytes, npy("fortran_2d_f8_le"));
    assert!(Header::from_slice(&bytes).unwrap().fortran_order);
}

/// NumPy's Fortran-order files read into `Array2`/`Array3` in logical order
/// (a standard-layout array with NumPy's values), from a slice or a reader,
/// in either byte order.
#[test]
fn numpy_fortran_files_read_into_arrays() {
    for name in ["fortran_2d_f8_le", "fortran_2d_f8_be"] {
        let bytes = npy(name);
        assert!(Header::from_slice(&bytes).unwrap().fortran_order);
        let a: Array2<f64> = serde_npy::from_slice(&bytes).unwrap();
        assert_eq!(a, values2::<f64>(name), "{name}");
        assert!(a.is_standard_layout());
        assert_eq!(
            serde_npy::from_reader::<_, Array2<f64>>(&bytes[..]).unwrap(),
            a
        );
    }
    for name in ["fortran_transpose_u1", "fortran_2d_u1"] {
        let a: Array2<u8> = serde_npy::from_slice(&npy(name)).unwrap();
        assert_eq!(a, values2::<u8>(name), "{name}");
    }
    // `arange(6).reshape(3, 2).T`: the data 0..6 in file order is the
    // transpose's column-major walk.
    let t: Array2<u8> = serde_npy::from_slice(&npy("fortran_transpose_u1")).unwrap();
    assert_eq!(t, ndarray::array![[0, 2, 4], [1, 3, 5]]);

    for name in ["fortran_3d_i4_le", "fortran_3d_i4_be"] {
        let a: Array3<i32> = serde_npy::from_slice(&npy(name)).unwrap();
        let want: Array3<i32> = numpy_values(name).into_dimensionality().unwrap();
        assert_eq!(a, want, "{name}");
    }
}

/// `serde_npy::ArrayView` borrows the data; `ndarray::ArrayView::from_shape`
/// (with `.f()` for a Fortran-order file) puts ndarray's view over the same
/// memory. No element is copied.
#[test]
fn array_view_becomes_ndarray_view_without_a_copy() {
    for name in ["fortran_2d_f8_le", "shape_2x3_f8_le"] {
        let bytes = npy(name);
        let header = Header::from_slice(&bytes).unwrap();
        let view: ArrayView<f64> = serde_npy::from_slice(&bytes).unwrap();
        assert!(view.is_borrowed(), "{name}");
        assert_eq!(view.fortran_order(), header.fortran_order);
        let (rows, cols) = (view.shape()[0], view.shape()[1]);
        let nd = if view.fortran_order() {
            ArrayView2::from_shape((rows, cols).f(), view.data()).unwrap()
        } else {
            ArrayView2::from_shape((rows, cols), view.data()).unwrap()
        };
        assert_eq!(nd, values2::<f64>(name), "{name}");
        // The same memory as the file's data.
        assert_eq!(
            nd.as_ptr(),
            bytes[header.data_offset..].as_ptr().cast::<f64>()
        );
    }

    // Any number of dimensions, through `IxDyn`.
    let bytes = npy("fortran_3d_i4_le");
    let view: ArrayView<i32> = serde_npy::from_slice(&bytes).unwrap();
    assert!(view.is_borrowed() && view.fortran_order());
    let nd = ArrayViewD::from_shape(IxDyn(view.shape()).f(), view.data()).unwrap();
    assert_eq!(nd, numpy_values::<i32>("fortran_3d_i4_le"));

    // Big-endian data cannot be borrowed on a little-endian machine: the view
    // holds a native-order copy, and the bridge is the same.
    let bytes = npy("fortran_2d_f8_be");
    let view: ArrayView<f64> = serde_npy::from_slice(&bytes).unwrap();
    assert_eq!(view.is_borrowed(), ByteOrder::NATIVE == ByteOrder::Big);
    let nd = ArrayView2::from_shape((3, 4).f(), view.data()).unwrap();
    assert_eq!(nd, values2::<f64>("fortran_2d_f8_be"));
}

/// A Fortran-order file into an owned Fortran-layout `Array2`, without
/// re-ordering the elements: one copy of the data in file order.
#[test]
fn fortran_file_into_fortran_layout_array() {
    let bytes = npy("fortran_2d_f8_le");
    let view: ArrayView<f64> = serde_npy::from_slice(&bytes).unwrap();
    let (shape, fortran_order, data) = view.into_parts();
    assert!(fortran_order);
    let a = Array2::from_shape_vec((shape[0], shape[1]).f(), data.into_owned()).unwrap();
    assert!(a.t().is_standard_layout());
    assert_eq!(a, values2::<f64>("fortran_2d_f8_le"));
}

#[test]
fn wrong_dimensionality_is_an_error() {
    let e = serde_npy::from_slice::<Array2<f64>>(&npy("shape_2x3x4_f8_le")).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Dimension { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "expected 2-D, found shape (2, 3, 4) (file dtype '<f8')"
    );
}

/// The reading rules for numbers hold for ndarray too: `<f8` read into an
/// `Array2<f32>` rounds; integers are range-checked.
#[test]
fn number_rules_apply_to_ndarray() {
    let a: Array2<f32> = serde_npy::from_slice(&npy("shape_2x3_f8_le")).unwrap();
    assert_eq!(a, values2::<f64>("shape_2x3_f8_le").mapv(|v| v as f32));
    let e = serde_npy::from_slice::<Array2<i8>>(&npy("shape_2x3_u1")).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::InvalidValue { .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("invalid value: integer `255`, expected i8"),
        "{e}"
    );
}

/// An empty ndarray shows serde no element, so it is written as `'<f8'`
/// with its shape; a `serde_npy::ArrayView` names the element type.
#[test]
fn empty_arrays() {
    let empty = Array2::<f32>::zeros((0, 3));
    let h = Header::from_slice(&serde_npy::to_vec(&empty).unwrap()).unwrap();
    assert_eq!(
        (h.dtype, h.shape),
        (Dtype::F64(ByteOrder::Little), vec![0, 3])
    );
    let typed = ArrayView::new(empty.shape().to_vec(), empty.as_slice().unwrap()).unwrap();
    let bytes = serde_npy::to_vec(&typed).unwrap();
    assert_eq!(bytes, npy("fortran_empty_0x3"));
    assert_eq!(serde_npy::from_slice::<Array2<f32>>(&bytes).unwrap(), empty);
}
