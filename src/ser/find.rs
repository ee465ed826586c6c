//! The first pass's fast path: the shape of nested sequences of plain
//! numbers, found without allocating; anything else is left to the planner.

use serde::ser::{self, Serialize};

use super::exact_len;
use super::layout::Layout;
use super::plan::scalar_dtypes;
use super::probe::{probe_axis_traits, probe_misses, ProbeMiss, ShapeProbe};
use crate::complex::COMPLEX_NEWTYPE;
use crate::dtype::{ByteOrder, Dtype, LeafKind, F16_NEWTYPE};
use crate::header::Preamble;

/// Most axes [`ShapeFinder`] handles; deeper arrays are planned in full.
const FOUND_DIMS: usize = 8;

/// What [`ShapeFinder`] found so far: the axes down to the current depth.
struct FoundShape {
    dims: [usize; FOUND_DIMS],
    ndim: usize,
    /// Some part of the value was not such an array.
    missed: bool,
    /// The value was one slice of numbers, written whole (see [`plan_into`]).
    written: bool,
}

/// The common case of the first pass without allocating: nested sequences
/// and tuples of plain numbers of one kind (newtypes around them included).
/// It finds the shape from the first element of each axis, like the planner,
/// and checks the other elements of tuples (Rust arrays) with [`ShapeProbe`].
/// Anything else — records, strings, empty axes, `shape` + `data` structs,
/// more than [`FOUND_DIMS`] axes — is a miss, and the value is planned in
/// full: one more walk over the part of the value read until the miss.
struct ShapeFinder<'f> {
    found: &'f mut FoundShape,
    depth: usize,
    /// Where a top-level slice of numbers is written whole: after the first
    /// `.1` bytes of the `Vec`.
    append: Option<(&'f mut Vec<u8>, usize)>,
}

/// Why a [`ShapeFinder`] stopped.
#[derive(Debug)]
enum FindStop {
    /// Not such an array.
    Miss,
    /// A sequence whose first element told its element shape: the emitter
    /// checks the others, so iterating stops here (carried by `?` through
    /// the value's `Serialize` impl, as [`PlanError::Stop`] is).
    Found(LeafKind),
}

impl std::fmt::Display for FindStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        ProbeMiss.fmt(f)
    }
}

impl std::error::Error for FindStop {}

impl ser::Error for FindStop {
    fn custom<T: std::fmt::Display>(_msg: T) -> Self {
        FindStop::Miss
    }
}

macro_rules! find_scalar {
    ($($method:ident: $ty:ty => $dtype:expr;)*) => {$(
        #[inline]
        fn $method(self, _v: $ty) -> Result<LeafKind, FindStop> {
            self.found.ndim = self.depth;
            Ok(LeafKind::of(&$dtype))
        }
    )*};
}

impl<'f> ShapeFinder<'f> {
    fn axis(self, len: Option<usize>, is_seq: bool) -> Result<AxisFinder<'f>, FindStop> {
        match len {
            Some(len) if len > 0 && self.depth < FOUND_DIMS => {
                self.found.dims[self.depth] = len;
                Ok(AxisFinder {
                    found: self.found,
                    depth: self.depth,
                    expected: len,
                    count: 0,
                    kind: LeafKind::Other,
                    is_seq,
                })
            }
            _ => Err(FindStop::Miss),
        }
    }
}

impl<'f> ser::Serializer for ShapeFinder<'f> {
    probe_misses!(AxisFinder<'f>, FindStop, FindStop::Miss);
    scalar_dtypes!(find_scalar);

    fn serialize_seq(self, len: Option<usize>) -> Result<AxisFinder<'f>, FindStop> {
        self.axis(len, true)
    }
    fn collect_seq<I>(mut self, iter: I) -> Result<LeafKind, FindStop>
    where
        I: IntoIterator,
        I::Item: Serialize,
    {
        let iter = iter.into_iter();
        if let Some((out, base)) = self.append.take() {
            // Empty sequences are planned: they are written as `<f8`, as
            // NumPy writes `np.array([])`, whatever the element type.
            let slice = crate::bulk::number_bytes(&iter).filter(|s| s.len > 0);
            // A number kind always has a dtype.
            if let Some((dtype, slice)) = slice.and_then(|s| Some((s.kind.dtype()?, s))) {
                let dims = slice.dims();
                let preamble = Preamble::new(&dtype, &dims, false);
                let start = preamble.len();
                out.truncate(base);
                out.reserve_exact(start + slice.bytes.len());
                out.resize(base + start, 0);
                preamble.write(&mut out[base..]);
                out.extend_from_slice(slice.bytes);
                self.found.written = true;
                return Ok(slice.kind);
            }
        }
        let len = exact_len(&iter);
        let mut seq = self.axis(len, true)?;
        for item in iter {
            ser::SerializeSeq::serialize_element(&mut seq, &item)?;
        }
        ser::SerializeSeq::end(seq)
    }
    fn serialize_tuple(self, len: usize) -> Result<AxisFinder<'f>, FindStop> {
        self.axis(Some(len), false)
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<AxisFinder<'f>, FindStop> {
        self.axis(Some(len), false)
    }
}

/// One axis of a [`ShapeFinder`].
struct AxisFinder<'f> {
    found: &'f mut FoundShape,
    depth: usize,
    expected: usize,
    count: usize,
    /// The first element's kind (`Other` before it).
    kind: LeafKind,
    /// A sequence (every element has one type) rather than a tuple.
    is_seq: bool,
}

