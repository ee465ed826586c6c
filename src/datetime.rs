//! NumPy's `datetime64` and `timedelta64` as Rust types.
//!
//! [`DateTime64<U>`] and [`TimeDelta64<U>`] hold the `i64` count NumPy
//! stores, with the unit in the type: writing a `Vec<DateTime64<Nanos>>`
//! gives `'<M8[ns]'`, exactly what `np.save` writes for
//! `datetime64[ns]` data, and reading one checks that the file's unit is
//! `ns`. [`NAT`] (`i64::MIN`) is NumPy's not-a-time, seen through
//! [`DateTime64::is_nat`]. They work as record fields too.
//!
//! ```
//! use serde_npy::datetime::{DateTime64, Seconds, TimeDelta64, Millis};
//!
//! let times = vec![DateTime64::<Seconds>::new(1_700_000_000), DateTime64::NAT];
//! let bytes = serde_npy::to_vec(&times)?;
//! assert_eq!(serde_npy::Header::from_slice(&bytes)?.dtype.to_string(), "'<M8[s]'");
//! let back: Vec<DateTime64<Seconds>> = serde_npy::from_slice(&bytes)?;
//! assert_eq!(back, times);
//! assert!(back[1].is_nat());
//!
//! // The unit is checked: these are seconds, not milliseconds.
//! assert!(serde_npy::from_slice::<Vec<DateTime64<Millis>>>(&bytes).is_err());
//! // Plain integers read any unit, as before.
//! let raw: Vec<i64> = serde_npy::from_slice(&bytes)?;
//! assert_eq!(raw, [1_700_000_000, i64::MIN]);
//! # let _ = TimeDelta64::<Millis>::new(5);
//! # Ok::<(), serde_npy::Error>(())
//! ```
//!
//! In other serde formats both types are their plain `i64`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

/// NumPy's not-a-time: the smallest `i64`, in `datetime64` and
/// `timedelta64` alike.
pub const NAT: i64 = i64::MIN;

/// Prefix of the newtype names the two types serialize under; the rest is
/// `M8[unit]` or `m8[unit]`, so the writer knows the dtype from the name.
pub(crate) const NEWTYPE_PREFIX: &str = "serde_npy::";

