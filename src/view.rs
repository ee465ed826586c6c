//! Zero-copy reads: [`ArrayView`] borrows the data of an aligned, native-endian
//! array straight from the input bytes.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::dtype::{ByteOrder, Dtype};
use crate::error::{shape_repr, Error, ErrorKind};

mod sealed {
    pub trait Sealed {}
}

/// A plain number type whose every bit pattern is a valid value, so that
/// `.npy` data can be viewed as a slice of it.
///
/// Implemented for `i8`…`i64`, `u8`…`u64`, `f32`, `f64` and [`half::f16`].
///
/// ```
/// use serde_npy::{ByteOrder, Element};
///
/// fn descr<T: Element>() -> String {
///     T::dtype(ByteOrder::Little).to_string()
/// }
/// assert_eq!(descr::<f32>(), "'<f4'");
/// assert_eq!(descr::<serde_npy::half::f16>(), "'<f2'");
/// ```
pub trait Element: Copy + sealed::Sealed + 'static {
    /// The dtype of this type in the given byte order.
    ///
    /// ```
    /// use serde_npy::{ByteOrder, Dtype, Element};
    /// assert_eq!(u16::dtype(ByteOrder::Big), Dtype::U16(ByteOrder::Big));
    /// assert_eq!(u8::dtype(ByteOrder::Big), Dtype::U8); // one byte: no order
    /// ```
    fn dtype(order: ByteOrder) -> Dtype;
    /// Decodes one value from exactly `size_of::<Self>()` bytes.
    #[doc(hidden)]
    fn from_bytes(bytes: &[u8], order: ByteOrder) -> Self;
    /// The serde newtype name under which an `ArrayView<Self>` asks the
    /// reader for raw array parts, `$serde_npy::ArrayView<Self>`. It names
    /// `Self`, so that the reader can check the file's dtype and report
    /// a mismatch as an [`ErrorKind::TypeMismatch`], which the view's
    /// visitor, generic over the error type, could only report as a string.
    #[doc(hidden)]
    const VIEW_NAME: &'static str;
}

macro_rules! element {
    ($($ty:ty => $make:expr;)*) => {$(
        impl sealed::Sealed for $ty {}
        impl Element for $ty {
            const VIEW_NAME: &'static str = concat!("$serde_npy::ArrayView<", stringify!($ty), ">");
            fn dtype(order: ByteOrder) -> Dtype {
                #[allow(clippy::redundant_closure_call)]
                ($make)(order)
            }
            #[inline]
            fn from_bytes(bytes: &[u8], order: ByteOrder) -> Self {
                let mut a = [0u8; std::mem::size_of::<$ty>()];
                a.copy_from_slice(bytes);
                match order {
                    ByteOrder::Little => <$ty>::from_le_bytes(a),
                    ByteOrder::Big => <$ty>::from_be_bytes(a),
                }
            }
        }
    )*

        /// The Rust element type an `ArrayView` newtype name asks for
        /// ([`Element::VIEW_NAME`]), and its little-endian dtype.
        pub(crate) fn view_element(name: &str) -> Option<(&'static str, Dtype)> {
            $(
                if name == <$ty as Element>::VIEW_NAME {
                    return Some((stringify!($ty), <$ty>::dtype(ByteOrder::Little)));
                }
            )*
            None
        }
    };
}

element! {
    i8 => |_| Dtype::I8;
    u8 => |_| Dtype::U8;
    i16 => Dtype::I16;
    u16 => Dtype::U16;
    i32 => Dtype::I32;
    u32 => Dtype::U32;
    i64 => Dtype::I64;
    u64 => Dtype::U64;
    f32 => Dtype::F32;
    f64 => Dtype::F64;
    half::f16 => Dtype::F16;
}

