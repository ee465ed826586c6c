//! Writes one `.npy` file per table row for the NumPy check in `.ci/run`
//! (`tests/interop/check_numpy.py`), which loads each file with NumPy, compares
//! its values with the JSON sidecar written here, and re-saves it to compare bytes.
//!
//! The files go to `$CARGO_TARGET_TMPDIR/interop`.

use std::path::PathBuf;

use half::f16;
use serde::Serialize;
use serde_bytes::ByteBuf;

fn out_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("interop");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Writer {
    dir: PathBuf,
    names: Vec<String>,
}

impl Writer {
    fn case<T: Serialize>(&mut self, name: &str, value: &T) {
        self.write(name, value, false, false)
    }

    fn write<T: Serialize>(&mut self, name: &str, value: &T, shaped: bool, f16: bool) {
        let bytes = serde_npy::to_vec(value).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut streamed = Vec::new();
        serde_npy::to_writer(&mut streamed, value).unwrap();
        assert_eq!(streamed, bytes, "{name}: to_writer and to_vec differ");
        // Our own reader must accept what we wrote.
        serde_npy::from_slice::<serde_json::Value>(&bytes)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        std::fs::write(self.dir.join(format!("{name}.npy")), &bytes).unwrap();
        let side = serde_json::json!({
            "value": serde_json::to_value(value).unwrap(),
            "shaped": shaped,
            "f16": f16,
        });
        std::fs::write(self.dir.join(format!("{name}.json")), side.to_string()).unwrap();
        self.names.push(name.to_string());
    }

    /// An empty slice of `T` written by `serde_npy::typed`, with what NumPy
    /// must report for it: `shape`, and `dtype` as the sidecar's `names` (a
    /// record's field names) or `typestr` (`dtype.str`).
    fn typed_empty<T: Serialize + Default>(
        &mut self,
        name: &str,
        shape: &[usize],
        dtype: (&str, serde_json::Value),
    ) {
        let bytes = serde_npy::typed::to_vec::<T>(&[]).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut streamed = Vec::new();
        serde_npy::typed::to_writer(&mut streamed, &[] as &[T]).unwrap();
        assert_eq!(streamed, bytes, "{name}: to_writer and to_vec differ");
        serde_npy::from_slice::<serde_json::Value>(&bytes)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        std::fs::write(self.dir.join(format!("{name}.npy")), &bytes).unwrap();
        let mut side = serde_json::json!({ "value": [], "shape": shape });
        side[dtype.0] = dtype.1;
        std::fs::write(self.dir.join(format!("{name}.json")), side.to_string()).unwrap();
        self.names.push(name.to_string());
    }
}

#[derive(Serialize)]
struct Shaped<T> {
    shape: Vec<usize>,
    data: Vec<T>,
}

#[derive(Serialize)]
struct ShapedF<T> {
    shape: Vec<usize>,
    fortran_order: bool,
    data: Vec<T>,
}

#[derive(Serialize)]
struct Point {
    x: f32,
    y: f32,
    z: f32,
    id: u32,
}

/// Default for `serde_npy::typed`.
#[derive(Serialize, Default)]
struct PlanePoint {
    x: f32,
    y: f32,
    id: u32,
}

#[derive(Serialize)]
struct Inner {
    a: i16,
    b: [u8; 2],
}

#[derive(Serialize)]
struct Outer {
    label: String,
    raw: ByteBuf,
    inner: Inner,
    pos: [[f64; 3]; 2],
    flag: bool,
}

#[derive(Serialize)]
struct Unicode {
    #[serde(rename = "整")]
    whole: i32,
    #[serde(rename = "é")]
    e: u8,
    #[serde(rename = "it's")]
    quote: i8,
}

#[derive(Serialize)]
struct Latin1 {
    #[serde(rename = "é\u{a0}x")]
    e: u8,
}

/// A record with `n` fields, enough for a format 2.0 header.
struct Wide(usize);

impl Serialize for Wide {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut t = s.serialize_tuple(self.0)?;
        for i in 0..self.0 {
            if i % 2 == 0 {
                t.serialize_element(&(i as i32))?;
            } else {
                t.serialize_element(&(i as u8))?;
            }
        }
        t.end()
    }
}

