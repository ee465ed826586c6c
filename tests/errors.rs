//! Errors say what went wrong as a kind to match on, and where: the element
//! index, the record field path and, for reads, the file's dtype.

use serde::{Deserialize, Serialize};
use serde_npy::{from_reader, from_slice, to_vec, Error, ErrorKind, Result};

#[derive(Serialize, Deserialize, Debug, PartialEq, Default, Clone)]
struct Point {
    x: f32,
    y: f32,
    id: u32,
}

#[derive(Deserialize, Debug)]
struct PointZ {
    #[allow(dead_code)]
    x: f32,
    #[allow(dead_code)]
    z: f32,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Body {
    pos: [f32; 2],
    mass: u8,
}

#[test]
fn error_is_one_pointer_wide() {
    assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    assert!(std::mem::size_of::<Result<f32>>() <= 16);
    assert!(std::mem::size_of::<Result<()>>() <= 8);
}

#[test]
fn wrong_number_type_names_the_element_and_the_dtype() {
    let bytes = to_vec(&[1.0f32, 2.0, 2.0, 1.5]).unwrap();
    // serde's own visitor for i32 refuses a float: the first element fails.
    let err = from_slice::<Vec<i32>>(&bytes).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidType { expected, .. } if expected == "i32"),
        "{err:?}"
    );
    assert_eq!(err.path().as_deref(), Some("[0]"));
    assert_eq!(err.dtype(), Some("'<f4'"));
    assert_eq!(
        err.to_string(),
        "invalid type: floating point `1.0`, expected i32 (at [0], file dtype '<f4')"
    );
    // The same from a reader, element by element.
    let err = from_reader::<_, Vec<i32>>(&bytes[..]).unwrap_err();
    assert_eq!(err.path().as_deref(), Some("[0]"));
    assert_eq!(err.dtype(), Some("'<f4'"));
}

#[test]
fn out_of_range_integer_names_its_index() {
    let bytes = to_vec(&[1i32, 2, 300, 4]).unwrap();
    let err = from_slice::<Vec<u8>>(&bytes).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidValue { .. }),
        "{err:?}"
    );
    assert_eq!(err.path().as_deref(), Some("[2]"));
    assert_eq!(
        err.to_string(),
        "invalid value: integer `300`, expected u8 (at [2], file dtype '<i4')"
    );
    let err = from_reader::<_, Vec<u8>>(&bytes[..]).unwrap_err();
    assert_eq!(err.path().as_deref(), Some("[2]"));
}

#[test]
fn n_d_index_is_one_bracket() {
    let bytes = to_vec(&[[1i64, 2, 3], [4, 5, 600]]).unwrap();
    let err = from_slice::<Vec<Vec<u8>>>(&bytes).unwrap_err();
    assert_eq!(err.path().as_deref(), Some("[1, 2]"));
    assert!(
        err.to_string().ends_with("(at [1, 2], file dtype '<i8')"),
        "{err}"
    );
    let err = from_slice::<Vec<[u8; 3]>>(&bytes).unwrap_err();
    assert_eq!(err.path().as_deref(), Some("[1, 2]"));
    let err = from_reader::<_, Vec<Vec<u8>>>(&bytes[..]).unwrap_err();
    assert_eq!(err.path().as_deref(), Some("[1, 2]"));
}

#[test]
fn missing_field_names_the_record_and_the_files_fields() {
    let bytes = to_vec(&vec![Point::default(); 3]).unwrap();
    let err = from_slice::<Vec<PointZ>>(&bytes).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::MissingField { field: "z" }),
        "{err:?}"
    );
    assert_eq!(err.path().as_deref(), Some("[0]"));
    assert_eq!(
        err.dtype(),
        Some("[('x', '<f4'), ('y', '<f4'), ('id', '<u4')]")
    );
    assert_eq!(
        err.to_string(),
        "missing field `z` (at [0], file dtype [('x', '<f4'), ('y', '<f4'), ('id', '<u4')])"
    );
}

#[test]
fn unknown_field_is_its_own_kind() {
    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Strict {
        x: f32,
        y: f32,
    }
    let bytes = to_vec(&vec![Point::default()]).unwrap();
    let err = from_slice::<Vec<Strict>>(&bytes).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::UnknownField { field, .. } if field == "id"),
        "{err:?}"
    );
    assert_eq!(err.path().as_deref(), Some("[0]"));
}