/// An array whose data is borrowed from the input when it can be.
///
/// `from_slice::<ArrayView<f32>>` fills it in O(1) — no copy, whatever the
/// size — when the data is native-endian `T` and its address is aligned for
/// `T` (NumPy aligns data to 64 bytes within the file, so this holds whenever
/// the file's buffer is aligned, as a `Vec<u8>` from the allocator is).
/// Data of the element type `T` that cannot be borrowed — byte-swapped (a
/// `'>f4'` file on a little-endian machine), misaligned, or handed over as
/// owned bytes by a host format — is copied into an owned `Vec<T>` in native
/// byte order; [`ArrayView::is_borrowed`] tells which happened. A file of any
/// other element type (`'<f8'` or `'<i4'` for an `ArrayView<f32>`) is an
/// error: values are never converted between types here (read such a file
/// into a `Vec<f32>`, which follows serde's number rules). Through
/// `#[serde(with = "serde_npy", borrow)]` it borrows from host formats that
/// lend their bytes (rmp-serde and postcard `from_slice`).
///
/// Data is in file order: C order, or Fortran order when
/// [`ArrayView::fortran_order`] is true.
///
/// ```
/// use serde_npy::ArrayView;
/// let bytes = serde_npy::to_vec(&vec![[1.0f64, 2.0], [3.0, 4.0]]).unwrap();
/// let view: ArrayView<f64> = serde_npy::from_slice(&bytes).unwrap();
/// assert_eq!(view.shape(), [2, 2]);
/// assert_eq!(view.data(), [1.0, 2.0, 3.0, 4.0]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ArrayView<'a, T: Element> {
    shape: Vec<usize>,
    fortran_order: bool,
    data: Cow<'a, [T]>,
}

impl<'a, T: Element> ArrayView<'a, T> {
    /// A view of `data` with the given shape, in C order.
    ///
    /// Errors when `data.len()` is not the product of `shape`.
    ///
    /// ```
    /// use serde_npy::ArrayView;
    /// let view = ArrayView::new(vec![2, 2], vec![1.0f32, 2.0, 3.0, 4.0])?;
    /// let bytes = serde_npy::to_vec(&view)?;
    /// assert_eq!(serde_npy::from_slice::<Vec<Vec<f32>>>(&bytes)?, [[1.0, 2.0], [3.0, 4.0]]);
    /// assert!(ArrayView::new(vec![3], vec![1.0f32]).is_err()); // 3 elements needed
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn new(shape: Vec<usize>, data: impl Into<Cow<'a, [T]>>) -> Result<Self, Error> {
        Self::with_order(shape, false, data)
    }

