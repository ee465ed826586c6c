//! A complex number type that writes as NumPy `c8` / `c16`.
//!
//! serde has no complex type: `num_complex::Complex` serializes as a tuple
//! `(re, im)`, which this crate cannot tell from a 2-element axis. Wrapping the
//! pair in [`Complex`] marks it, so `Vec<Complex<f64>>` is written as `<c16`.
//! Reading needs no wrapper: complex files read into `(re, im)` tuples,
//! `[f64; 2]`, `num_complex::Complex` or this type alike.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

/// serde newtype name that marks a complex pair.
pub(crate) const COMPLEX_NEWTYPE: &str = "$serde_npy::Complex";

/// A complex number: `Complex<f32>` is NumPy `complex64` (`c8`),
/// `Complex<f64>` is `complex128` (`c16`).
///
/// In other formats it serializes as the pair `[re, im]`.
///
/// ```
/// use serde_npy::{Complex, Dtype, ByteOrder, Header};
/// let z = vec![Complex { re: 1.0f64, im: -2.0 }];
/// let bytes = serde_npy::to_vec(&z).unwrap();
/// assert_eq!(Header::from_slice(&bytes).unwrap().dtype, Dtype::C128(ByteOrder::Little));
/// let back: Vec<Complex<f64>> = serde_npy::from_slice(&bytes).unwrap();
/// assert_eq!(back, z);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Complex<T> {
    /// Real part.
    pub re: T,
    /// Imaginary part.
    pub im: T,
}

impl<T: Serialize> Serialize for Complex<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(COMPLEX_NEWTYPE, &(&self.re, &self.im))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Complex<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PairVisitor<T>(std::marker::PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for PairVisitor<T> {
            type Value = Complex<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a complex number as a pair (re, im)")
            }

            fn visit_newtype_struct<D: Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<Complex<T>, D::Error> {
                let (re, im) = <(T, T)>::deserialize(d)?;
                Ok(Complex { re, im })
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Complex<T>, A::Error> {
                let re = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let im = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                Ok(Complex { re, im })
            }
        }

        d.deserialize_newtype_struct(COMPLEX_NEWTYPE, PairVisitor(std::marker::PhantomData))
    }
}

#[cfg(feature = "num-complex")]
#[cfg_attr(docsrs, doc(cfg(feature = "num-complex")))]
impl<T> From<num_complex::Complex<T>> for Complex<T> {
    fn from(z: num_complex::Complex<T>) -> Self {
        Complex { re: z.re, im: z.im }
    }
}

#[cfg(feature = "num-complex")]
#[cfg_attr(docsrs, doc(cfg(feature = "num-complex")))]
impl<T> From<Complex<T>> for num_complex::Complex<T> {
    fn from(z: Complex<T>) -> Self {
        num_complex::Complex::new(z.re, z.im)
    }
}
