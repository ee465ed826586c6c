//! Writing and reading datetime64 / timedelta64 (`serde_npy::datetime`) and
//! bfloat16 (`half::bf16`, as ml_dtypes saves it): issue #16.

use half::bf16;
use serde::{Deserialize, Serialize};
use serde_npy::datetime::{
    Attos, DateTime64, Days, Femtos, Generic, Hours, Micros, Millis, Minutes, Months, Nanos, Picos,
    Seconds, TimeDelta64, Unit, Weeks, Years, NAT,
};
use serde_npy::{Dtype, ErrorKind, Header};

fn descr(bytes: &[u8]) -> String {
    Header::from_slice(bytes).unwrap().dtype.to_string()
}

fn round_trip<U: Unit>(numpy_unit: &str) {
    let values = vec![
        DateTime64::<U>::new(0),
        DateTime64::new(-1),
        DateTime64::new(1_700_000_000),
        DateTime64::NAT,
    ];
    let bytes = serde_npy::to_vec(&values).unwrap();
    let unit = if numpy_unit.is_empty() {
        String::new()
    } else {
        format!("[{numpy_unit}]")
    };
    assert_eq!(descr(&bytes), format!("'<M8{unit}'"));
    let back: Vec<DateTime64<U>> = serde_npy::from_slice(&bytes).unwrap();
    assert_eq!(back, values);
    assert!(back[3].is_nat() && !back[0].is_nat());
    // The data is the i64 counts, NaT as i64::MIN.
    let raw: Vec<i64> = serde_npy::from_slice(&bytes).unwrap();
    assert_eq!(raw, [0, -1, 1_700_000_000, NAT]);

    let deltas = vec![TimeDelta64::<U>::new(5), TimeDelta64::NAT];
    let bytes = serde_npy::to_vec(&deltas).unwrap();
    assert_eq!(descr(&bytes), format!("'<m8{unit}'"));
    let back: Vec<TimeDelta64<U>> = serde_npy::from_slice(&bytes).unwrap();
    assert_eq!(back, deltas);
}

#[test]
fn every_numpy_unit_writes_and_reads_back() {
    round_trip::<Years>("Y");
    round_trip::<Months>("M");
    round_trip::<Weeks>("W");
    round_trip::<Days>("D");
    round_trip::<Hours>("h");
    round_trip::<Minutes>("m");
    round_trip::<Seconds>("s");
    round_trip::<Millis>("ms");
    round_trip::<Micros>("us");
    round_trip::<Nanos>("ns");
    round_trip::<Picos>("ps");
    round_trip::<Femtos>("fs");
    round_trip::<Attos>("as");
    round_trip::<Generic>("");
}

#[test]
fn the_unit_and_kind_are_checked_on_reading() {
    let bytes = serde_npy::to_vec(&[DateTime64::<Nanos>::new(1)]).unwrap();
    let e = serde_npy::from_slice::<Vec<DateTime64<Micros>>>(&bytes).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::TypeMismatch { .. }), "{e}");
    assert!(e.to_string().contains("datetime64[us]"), "{e}");
    assert!(e.to_string().contains("<M8[ns]"), "{e}");
    assert!(serde_npy::from_slice::<Vec<TimeDelta64<Nanos>>>(&bytes).is_err());
    // A plain i64 file is no datetime.
    let ints = serde_npy::to_vec(&[1i64]).unwrap();
    assert!(serde_npy::from_slice::<Vec<DateTime64<Nanos>>>(&ints).is_err());
    // A file NumPy wrote with a normalised unit reads as that unit.
    let mut file = Header::new(Dtype::from_descr("'M8[7D/2]'").unwrap(), vec![1], false).to_bytes();
    file.extend_from_slice(&5i64.to_le_bytes());
    assert_eq!(descr(&file), "'<M8[84h]'");
    assert!(serde_npy::from_slice::<Vec<DateTime64<Hours>>>(&file).is_err());
    assert_eq!(serde_npy::from_slice::<Vec<i64>>(&file).unwrap(), [5]);
}