    /// A view of `data` with the given shape and memory order.
    ///
    /// ```
    /// use serde_npy::ArrayView;
    /// // Column-major: the first column, then the second.
    /// let view = ArrayView::with_order(vec![2, 2], true, vec![1u8, 2, 3, 4])?;
    /// let bytes = serde_npy::to_vec(&view)?;
    /// assert!(serde_npy::Header::from_slice(&bytes)?.fortran_order);
    /// assert_eq!(serde_npy::from_slice::<Vec<Vec<u8>>>(&bytes)?, [[1, 3], [2, 4]]);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn with_order(
        shape: Vec<usize>,
        fortran_order: bool,
        data: impl Into<Cow<'a, [T]>>,
    ) -> Result<Self, Error> {
        let data = data.into();
        let count = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
        if count != Some(data.len()) {
            return Err(ErrorKind::ShapeDataMismatch {
                shape: shape_repr(&shape),
                expected: count.map_or(u64::MAX, |c| c as u64),
                found: data.len() as u64,
            }
            .into());
        }
        Ok(ArrayView {
            shape,
            fortran_order,
            data,
        })
    }

    /// The logical shape.
    ///
    /// ```
    /// let bytes = serde_npy::to_vec(&[[0i16; 3]; 2])?;
    /// let view: serde_npy::ArrayView<i16> = serde_npy::from_slice(&bytes)?;
    /// assert_eq!(view.shape(), [2, 3]);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Whether [`data`](Self::data) is in column-major order.
    ///
    /// ```
    /// use serde_npy::ArrayView;
    /// let bytes = serde_npy::to_vec(&ArrayView::with_order(vec![2, 2], true, vec![1u8, 2, 3, 4])?)?;
    /// let view: ArrayView<u8> = serde_npy::from_slice(&bytes)?;
    /// assert!(view.fortran_order());
    /// assert_eq!(view.data(), [1, 2, 3, 4]); // file order: column by column
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn fortran_order(&self) -> bool {
        self.fortran_order
    }

    /// The elements in file order.
    ///
    /// ```
    /// let bytes = serde_npy::to_vec(&[[1u32, 2], [3, 4]])?;
    /// let view: serde_npy::ArrayView<u32> = serde_npy::from_slice(&bytes)?;
    /// assert_eq!(view.data(), [1, 2, 3, 4]);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// Number of elements.
    ///
    /// ```
    /// let bytes = serde_npy::to_vec(&[[0u8; 4]; 3])?;
    /// assert_eq!(serde_npy::from_slice::<serde_npy::ArrayView<u8>>(&bytes)?.len(), 12);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the array has no elements.
    ///
    /// ```
    /// let bytes = serde_npy::to_vec(&serde_npy::ArrayView::<f32>::new(vec![0, 3], vec![])?)?;
    /// let view: serde_npy::ArrayView<f32> = serde_npy::from_slice(&bytes)?;
    /// assert!(view.is_empty());
    /// assert_eq!(view.shape(), [0, 3]);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Whether the data borrows the input (no copy was made).
    ///
    /// ```
    /// use serde_npy::ArrayView;
    /// let bytes = serde_npy::to_vec(&[1.0f32, 2.0])?;
    /// assert!(serde_npy::from_slice::<ArrayView<f32>>(&bytes)?.is_borrowed());
    /// // One byte in, the data is misaligned for `f32`: it is copied.
    /// let mut shifted = vec![0u8];
    /// shifted.extend_from_slice(&bytes);
    /// let copy: ArrayView<f32> = serde_npy::from_slice(&shifted[1..])?;
    /// assert!(!copy.is_borrowed());
    /// assert_eq!(copy.data(), [1.0, 2.0]);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn is_borrowed(&self) -> bool {
        matches!(self.data, Cow::Borrowed(_))
    }

    /// An owned copy that no longer borrows the input.
    ///
    /// ```
    /// use serde_npy::ArrayView;
    /// let owned: ArrayView<'static, f64> = {
    ///     let bytes = serde_npy::to_vec(&[0.5f64, 1.5])?;
    ///     serde_npy::from_slice::<ArrayView<f64>>(&bytes)?.into_owned()
    /// }; // `bytes` is gone; `owned` is not
    /// assert_eq!(owned.data(), [0.5, 1.5]);
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn into_owned(self) -> ArrayView<'static, T> {
        ArrayView {
            shape: self.shape,
            fortran_order: self.fortran_order,
            data: Cow::Owned(self.data.into_owned()),
        }
    }

    /// The elements as an owned `Vec`, in file order: one `memcpy` when the
    /// data is borrowed, none when it was already copied. (`from_slice` into
    /// a `Vec<T>` of a C-order array is one pass too; this also takes
    /// Fortran-order data as it lies and any number of dimensions.)
    ///
    /// ```
    /// use serde_npy::ArrayView;
    /// let bytes = serde_npy::to_vec(&vec![1.5f32, 2.5, 3.5]).unwrap();
    /// let v = serde_npy::from_slice::<ArrayView<f32>>(&bytes).unwrap().into_vec();
    /// assert_eq!(v, [1.5, 2.5, 3.5]);
    /// ```
    pub fn into_vec(self) -> Vec<T> {
        self.data.into_owned()
    }

    /// The shape, order and data, taken apart.
    ///
    /// ```
    /// let bytes = serde_npy::to_vec(&[[1i64, 2, 3]])?;
    /// let view: serde_npy::ArrayView<i64> = serde_npy::from_slice(&bytes)?;
    /// let (shape, fortran_order, data) = view.into_parts();
    /// assert_eq!((shape, fortran_order, &*data), (vec![1, 3], false, &[1, 2, 3][..]));
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    pub fn into_parts(self) -> (Vec<usize>, bool, Cow<'a, [T]>) {
        (self.shape, self.fortran_order, self.data)
    }
}

/// Views `bytes` as `&[T]` when the address is aligned and the length fits.
fn cast<T: Element>(bytes: &[u8]) -> Option<&[T]> {
    let size = std::mem::size_of::<T>();
    if bytes.len() % size != 0 || bytes.as_ptr().align_offset(std::mem::align_of::<T>()) != 0 {
        return None;
    }
    // SAFETY: `T: Element` is sealed to primitive integers, floats and
    // `half::f16` (a `repr(transparent)` u16): no padding, no invalid bit
    // patterns, no drop glue. The pointer is aligned for `T` (checked above),
    // and `len * size == bytes.len()`, so the new slice covers exactly the
    // memory of `bytes` and borrows it for the same lifetime.
    Some(unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<T>(), bytes.len() / size) })
}

/// Decodes `bytes` of `order` into owned values.
fn convert<T: Element>(bytes: &[u8], order: ByteOrder) -> Vec<T> {
    bytes
        .chunks_exact(std::mem::size_of::<T>())
        .map(|b| T::from_bytes(b, order))
        .collect()
}