#[test]
fn write_interop_cases() {
    let mut w = Writer {
        dir: out_dir(),
        names: Vec::new(),
    };
    // Scalars: 0-d arrays.
    w.case("scalar_bool", &true);
    w.case("scalar_i8", &-8i8);
    w.case("scalar_i16", &-16i16);
    w.case("scalar_i32", &i32::MIN);
    w.case("scalar_i64", &i64::MAX);
    w.case("scalar_u8", &255u8);
    w.case("scalar_u16", &u16::MAX);
    w.case("scalar_u32", &u32::MAX);
    w.case("scalar_u64", &u64::MAX);
    w.case("scalar_f32", &1.5f32);
    w.case("scalar_f64", &-0.0f64);
    w.write("scalar_f16", &f16::from_f32(1.5), false, true);
    w.case("scalar_str", &"héllo 😀");
    w.case("scalar_char", &'整');
    w.case("scalar_bytes", &ByteBuf::from(b"ab\0c".to_vec()));
    // 1-D of every kind.
    w.case("vec_bool", &vec![true, false, true]);
    w.case("vec_i8", &vec![i8::MIN, 0, i8::MAX]);
    w.case("vec_i16", &vec![i16::MIN, 0, i16::MAX]);
    w.case("vec_i32", &vec![i32::MIN, 0, i32::MAX]);
    w.case("vec_i64", &vec![i64::MIN, 0, i64::MAX]);
    w.case("vec_u8", &vec![0u8, 1, 255]);
    w.case("vec_u16", &vec![0u16, u16::MAX]);
    w.case("vec_u32", &vec![0u32, u32::MAX]);
    w.case("vec_u64", &vec![0u64, u64::MAX]);
    w.case("vec_f32", &vec![0.0f32, -0.0, 1e-45, f32::MAX, f32::MIN]);
    w.case("vec_f64", &vec![0.0f64, 5e-324, f64::MAX, -1.0]);
    w.write(
        "vec_f16",
        &vec![f16::from_f32(0.5), f16::MIN_POSITIVE_SUBNORMAL, f16::MAX],
        false,
        true,
    );
    w.case("vec_str", &vec!["a", "", "abc😀"]);
    w.case("vec_empty_strs", &vec!["", ""]);
    w.case(
        "vec_bytes",
        &vec![ByteBuf::from(vec![1u8, 2]), ByteBuf::from(vec![])],
    );
    w.case("array_i32", &[1i32, 2, 3, 4]);
    w.case("slice_f64", &&[1.0f64, 2.0][..]);
    w.case("empty_vec", &Vec::<i32>::new());
    // N-D.
    w.case("nested_2d", &vec![vec![1i64, 2, 3], vec![4, 5, 6]]);
    w.case(
        "nested_3d",
        &[[[1u16, 2], [3, 4]], [[5, 6], [7, 8]], [[9, 10], [11, 12]]],
    );
    w.case("vec_of_arrays", &vec![[1.0f32, 2.0, 3.0]; 4]);
    w.case("homogeneous_tuples", &vec![(1.0f64, 2.0f64), (3.0, 4.0)]);
    w.case("zero_axis", &vec![Vec::<f64>::new(), Vec::new()]);
    w.write(
        "shaped_2x3",
        &Shaped {
            shape: vec![2, 3],
            data: (0..6).collect::<Vec<i32>>(),
        },
        true,
        false,
    );
    w.write(
        "shaped_0d",
        &Shaped {
            shape: vec![],
            data: vec![7u8],
        },
        true,
        false,
    );
    w.write(
        "shaped_2x0x3",
        &Shaped::<f32> {
            shape: vec![2, 0, 3],
            data: vec![],
        },
        true,
        false,
    );
    w.write(
        "shaped_fortran_2x3",
        &ShapedF {
            shape: vec![2, 3],
            fortran_order: true,
            data: (0..6).map(|i| i as f64).collect(),
        },
        true,
        false,
    );
    w.write(
        "shaped_fortran_2x3x4",
        &ShapedF {
            shape: vec![2, 3, 4],
            fortran_order: true,
            data: (0..24).collect::<Vec<u16>>(),
        },
        true,
        false,
    );
    w.write(
        "shaped_fortran_row",
        &ShapedF {
            shape: vec![1, 3],
            fortran_order: true,
            data: vec![1i8, 2, 3],
        },
        true,
        false,
    );
    // Records.
    w.case(
        "records_points",
        &(0..5)
            .map(|i| Point {
                x: i as f32,
                y: -(i as f32),
                z: 0.5,
                id: i,
            })
            .collect::<Vec<_>>(),
    );
    w.case(
        "record_0d",
        &Point {
            x: 1.0,
            y: 2.0,
            z: 3.0,
            id: 4,
        },
    );
    w.case(
        "records_nested",
        &vec![
            Outer {
                label: "first".into(),
                raw: ByteBuf::from(vec![1, 2, 3]),
                inner: Inner { a: -1, b: [1, 2] },
                pos: [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
                flag: true,
            },
            Outer {
                label: "2nd 😀".into(),
                raw: ByteBuf::from(vec![]),
                inner: Inner { a: 300, b: [3, 4] },
                pos: [[0.0; 3]; 2],
                flag: false,
            },
        ],
    );
    w.case("records_tuples", &vec![(1i32, 2.5f64, 3u8), (4, 5.5, 6)]);
    w.write(
        "records_shaped",
        &Shaped {
            shape: vec![2, 2],
            data: (0..4)
                .map(|i| Point {
                    x: i as f32,
                    y: 0.0,
                    z: 0.0,
                    id: i,
                })
                .collect(),
        },
        true,
        false,
    );
    w.case(
        "records_unicode_v3",
        &vec![Unicode {
            whole: 1,
            e: 2,
            quote: 3,
        }],
    );
    w.case("records_latin1_v1", &vec![Latin1 { e: 1 }]);
    #[cfg(feature = "bytemuck")]
    pod_cases(&mut w);
    w.case("records_wide_v2", &vec![Wide(4000)]);
    // Empty slices through `serde_npy::typed`: NumPy gives them the dtype
    // and trailing axes of a non-empty batch.
    w.typed_empty::<PlanePoint>(
        "typed_empty_records",
        &[0],
        ("names", serde_json::json!(["x", "y", "id"])),
    );
    w.typed_empty::<i32>("typed_empty_i4", &[0], ("typestr", "<i4".into()));
    w.typed_empty::<[f32; 3]>("typed_empty_rows_f4", &[0, 3], ("typestr", "<f4".into()));
    time_and_bf16_cases(&mut w);
    assert!(w.names.len() > 50);
}

/// datetime64 / timedelta64 in every unit (NaT included) and bfloat16, as
/// `np.save` writes them (issue #16).
fn time_and_bf16_cases(w: &mut Writer) {
    use serde_npy::datetime::*;
    fn unit<U: Unit>(w: &mut Writer) {
        let name = if U::UNIT.is_empty() {
            "generic"
        } else {
            U::UNIT
        };
        let times = vec![
            DateTime64::<U>::new(0),
            DateTime64::new(-3),
            DateTime64::NAT,
        ];
        w.case(&format!("datetime64_{name}"), &times);
        let deltas = vec![
            TimeDelta64::<U>::new(7),
            TimeDelta64::NAT,
            TimeDelta64::new(i64::MAX),
        ];
        w.case(&format!("timedelta64_{name}"), &deltas);
    }
    unit::<Years>(w);
    unit::<Months>(w);
    unit::<Weeks>(w);
    unit::<Days>(w);
    unit::<Hours>(w);
    unit::<Minutes>(w);
    unit::<Seconds>(w);
    unit::<Millis>(w);
    unit::<Micros>(w);
    unit::<Nanos>(w);
    unit::<Picos>(w);
    unit::<Femtos>(w);
    unit::<Attos>(w);
    unit::<Generic>(w);
    #[derive(Serialize)]
    struct Event {
        t: DateTime64<Millis>,
        took: TimeDelta64<Nanos>,
        x: f32,
    }
    w.case(
        "records_datetime",
        &vec![
            Event {
                t: DateTime64::new(1_700_000_000_000),
                took: TimeDelta64::new(5),
                x: 1.5,
            },
            Event {
                t: DateTime64::NAT,
                took: TimeDelta64::NAT,
                x: 2.0,
            },
        ],
    );
    // bfloat16: the sidecar's value is the bits (half serializes them).
    let bf = vec![
        half::bf16::from_f32(1.0),
        half::bf16::from_f32(-2.5),
        half::bf16::NAN,
        half::bf16::MAX,
    ];
    w.case("vec_bf16", &bf);
    let rows = vec![
        [half::bf16::ONE, half::bf16::ZERO],
        [half::bf16::NEG_ONE, half::bf16::EPSILON],
    ];
    w.case("rows_bf16", &rows);
}

#[cfg(feature = "bytemuck")]
#[repr(C)]
#[derive(Serialize, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct PodInner {
    a: i16,
    b: u16,
}

#[cfg(feature = "bytemuck")]
#[repr(C)]
#[derive(Serialize, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct PodPoint {
    pos: [f32; 3],
    inner: PodInner,
    id: u32,
}

/// Records written by `serde_npy::pod`, which must be serde's bytes.
#[cfg(feature = "bytemuck")]
fn pod_case<T: bytemuck::Pod + Serialize>(w: &mut Writer, name: &str, records: &[T]) {
    let bytes = serde_npy::pod::to_vec(records).unwrap_or_else(|e| panic!("{name}: {e}"));
    let by_serde = serde_npy::to_vec(records).unwrap();
    assert_eq!(bytes, by_serde, "{name}: pod and serde differ");
    w.case(name, &records)
}

#[cfg(feature = "bytemuck")]
fn pod_cases(w: &mut Writer) {
    pod_case(
        w,
        "records_pod",
        &(0..4)
            .map(|i| PodPoint {
                pos: [i as f32, 0.5, -1.0],
                inner: PodInner {
                    a: -(i as i16),
                    b: 60000,
                },
                id: i,
            })
            .collect::<Vec<_>>(),
    );
    pod_case(w, "rows_pod", &[[1u16, 2, 3], [4, 5, 6]]);
}
