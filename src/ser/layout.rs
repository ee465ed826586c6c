//! The first pass's result: the shape, dtype and order the header states,
//! found by the fast [`ShapeFinder`](super::find) or the full planner.

use serde::ser::Serialize;

use super::find::{find, Found};
use super::plan::{plan_value, Elem, Shaped, TopLevel};
use crate::dtype::{Dtype, MAX_DIMS};
use crate::error::{shape_repr, Error, ErrorKind, Result};

/// The result of planning a whole value.
#[derive(Debug)]
pub(super) struct Layout {
    pub(super) shape: Vec<usize>,
    pub(super) dtype: Dtype,
    pub(super) fortran_order: bool,
    /// The value is a struct with `shape` and `data` (or ndarray's `dim` and `data`).
    pub(super) shaped: bool,
}

impl Layout {
    pub(super) fn data_len(&self) -> Result<usize> {
        self.shape
            .iter()
            .try_fold(self.dtype.itemsize(), |a, &d| a.checked_mul(d))
            .ok_or_else(|| self.overflow())
    }

    pub(super) fn overflow(&self) -> Error {
        ErrorKind::ShapeOverflow {
            shape: shape_repr(&self.shape),
            descr: self.dtype.to_string(),
        }
        .into()
    }
}

pub(super) fn plan<T: Serialize + ?Sized>(value: &T) -> Result<Layout> {
    // Without an output to write into, the first pass always plans.
    plan_into(value, None)?
        .ok_or_else(|| ErrorKind::Custom("internal: nothing planned".into()).into())
}

/// [`plan`], but when `value` is one slice of plain numbers (or of rows of
/// them) and `append` is given, the first pass writes the whole file there
/// instead, and there is nothing left to plan (`None`).
pub(super) fn plan_into<T: Serialize + ?Sized>(
    value: &T,
    append: Option<(&mut Vec<u8>, usize)>,
) -> Result<Option<Layout>> {
    match find(value, append) {
        Some(Found::Written) => return Ok(None),
        Some(Found::Layout(layout)) => return Ok(Some(layout)),
        None => {}
    }
    let layout = plan_layout(value)?;
    if layout.shape.len() > MAX_DIMS {
        return Err(ErrorKind::Unsupported {
            what: "an array of more than 64 dimensions",
            hint: "NumPy arrays have at most 64",
        }
        .into());
    }
    Ok(Some(layout))
}

pub(super) fn plan_layout<T: Serialize + ?Sized>(value: &T) -> Result<Layout> {
    let mut top = TopLevel::default();
    let p = plan_value(value, Some(&mut top))?;
    if let Some(Shaped {
        shape,
        fortran,
        descr,
    }) = top.shaped
    {
        let count = shape
            .iter()
            .try_fold(1u64, |a, &d| a.checked_mul(d as u64))
            .unwrap_or(u64::MAX);
        let found = p.dims.first().copied().unwrap_or(1) as u64;
        if p.dims.len() != 1 || found != count {
            return Err(ErrorKind::ShapeDataMismatch {
                shape: shape_repr(&shape),
                expected: count,
                found,
            }
            .into());
        }
        let dtype = match descr {
            // A stated dtype gives empty arrays their type, and must agree
            // with the data otherwise.
            Some(d) if p.elem == Elem::Unknown => d,
            Some(d) if d != p.dtype()? => {
                return Err(ErrorKind::MixedTypes {
                    index: "[]".into(),
                    expected: format!("{d} (the `descr` field)"),
                    found: p.describe(),
                }
                .into())
            }
            _ => p.dtype()?,
        };
        // NumPy tests C-contiguity first: arrays with at most one axis longer
        // than 1, and empty arrays, are written with fortran_order False.
        let fortran_order =
            fortran && !shape.contains(&0) && shape.iter().filter(|&&d| d != 1).count() > 1;
        return Ok(Layout {
            shape,
            dtype,
            fortran_order,
            shaped: true,
        });
    }
    Ok(Layout {
        dtype: p.dtype()?,
        shape: p.dims,
        fortran_order: false,
        shaped: false,
    })
}