/// A NumPy time unit, as a type: [`Years`] … [`Attos`], and [`Generic`]
/// (`'<M8'`, no unit). Sealed: the set is NumPy's.
pub trait Unit: sealed::Sealed + 'static {
    /// The unit as NumPy writes it in a dtype: `"ns"`; `""` for generic.
    const UNIT: &'static str;
    /// The newtype name a `DateTime64` of this unit serializes under.
    #[doc(hidden)]
    const DATETIME: &'static str;
    /// The newtype name a `TimeDelta64` of this unit serializes under.
    #[doc(hidden)]
    const TIMEDELTA: &'static str;
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! units {
    ($($(#[$doc:meta])* $ty:ident = $unit:literal, $dt:literal, $td:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $ty {}
        impl sealed::Sealed for $ty {}
        impl Unit for $ty {
            const UNIT: &'static str = $unit;
            const DATETIME: &'static str = $dt;
            const TIMEDELTA: &'static str = $td;
        }
    )*};
}

units! {
    /// Years, `Y`.
    Years = "Y", "serde_npy::M8[Y]", "serde_npy::m8[Y]";
    /// Months, `M`.
    Months = "M", "serde_npy::M8[M]", "serde_npy::m8[M]";
    /// Weeks, `W`.
    Weeks = "W", "serde_npy::M8[W]", "serde_npy::m8[W]";
    /// Days, `D`.
    Days = "D", "serde_npy::M8[D]", "serde_npy::m8[D]";
    /// Hours, `h`.
    Hours = "h", "serde_npy::M8[h]", "serde_npy::m8[h]";
    /// Minutes, `m`.
    Minutes = "m", "serde_npy::M8[m]", "serde_npy::m8[m]";
    /// Seconds, `s`.
    Seconds = "s", "serde_npy::M8[s]", "serde_npy::m8[s]";
    /// Milliseconds, `ms`.
    Millis = "ms", "serde_npy::M8[ms]", "serde_npy::m8[ms]";
    /// Microseconds, `us`.
    Micros = "us", "serde_npy::M8[us]", "serde_npy::m8[us]";
    /// Nanoseconds, `ns`.
    Nanos = "ns", "serde_npy::M8[ns]", "serde_npy::m8[ns]";
    /// Picoseconds, `ps`.
    Picos = "ps", "serde_npy::M8[ps]", "serde_npy::m8[ps]";
    /// Femtoseconds, `fs`.
    Femtos = "fs", "serde_npy::M8[fs]", "serde_npy::m8[fs]";
    /// Attoseconds, `as`.
    Attos = "as", "serde_npy::M8[as]", "serde_npy::m8[as]";
    /// NumPy's generic unit, `'<M8'`: a count with no unit yet.
    Generic = "", "serde_npy::M8", "serde_npy::m8";
}

/// From a newtype name: whether it is a datetime (`true`) or timedelta, and
/// its unit (`""` for generic); `None` for other names.
pub(crate) fn parse_newtype(name: &str) -> Option<(bool, &str)> {
    let rest = name.strip_prefix(NEWTYPE_PREFIX)?;
    let (is_datetime, rest) = if let Some(r) = rest.strip_prefix("M8") {
        (true, r)
    } else {
        (false, rest.strip_prefix("m8")?)
    };
    let unit = match rest {
        "" => "",
        u => u.strip_prefix('[')?.strip_suffix(']')?,
    };
    Some((is_datetime, unit))
}

macro_rules! time_type {
    ($(#[$doc:meta])* $name:ident, $marker:ident, $numpy:literal) => {
        $(#[$doc])*
        pub struct $name<U: Unit> {
            /// The count of `U` NumPy stores; [`NAT`] is not-a-time.
            pub value: i64,
            unit: PhantomData<fn() -> U>,
        }

        impl<U: Unit> $name<U> {
            /// Not-a-time.
            pub const NAT: Self = Self::new(NAT);

            /// A count of `U`.
            pub const fn new(value: i64) -> Self {
                Self {
                    value,
                    unit: PhantomData,
                }
            }

            /// Whether this is NumPy's not-a-time ([`NAT`], `i64::MIN`).
            pub const fn is_nat(&self) -> bool {
                self.value == NAT
            }
        }

        // By hand: derives would ask the unit marker, an empty enum, for
        // the same traits.
        impl<U: Unit> Clone for $name<U> {
            fn clone(&self) -> Self {
                *self
            }
        }
        impl<U: Unit> Copy for $name<U> {}
        impl<U: Unit> PartialEq for $name<U> {
            fn eq(&self, other: &Self) -> bool {
                self.value == other.value
            }
        }
        impl<U: Unit> Eq for $name<U> {}
        impl<U: Unit> PartialOrd for $name<U> {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
        impl<U: Unit> Ord for $name<U> {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                self.value.cmp(&other.value)
            }
        }
        impl<U: Unit> std::hash::Hash for $name<U> {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.value.hash(state)
            }
        }
        impl<U: Unit> fmt::Debug for $name<U> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                if self.is_nat() {
                    write!(f, "{}[{}](NaT)", $numpy, U::UNIT)
                } else {
                    write!(f, "{}[{}]({})", $numpy, U::UNIT, self.value)
                }
            }
        }
        /// The epoch (or a zero duration), so that [`crate::typed`] can
        /// write an empty slice with this dtype.
        impl<U: Unit> Default for $name<U> {
            fn default() -> Self {
                Self::new(0)
            }
        }
        impl<U: Unit> From<i64> for $name<U> {
            fn from(value: i64) -> Self {
                Self::new(value)
            }
        }

        impl<U: Unit> Serialize for $name<U> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_newtype_struct(U::$marker, &self.value)
            }
        }

        impl<'de, U: Unit> Deserialize<'de> for $name<U> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V<U>(PhantomData<fn() -> U>);
                impl<'de, U: Unit> Visitor<'de> for V<U> {
                    type Value = $name<U>;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        write!(f, "a {}[{}] count", $numpy, U::UNIT)
                    }
                    fn visit_newtype_struct<D: Deserializer<'de>>(
                        self,
                        d: D,
                    ) -> Result<Self::Value, D::Error> {
                        i64::deserialize(d).map($name::new)
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                        Ok($name::new(v))
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                        i64::try_from(v)
                            .map($name::new)
                            .map_err(|_| E::custom(format!("{v} does not fit a {}", $numpy)))
                    }
                }
                d.deserialize_newtype_struct(U::$marker, V(PhantomData))
            }
        }
    };
}

time_type!(
    /// A `datetime64[U]`: a count of `U` since 1970-01-01T00:00 (UTC, as
    /// NumPy reads it), written as `'<M8[U]'`.
    ///
    /// ```
    /// use serde_npy::datetime::{DateTime64, Days};
    /// let d = DateTime64::<Days>::new(19_000);
    /// assert!(!d.is_nat() && DateTime64::<Days>::NAT.is_nat());
    /// let bytes = serde_npy::to_vec(&[d])?;
    /// assert_eq!(serde_npy::Header::from_slice(&bytes)?.dtype.to_string(), "'<M8[D]'");
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    DateTime64,
    DATETIME,
    "datetime64"
);

time_type!(
    /// A `timedelta64[U]`: a signed count of `U`, written as `'<m8[U]'`.
    ///
    /// ```
    /// use serde_npy::datetime::{TimeDelta64, Micros};
    /// let bytes = serde_npy::to_vec(&[TimeDelta64::<Micros>::new(-5)])?;
    /// assert_eq!(serde_npy::Header::from_slice(&bytes)?.dtype.to_string(), "'<m8[us]'");
    /// # Ok::<(), serde_npy::Error>(())
    /// ```
    TimeDelta64,
    TIMEDELTA,
    "timedelta64"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newtype_names_parse_back() {
        assert_eq!(parse_newtype(Nanos::DATETIME), Some((true, "ns")));
        assert_eq!(parse_newtype(Attos::TIMEDELTA), Some((false, "as")));
        assert_eq!(parse_newtype(Generic::DATETIME), Some((true, "")));
        assert_eq!(parse_newtype("f16"), None);
        assert_eq!(parse_newtype("serde_npy::x"), None);
    }
}