impl<T: Element + Serialize> Serialize for ArrayView<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // `descr` names the element type even when `data` is empty.
        let mut st = s.serialize_struct("ArrayView", 4)?;
        // Element dtypes are never records, so the typestr is always there.
        st.serialize_field(
            "descr",
            &T::dtype(ByteOrder::Little).typestr().unwrap_or_default(),
        )?;
        st.serialize_field("shape", &self.shape)?;
        st.serialize_field("fortran_order", &self.fortran_order)?;
        st.serialize_field("data", &*self.data)?;
        st.end()
    }
}

impl<'de: 'a, 'a, T: Element + Deserialize<'de>> Deserialize<'de> for ArrayView<'a, T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_newtype_struct(T::VIEW_NAME, ViewVisitor(PhantomData))
    }
}

struct ViewVisitor<'a, T>(PhantomData<(&'a (), T)>);

impl<'de: 'a, 'a, T: Element + Deserialize<'de>> Visitor<'de> for ViewVisitor<'a, T> {
    type Value = ArrayView<'a, T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of shape, fortran_order and data")
    }

    /// From this crate's reader: raw parts, with borrowed data when lent.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut dtype, mut shape, mut fortran, mut data) = (None, None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "descr" => {
                    dtype = Some(
                        map.next_value::<String>()?
                            .parse::<Dtype>()
                            .map_err(de::Error::custom)?,
                    )
                }
                "shape" => shape = Some(map.next_value::<Vec<usize>>()?),
                "fortran_order" => fortran = Some(map.next_value::<bool>()?),
                "data" => data = Some(map.next_value::<RawBytes<'de>>()?.0),
                other => {
                    return Err(de::Error::unknown_field(
                        other,
                        &["descr", "shape", "fortran_order", "data"],
                    ))
                }
            }
        }
        let (Some(dtype), Some(shape), Some(fortran), Some(bytes)) = (dtype, shape, fortran, data)
        else {
            return Err(de::Error::custom("incomplete array parts"));
        };
        let order = dtype.byte_order().unwrap_or(ByteOrder::NATIVE);
        // This crate's reader checked the dtype against `T::VIEW_NAME`
        // already, with a matchable error; this guards the cast below
        // whatever hands out the parts.
        if dtype.with_byte_order(ByteOrder::Little) != T::dtype(ByteOrder::Little) {
            return Err(de::Error::custom(ErrorKind::TypeMismatch {
                expected: format!(
                    "{} (the element type of the ArrayView)",
                    T::dtype(ByteOrder::NATIVE)
                ),
                found: dtype.to_string(),
            }));
        }
        let data: Cow<'a, [T]> = match bytes {
            Cow::Borrowed(b) if order == ByteOrder::NATIVE => match cast::<T>(b) {
                Some(slice) => Cow::Borrowed(slice),
                None => Cow::Owned(convert(b, order)),
            },
            other => Cow::Owned(convert(&other, order)),
        };
        Ok(ArrayView {
            shape,
            fortran_order: fortran,
            data,
        })
    }

    /// From other formats, which pass the newtype through: the struct that
    /// `Serialize` wrote, `{shape, fortran_order, data}`.
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_struct(
            "ArrayView",
            &["shape", "fortran_order", "data"],
            OwnedVisitor(PhantomData),
        )
    }
}

struct OwnedVisitor<'a, T>(PhantomData<(&'a (), T)>);

impl<'de, 'a, T: Element + Deserialize<'de>> Visitor<'de> for OwnedVisitor<'a, T> {
    type Value = ArrayView<'a, T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("struct ArrayView with shape, fortran_order and data")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut shape, mut fortran, mut data) = (None, false, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "shape" => shape = Some(map.next_value::<Vec<usize>>()?),
                "fortran_order" => fortran = map.next_value::<bool>()?,
                "data" => data = Some(map.next_value::<Vec<T>>()?),
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        let shape = shape.ok_or_else(|| de::Error::missing_field("shape"))?;
        let data = data.ok_or_else(|| de::Error::missing_field("data"))?;
        ArrayView::with_order(shape, fortran, data).map_err(de::Error::custom)
    }
}

/// Bytes that stay borrowed when the deserializer lends them.
struct RawBytes<'de>(Cow<'de, [u8]>);

impl<'de> Deserialize<'de> for RawBytes<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawBytes<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("bytes")
            }
            fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
                Ok(RawBytes(Cow::Borrowed(v)))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
                Ok(RawBytes(Cow::Owned(v.to_vec())))
            }
        }
        d.deserialize_bytes(V)
    }
}