#[test]
fn mixed_units_in_one_array_are_an_error() {
    #[derive(Serialize)]
    #[serde(untagged)]
    enum Either {
        S(DateTime64<Seconds>),
        Ms(DateTime64<Millis>),
    }
    let e = serde_npy::to_vec(&vec![
        Either::S(DateTime64::new(1)),
        Either::Ms(DateTime64::new(1)),
    ])
    .unwrap_err();
    assert!(e.to_string().contains("M8"), "{e}");
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Event {
    t: DateTime64<Millis>,
    took: TimeDelta64<Micros>,
    x: f32,
}

#[test]
fn inside_records() {
    let events = vec![
        Event {
            t: DateTime64::new(1_700_000_000_000),
            took: TimeDelta64::new(250),
            x: 1.5,
        },
        Event {
            t: DateTime64::NAT,
            took: TimeDelta64::NAT,
            x: -0.0,
        },
    ];
    let bytes = serde_npy::to_vec(&events).unwrap();
    assert_eq!(
        descr(&bytes),
        "[('t', '<M8[ms]'), ('took', '<m8[us]'), ('x', '<f4')]"
    );
    let back: Vec<Event> = serde_npy::from_slice(&bytes).unwrap();
    assert_eq!(back, events);
    assert!(back[1].t.is_nat() && back[1].took.is_nat());
}

#[test]
fn bf16_is_written_as_ml_dtypes_saves_it() {
    let values = [
        bf16::from_f32(1.0),
        bf16::from_f32(-2.5),
        bf16::NAN,
        bf16::INFINITY,
    ];
    let bytes = serde_npy::to_vec(&values).unwrap();
    // Read back, `<V2` is two void bytes, as np.load shows it (`|V2`).
    assert_eq!(descr(&bytes), "'|V2'");
    let h = Header::from_slice(&bytes).unwrap();
    // The raw bits, little-endian: 1.0 is 0x3F80.
    assert_eq!(&bytes[h.data_offset..h.data_offset + 2], &[0x80, 0x3F]);
    assert_eq!(
        &bytes[..h.data_offset],
        [
            &b"\x93NUMPY\x01\x00v\x00{'descr': '<V2', 'fortran_order': False, 'shape': (4,), }"[..],
            &[b' '; 60][..],
            b"\n"
        ]
        .concat()
    );
    let back: Vec<bf16> = serde_npy::from_slice(&bytes).unwrap();
    assert_eq!(
        back.iter().map(|b| b.to_bits()).collect::<Vec<_>>(),
        values.iter().map(|b| b.to_bits()).collect::<Vec<_>>()
    );
    // Into anything else, two void bytes stay bytes.
    let raw: Vec<serde_bytes::ByteBuf> = serde_npy::from_slice(&bytes).unwrap();
    assert_eq!(raw[0].as_ref(), &[0x80, 0x3F]);
    let json: serde_json::Value = serde_npy::from_slice(&bytes).unwrap();
    assert_eq!(json[0], serde_json::json!([0x80, 0x3F]));
}

fn file(descr: &str, data: &[u8]) -> Vec<u8> {
    let mut text = format!("{{'descr': {descr}, 'fortran_order': False, 'shape': (2,), }}");
    while (10 + text.len() + 1) % 64 != 0 {
        text.push(' ');
    }
    text.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(text.len() as u16).to_le_bytes());
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(data);
    out
}

#[test]
fn bf16_reads_from_v2_and_the_bfloat16_descr_only_into_bf16() {
    let data = [0x80, 0x3F, 0x20, 0xC0]; // 1.0, -2.5
    for descr in ["'<V2'", "'|V2'", "'V2'", "'bfloat16'"] {
        let bytes = file(descr, &data);
        let back: Vec<bf16> = serde_npy::from_slice(&bytes).unwrap();
        assert_eq!(back, [bf16::from_f32(1.0), bf16::from_f32(-2.5)], "{descr}");
        // Not a float to other targets: V2 is ambiguous.
        assert!(
            serde_npy::from_slice::<Vec<f32>>(&bytes).is_err(),
            "{descr}"
        );
    }
    assert_eq!(
        Header::from_slice(&file("'bfloat16'", &data))
            .unwrap()
            .dtype,
        Dtype::BFloat16
    );
    // Other void sizes and other dtypes are no bf16.
    assert!(serde_npy::from_slice::<Vec<bf16>>(&file("'|V4'", &[0; 8])).is_err());
}

#[test]
fn empty_typed_slices_keep_the_dtype() {
    let bytes = serde_npy::typed::to_vec::<DateTime64<Nanos>>(&[]).unwrap();
    assert_eq!(descr(&bytes), "'<M8[ns]'");
    let bytes = serde_npy::typed::to_vec::<TimeDelta64<Days>>(&[]).unwrap();
    assert_eq!(descr(&bytes), "'<m8[D]'");
}

/// NumPy's own files (tests/fixtures/npy, made by np.save), both byte orders.
#[test]
fn numpy_written_datetimes_read_into_the_typed_values() {
    let fixture = |name: &str| {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/npy")
                .join(format!("{name}.npy")),
        )
        .unwrap()
    };
    for order in ["le", "be"] {
        let t: Vec<DateTime64<Nanos>> =
            serde_npy::from_slice(&fixture(&format!("dtype_datetime64_ns_{order}"))).unwrap();
        let values: Vec<i64> = t.iter().map(|t| t.value).collect();
        assert_eq!(
            values,
            [0, 1600000000123456789, NAT, -1, 4611686018427387904]
        );
        assert!(t[2].is_nat());
        let d: TimeDelta64<Seconds> =
            serde_npy::from_slice(&fixture(&format!("dtype_timedelta64_s_{order}_0d"))).unwrap();
        assert!(d.is_nat());
        let d: Vec<TimeDelta64<Seconds>> =
            serde_npy::from_slice(&fixture(&format!("dtype_timedelta64_s_{order}"))).unwrap();
        assert_eq!(d[1], TimeDelta64::new(86400));
        assert!(
            serde_npy::from_slice::<Vec<TimeDelta64<Millis>>>(&fixture(&format!(
                "dtype_timedelta64_s_{order}"
            )))
            .is_err()
        );
    }
}