#[test]
fn field_path_reaches_into_records() {
    // `mass` is a u8 in Rust, an i4 holding 1000 in the file.
    #[derive(Serialize)]
    struct Wide {
        pos: [f32; 2],
        mass: i32,
    }
    let bytes = to_vec(&vec![
        Wide {
            pos: [0.0, 1.0],
            mass: 1,
        },
        Wide {
            pos: [2.0, 3.0],
            mass: 1000,
        },
    ])
    .unwrap();
    let err = from_slice::<Vec<Body>>(&bytes).unwrap_err();
    assert_eq!(err.path().as_deref(), Some("[1].mass"));
    assert!(
        err.to_string()
            .ends_with("(at [1].mass, file dtype [('pos', '<f4', (2,)), ('mass', '<i4')])"),
        "{err}"
    );
    let err = from_reader::<_, Vec<Body>>(&bytes[..]).unwrap_err();
    assert_eq!(err.path().as_deref(), Some("[1].mass"));

    // Inside a subarray field: `[1].pos[0]`.
    #[derive(Serialize)]
    struct Signed {
        pos: [i16; 2],
        mass: u8,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Unsigned {
        pos: [u8; 2],
        mass: u8,
    }
    let bytes = to_vec(&vec![
        Signed {
            pos: [0, 1],
            mass: 1,
        },
        Signed {
            pos: [-1, 1],
            mass: 1,
        },
    ])
    .unwrap();
    let err = from_slice::<Vec<Unsigned>>(&bytes).unwrap_err();
    assert_eq!(err.path().as_deref(), Some("[1].pos[0]"));
}

#[test]
fn shaped_data_errors_name_the_data_field() {
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Shaped {
        shape: Vec<usize>,
        data: Vec<u8>,
    }
    let bytes = to_vec(&[[1i32, 2], [3, -4]]).unwrap();
    let err = from_slice::<Shaped>(&bytes).unwrap_err();
    assert_eq!(err.path().as_deref(), Some("data[3]"));
    let err = from_reader::<_, Shaped>(&bytes[..]).unwrap_err();
    assert_eq!(err.path().as_deref(), Some("data[3]"));
}

#[test]
fn write_errors_name_the_element_and_field() {
    #[derive(Serialize)]
    struct Tagged {
        x: f32,
        tag: Option<u8>,
    }
    let err = to_vec(&vec![Tagged { x: 1.0, tag: None }]).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Unsupported { .. }),
        "{err:?}"
    );
    assert_eq!(err.path().as_deref(), Some("[0].tag"));
    assert!(err.to_string().contains("(at [0].tag)"), "{err}");
    assert_eq!(err.dtype(), None);

    // Nested: a record inside a record.
    #[derive(Serialize)]
    struct Outer {
        inner: Tagged,
    }
    let err = to_vec(&vec![Outer {
        inner: Tagged { x: 1.0, tag: None },
    }])
    .unwrap_err();
    assert_eq!(err.path().as_deref(), Some("[0].inner.tag"));
}

#[test]
fn whole_file_errors_have_no_path() {
    let err = from_slice::<Vec<f32>>(b"\x93NUMPY\x01\x00").unwrap_err();
    assert!(err.is_eof(), "{err:?}");
    assert_eq!(err.path(), None);
    assert_eq!(err.dtype(), None);
    let bytes = to_vec(&[1.0f32; 4]).unwrap();
    let err = from_slice::<Vec<f32>>(&bytes[..bytes.len() - 1]).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::DataLength { .. }),
        "{err:?}"
    );
    assert_eq!((err.path(), err.dtype()), (None, None));
}

#[test]
fn kinds_are_matchable_and_errors_are_std_errors() {
    let err = from_slice::<Vec<f32>>(b"not an npy file at all").unwrap_err();
    match err.kind() {
        ErrorKind::BadMagic { found } => assert_eq!(found, b"not an"),
        other => panic!("{other:?}"),
    }
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(err);
    assert!(boxed.to_string().starts_with("not a .npy file"));

    // I/O errors keep their source.
    struct Broken;
    impl std::io::Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::new(
                std::io::ErrorKind::Other,
                "disk on fire",
            ))
        }
    }
    let err = from_reader::<_, Vec<f32>>(Broken).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Io(_)), "{err:?}");
    let source = std::error::Error::source(&err).expect("an I/O error has a source");
    assert_eq!(source.to_string(), "disk on fire");
    match err.into_kind() {
        ErrorKind::Io(e) => assert_eq!(e.kind(), std::io::ErrorKind::Other),
        other => panic!("{other:?}"),
    }
}

#[test]
fn counts_of_one_are_singular() {
    let singular = |err: Error, expected: &str| {
        let msg = err.to_string();
        assert!(msg.contains(expected), "{msg}");
        assert!(
            !msg.contains("1 elements") && !msg.contains("1 fields"),
            "{msg}"
        );
    };
    // A length-1 visitor (`[T; 1]`) over a longer axis: in memory (a run of
    // numbers, rows, an outer axis) and from a reader.
    let bytes = to_vec(&[1.0f32, 2.0]).unwrap();
    singular(
        from_slice::<[f32; 1]>(&bytes).unwrap_err(),
        "expected 1 element along axis 0",
    );
    singular(
        from_reader::<_, [f32; 1]>(&bytes[..]).unwrap_err(),
        "expected 1 element along axis 0",
    );
    let rows = to_vec(&[[1u8, 2], [3, 4]]).unwrap();
    singular(
        from_slice::<Vec<[u8; 1]>>(&rows).unwrap_err(),
        "expected 1 element along axis 1",
    );
    singular(
        from_slice::<[Vec<u8>; 1]>(&rows).unwrap_err(),
        "expected 1 element along axis 0",
    );
    // A one-element tuple read from a record of two fields.
    let record = to_vec(&vec![Point::default()]).unwrap();
    singular(
        from_slice::<Vec<(f32,)>>(&record).unwrap_err(),
        "a sequence of 1 field",
    );
    // Writing: the first element plans a row of one, a later one is a number.
    #[derive(Serialize)]
    #[serde(untagged)]
    enum RowOrNumber {
        Row(Vec<f32>),
        Number(f32),
    }
    let mixed = vec![RowOrNumber::Row(vec![1.0]), RowOrNumber::Number(2.0)];
    singular(
        to_vec(&mixed).unwrap_err(),
        "expected a sequence of 1 element",
    );
}
