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
///
/// ```
/// use std::borrow::Cow;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize)]
/// struct Frame<'a> {
///     #[serde(with = "serde_npy::pod", borrow)]
///     points: Cow<'a, [[f32; 2]]>,
/// }
///
/// let packed = rmp_serde::to_vec(&Frame { points: Cow::Owned(vec![[1.0, 2.0]; 4]) })?;
/// let frame: Frame = rmp_serde::from_slice(&packed)?; // borrows `packed` when aligned
/// assert_eq!(frame.points[3], [1.0, 2.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn deserialize<'de, R, D>(deserializer: D) -> Result<R, D::Error>
where
    R: DeserializeRecords<'de>,
    D: Deserializer<'de>,
{
    R::deserialize_records(deserializer)
}

/// What [`serialize`] writes: slices of records and what holds them.
///
/// ```
/// use serde::Serialize;
///
/// #[derive(Serialize)]
/// struct Frame<'a> {
///     #[serde(with = "serde_npy::pod")]
///     rows: &'a [[u8; 3]],
///     #[serde(with = "serde_npy::pod")]
///     previous: Option<Box<[[u8; 3]]>>,
/// }
///
/// let rows = [[1u8, 2, 3]; 2];
/// let json = serde_json::to_value(Frame { rows: &rows, previous: None })?;
/// let blob: Vec<u8> = serde_json::from_value(json["rows"].clone())?;
/// assert_eq!(blob, serde_npy::to_vec(&rows)?);
/// assert!(json["previous"].is_null());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait SerializeRecords {
    /// Serializes `self` as one `.npy` blob (or none).
    ///
    /// ```
    /// use serde_npy::pod::SerializeRecords;
    /// let rows = vec![[1u16, 2]; 3];
    /// let json = rows.serialize_records(serde_json::value::Serializer)?;
    /// let blob: Vec<u8> = serde_json::from_value(json)?;
    /// assert_eq!(blob, serde_npy::to_vec(&rows)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
///
/// ```
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Frame {
///     #[serde(with = "serde_npy::pod")]
///     rows: Box<[[i32; 2]]>,
///     #[serde(with = "serde_npy::pod")]
///     previous: Option<Vec<[i32; 2]>>,
/// }
///
/// let blob = serde_npy::to_vec(&[[1i32, 2], [3, 4]])?;
/// let json = serde_json::json!({ "rows": blob, "previous": null });
/// let frame: Frame = serde_json::from_value(json)?;
/// assert_eq!((&*frame.rows, frame.previous), (&[[1, 2], [3, 4]][..], None));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait DeserializeRecords<'de>: Sized {
    /// Deserializes `Self` from one `.npy` blob (or none).
    ///
    /// ```
    /// use serde_npy::pod::DeserializeRecords;
    /// let blob = serde_npy::to_vec(&[[1u16, 2], [3, 4]])?;
    /// let json = serde_json::to_string(&blob)?; // a JSON array of the blob's bytes
    /// let rows = Vec::<[u16; 2]>::deserialize_records(&mut serde_json::Deserializer::from_str(&json))?;
    /// assert_eq!(rows, [[1, 2], [3, 4]]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