impl AxisFinder<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), FindStop> {
        if self.count == self.expected {
            return Err(self.miss());
        }
        if self.count == 0 {
            let finder = ShapeFinder {
                found: &mut *self.found,
                depth: self.depth + 1,
                append: None,
            };
            self.kind = match value.serialize(finder) {
                Ok(kind) | Err(FindStop::Found(kind)) => kind,
                Err(FindStop::Miss) => return Err(self.miss()),
            };
            self.count = 1;
            if self.is_seq {
                return Err(FindStop::Found(self.kind));
            }
            return Ok(());
        }
        let probe = ShapeProbe {
            dims: &self.found.dims[self.depth + 1..self.found.ndim],
            kind: Some(self.kind),
        };
        match value.serialize(probe) {
            Ok(_) => {
                self.count += 1;
                Ok(())
            }
            Err(ProbeMiss) => Err(self.miss()),
        }
    }

    /// A miss, remembered: a `Serialize` impl that ignores the error must
    /// not make the rest of the value look like an array to this pass when
    /// the planner would see otherwise.
    fn miss(&mut self) -> FindStop {
        self.found.missed = true;
        FindStop::Miss
    }

    fn finish(mut self) -> Result<LeafKind, FindStop> {
        if self.count == self.expected && !self.found.missed {
            Ok(self.kind)
        } else {
            Err(self.miss())
        }
    }
}

probe_axis_traits!(AxisFinder, FindStop);

/// What [`find`] did.
pub(super) enum Found {
    Layout(Layout),
    /// The value was one slice of numbers, and the whole file is written.
    Written,
}

/// The layout of `value` if [`ShapeFinder`] recognises it.
#[cfg(test)]
pub(super) fn find_layout<T: Serialize + ?Sized>(value: &T) -> Option<Layout> {
    match find(value, None)? {
        Found::Layout(layout) => Some(layout),
        Found::Written => None,
    }
}

/// Runs [`ShapeFinder`] over `value`, with `append` as in [`plan_into`].
pub(super) fn find<T: Serialize + ?Sized>(
    value: &T,
    append: Option<(&mut Vec<u8>, usize)>,
) -> Option<Found> {
    let mut found = FoundShape {
        dims: [0; FOUND_DIMS],
        ndim: 0,
        missed: false,
        written: false,
    };
    let kind = match value.serialize(ShapeFinder {
        found: &mut found,
        depth: 0,
        append,
    }) {
        Ok(kind) | Err(FindStop::Found(kind)) if !found.missed => kind,
        _ => return None,
    };
    if found.written {
        return Some(Found::Written);
    }
    Some(Found::Layout(Layout {
        shape: found.dims[..found.ndim].to_vec(),
        dtype: kind.dtype()?,
        fortran_order: false,
        shaped: false,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ser::layout::plan_layout;
    use serde::Serialize;

    /// `find_layout`, where it answers, agrees with the full planner.
    fn agrees<T: Serialize + ?Sized>(value: &T) -> bool {
        let Some(found) = find_layout(value) else {
            return false;
        };
        let planned = plan_layout(value).unwrap();
        assert_eq!(found.shape, planned.shape);
        assert_eq!(found.dtype, planned.dtype);
        assert_eq!(found.fortran_order, planned.fortran_order);
        assert_eq!(found.shaped, planned.shaped);
        true
    }

    #[derive(Serialize)]
    struct Wrapper(Vec<f32>);

    #[derive(Serialize)]
    struct Point {
        x: f32,
        y: f32,
    }

    #[test]
    fn the_shape_finder_agrees_with_the_planner() {
        assert!(agrees(&1.5f32));
        assert!(agrees(&true));
        assert!(agrees(&7u8));
        assert!(agrees(&-3i64));
        assert!(agrees(&vec![1.0f64, 2.0]));
        assert!(agrees(&[[1.0f32, 2.0, 3.0, 4.0]; 4]));
        assert!(agrees(&vec![[1i16, 2, 3]; 5]));
        assert!(agrees(&vec![vec![1u32, 2], vec![3, 4]]));
        assert!(agrees(&(1.0f32, 2.0f32)));
        assert!(agrees(&([1.0f32, 2.0], [3.0f32, 4.0])));
        assert!(agrees(&vec![(1u8, 2u8); 3]));
        assert!(agrees(&Wrapper(vec![1.0, 2.0])));
        assert!(agrees(&[[[[[[[[1u8; 2]; 1]; 3]; 1]; 1]; 1]; 1]; 1]));
    }

    #[test]
    fn the_shape_finder_leaves_everything_else_to_the_planner() {
        let misses = [
            find_layout(&Vec::<f32>::new()),
            find_layout(&vec![Vec::<f32>::new()]),
            find_layout(&(1.0f32, 2i32)),
            find_layout(&([1.0f32, 2.0], 3.0f32)),
            find_layout(&[vec![1.0f32], vec![1.0, 2.0]]),
            find_layout(&[1.0f32, 2.0].map(Some)),
            find_layout("text"),
            find_layout(&vec![Point { x: 1.0, y: 2.0 }]),
            find_layout(&1u128),
            find_layout(&half::f16::ONE),
            find_layout(&[[[[[[[[[1u8; 1]; 1]; 1]; 1]; 1]; 1]; 1]; 1]; 1]),
        ];
        for (i, miss) in misses.iter().enumerate() {
            assert!(miss.is_none(), "case {i}: {miss:?}");
        }
    }
}
