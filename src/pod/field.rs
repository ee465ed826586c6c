//! `#[serde(with = "serde_npy::pod")]`: record fields embedded as `.npy`
//! blobs in other formats, in the manner of `serde_bytes`: one trait for
//! what can be written, one for what can be read.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use bytemuck::Pod;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::ser::{self, Serializer};

/// Serializes records as one `.npy` blob, for
/// `#[serde(with = "serde_npy::pod")]`.
///
/// Takes `Vec<T>`, `[T]`, `Box<[T]>`, `Cow<[T]>` and `Option`s of them (see
/// [`SerializeRecords`]). The blob is the one [`crate::serialize`] writes;
/// only the way it is made differs. `None` is the host format's none.
///
/// ```
/// # use bytemuck::{Pod, Zeroable};
/// use serde::{Deserialize, Serialize};
///
/// # #[repr(C)]
/// # #[derive(Clone, Copy, Pod, Zeroable, Serialize, Deserialize, Debug, PartialEq)]
/// # struct Point { x: f32, y: f32, id: u32 }
/// #[derive(Serialize, Deserialize, Debug, PartialEq)]
/// struct Frame {
///     seq: u64,
///     #[serde(with = "serde_npy::pod")]
///     points: Vec<Point>,
///     #[serde(with = "serde_npy::pod")]
///     previous: Option<Vec<Point>>,
/// }
///
/// let points = vec![Point { x: 0.5, y: 1.5, id: 2 }; 8];
/// let frame = Frame { seq: 1, points, previous: None };
/// let packed = rmp_serde::to_vec(&frame).unwrap();
/// assert_eq!(rmp_serde::from_slice::<Frame>(&packed).unwrap(), frame);
/// ```
pub fn serialize<R, S>(records: &R, serializer: S) -> Result<S::Ok, S::Error>
where
    R: SerializeRecords + ?Sized,
    S: Serializer,
{
    records.serialize_records(serializer)
}

/// Deserializes a `.npy` blob written by [`serialize`] (or
/// [`crate::serialize`]) into records.
///
/// Gives `Vec<T>`, `Box<[T]>`, `Cow<[T]>` and `Option`s of them (see
/// [`DeserializeRecords`]). Accepts borrowed and owned bytes and sequences of
/// `u8`, as [`crate::deserialize`] does; a `Cow` borrows the records from a
/// host format that lends its bytes (rmp-serde and postcard `from_slice`)
/// when they are aligned for `T`, as [`view`](super::view) does.
pub fn deserialize<'de, R, D>(deserializer: D) -> Result<R, D::Error>
where
    R: DeserializeRecords<'de>,
    D: Deserializer<'de>,
{
    R::deserialize_records(deserializer)
}

/// What [`serialize`] writes: slices of records and what holds them.
pub trait SerializeRecords {
    /// Serializes `self` as one `.npy` blob (or none).
    fn serialize_records<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;
}

impl<T: Pod + ser::Serialize> SerializeRecords for [T] {
    fn serialize_records<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::with::with_scratch(|blob| {
            super::to_vec_into(self, blob).map_err(ser::Error::custom)?;
            serializer.serialize_bytes(blob)
        })
    }
}

impl<T: Pod + ser::Serialize> SerializeRecords for Vec<T> {
    fn serialize_records<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize_records(serializer)
    }
}

impl<T: Pod + ser::Serialize> SerializeRecords for Box<[T]> {
    fn serialize_records<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize_records(serializer)
    }
}

impl<T: Pod + ser::Serialize> SerializeRecords for Cow<'_, [T]> {
    fn serialize_records<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize_records(serializer)
    }
}

impl<R: SerializeRecords + ?Sized> SerializeRecords for &R {
    fn serialize_records<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize_records(serializer)
    }
}

impl<R: SerializeRecords> SerializeRecords for Option<R> {
    fn serialize_records<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(records) => serializer.serialize_some(&AsBlob(records)),
            None => serializer.serialize_none(),
        }
    }
}

/// Records as a `serde::Serialize` value, for `serialize_some`.
struct AsBlob<'a, R: ?Sized>(&'a R);

impl<R: SerializeRecords + ?Sized> ser::Serialize for AsBlob<'_, R> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_records(serializer)
    }
}

/// What [`deserialize`] reads: owned or borrowed records, and options of
/// them.
pub trait DeserializeRecords<'de>: Sized {
    /// Deserializes `Self` from one `.npy` blob (or none).
    fn deserialize_records<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

impl<'de, T: Pod + ser::Serialize + DeserializeOwned> DeserializeRecords<'de> for Vec<T> {
    fn deserialize_records<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let records: Cow<'de, [T]> = DeserializeRecords::deserialize_records(deserializer)?;
        Ok(records.into_owned())
    }
}

impl<'de, T: Pod + ser::Serialize + DeserializeOwned> DeserializeRecords<'de> for Box<[T]> {
    fn deserialize_records<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<T>::deserialize_records(deserializer).map(Vec::into_boxed_slice)
    }
}

impl<'de, T: Pod + ser::Serialize + DeserializeOwned> DeserializeRecords<'de> for Cow<'de, [T]> {
    fn deserialize_records<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_bytes(RecordsVisitor(PhantomData))
    }
}

impl<'de, R: DeserializeRecords<'de>> DeserializeRecords<'de> for Option<R> {
    fn deserialize_records<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_option(OptionVisitor(PhantomData))
    }
}

struct RecordsVisitor<T>(PhantomData<T>);

impl<'de, T: Pod + ser::Serialize + DeserializeOwned> Visitor<'de> for RecordsVisitor<T> {
    type Value = Cow<'de, [T]>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a .npy blob (bytes or a sequence of u8)")
    }

    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
        super::view(v).map_err(E::custom)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        super::from_slice(v).map(Cow::Owned).map_err(E::custom)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let blob = crate::with::collect_blob(seq)?;
        self.visit_bytes(&blob)
    }
}

struct OptionVisitor<R>(PhantomData<R>);

impl<'de, R: DeserializeRecords<'de>> Visitor<'de> for OptionVisitor<R> {
    type Value = Option<R>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an optional .npy blob")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        R::deserialize_records(deserializer).map(Some)
    }
}
