//! ndarray and `.npy`, both ways: an `Array2` written and read back, a
//! Fortran-layout array written (in C order, or kept column-major), a file
//! NumPy saved in Fortran order read into an `Array2`, and a zero-copy
//! `serde_npy::ArrayView` turned into an `ndarray::ArrayView2`.
//!
//! Needs ndarray's `serde` feature. Run with `cargo run --example ndarray`.

use ndarray::{array, Array2, ArrayView2, ShapeBuilder};
use serde_npy::{ArrayView, Header};

/// `np.save("f.npy", np.asfortranarray(np.arange(12.0).reshape(3, 4) * 1.5))`,
/// as NumPy 2.4 wrote it: `'fortran_order': True`, the data column by column.
const NUMPY_FORTRAN_FILE: &[u8] = include_bytes!("../tests/fixtures/npy/fortran_2d_f8_le.npy");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. Array2 -> .npy -> Array2. The bytes are np.save's for the same array.
    let a: Array2<f32> = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    let bytes = serde_npy::to_vec(&a)?;
    let back: Array2<f32> = serde_npy::from_slice(&bytes)?;
    assert_eq!(back, a);
    println!("Array2<f32> {:?}: {}", a.shape(), describe(&bytes)?);

    // 2. A Fortran-layout array. ndarray serializes its elements in logical
    //    order, so it is written as a C-order file with the same values: the
    //    bytes of the standard-layout array.
    let f = Array2::from_shape_vec((2, 3).f(), vec![1.0f32, 4.0, 2.0, 5.0, 3.0, 6.0])?;
    assert_eq!(f, a);
    let c_order = serde_npy::to_vec(&f)?;
    assert_eq!(c_order, bytes);
    println!("Fortran-layout Array2, to_vec: {}", describe(&c_order)?);

    //    To keep the column-major layout in the file, write its memory-order
    //    slice through serde_npy::ArrayView with fortran_order = true.
    let column_major = ArrayView::with_order(
        f.shape().to_vec(),
        true,
        f.as_slice_memory_order().ok_or("not contiguous")?,
    )?;
    let kept = serde_npy::to_vec(&column_major)?;
    assert_eq!(serde_npy::from_slice::<Array2<f32>>(&kept)?, a);
    println!(
        "Fortran-layout Array2, through ArrayView: {}",
        describe(&kept)?
    );

    // 3. A file NumPy saved in Fortran order, read into an Array2: the
    //    elements come in logical order, into a standard-layout array.
    let file = NUMPY_FORTRAN_FILE.to_vec(); // an allocator's buffer is aligned
    let m: Array2<f64> = serde_npy::from_slice(&file)?;
    assert_eq!(m[[1, 2]], 9.0); // row 1, column 2: (1 * 4 + 2) * 1.5
    println!(
        "NumPy's Fortran file ({}) as Array2:\n{m}",
        describe(&file)?
    );

    // 4. Zero copy: serde_npy::ArrayView borrows the data in file order, and
    //    ndarray views the same memory, with .f() for a Fortran-order file.
    let view: ArrayView<f64> = serde_npy::from_slice(&file)?;
    let shape = (view.shape()[0], view.shape()[1]);
    let nd: ArrayView2<f64> = if view.fortran_order() {
        ArrayView2::from_shape(shape.f(), view.data())?
    } else {
        ArrayView2::from_shape(shape, view.data())?
    };
    assert_eq!(nd, m);
    let offset = Header::from_slice(&file)?.data_offset;
    let in_place = view.is_borrowed() && nd.as_ptr().cast::<u8>() == file[offset..].as_ptr();
    println!(
        "ndarray::ArrayView2 over the file's own bytes: {in_place}; column 2 = {}",
        nd.column(2)
    );
    Ok(())
}

/// The header facts NumPy would report for `bytes`.
fn describe(bytes: &[u8]) -> serde_npy::Result<String> {
    let h = Header::from_slice(bytes)?;
    Ok(format!(
        "dtype {}, shape {:?}, fortran_order {}, {} bytes",
        h.dtype,
        h.shape,
        h.fortran_order,
        bytes.len()
    ))
}
