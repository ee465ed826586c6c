//! `Appender::append` of rows that are one plain number takes a path of its
//! own that stores the number straight into the row buffer (with `unsafe`,
//! see `NumberRow` in src/append.rs). These tests drive that path across
//! every buffer boundary and every number type, against `to_vec` of the
//! same rows; they also run under Miri in `.ci/run`.

use std::fmt::Debug;
use std::io::Cursor;

use serde::Serialize;
use serde_npy::{AppendOptions, ErrorKind};

/// Appends `rows` one by one through buffers of sizes around every row
/// width and its multiples, with a row of the wrong type tried before every row, and checks
/// the file against `to_vec` of all rows.
fn one_by_one<T: Serialize + Copy + Debug>(rows: &[T]) {
    let whole = serde_npy::to_vec(rows).unwrap();
    for buffer in [1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17, 24, 33] {
        let mut app = AppendOptions::new()
            .buffer_size(buffer)
            .create(Cursor::new(Vec::new()))
            .unwrap();
        for (i, row) in rows.iter().enumerate() {
            if i > 0 {
                // Never the file's dtype for any `T` here: refused, and
                // nothing of it stored.
                let err = app.append(&i128::from(7u8)).unwrap_err();
                assert!(
                    matches!(err.kind(), ErrorKind::RowMismatch { .. })
                        || err.to_string().contains("i128"),
                    "{err}"
                );
                let err = app.append("text").unwrap_err();
                assert!(matches!(err.kind(), ErrorKind::RowMismatch { .. }), "{err}");
            }
            app.append(row).unwrap();
            assert_eq!(app.len(), i + 1);
        }
        let file = app.finish().unwrap().into_inner();
        assert_eq!(file, whole, "buffer of {buffer} bytes, {rows:?}");
    }
}

#[test]
fn every_number_type_appended_one_by_one_is_to_vec() {
    one_by_one(
        &[
            true, false, true, true, false, false, true, false, true, true,
        ][..],
    );
    one_by_one(&[i8::MIN, -1, 0, 1, i8::MAX, 5, 6, 7, 8, 9, 10][..]);
    one_by_one(&[0u8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 255][..]);
    one_by_one(&[i16::MIN, -2, 0, 3, 4, 5, 6, 7, i16::MAX][..]);
    one_by_one(&[0u16, 0x1234, 3, 4, 5, 6, 7, u16::MAX][..]);
    one_by_one(&[i32::MIN, -3, 0, 1, 2, 3, 4, i32::MAX][..]);
    one_by_one(&[0u32, 0xdead_beef, 1, 2, 3, 4, u32::MAX][..]);
    one_by_one(&[i64::MIN, -4, 0, 1, 2, 3, i64::MAX][..]);
    one_by_one(&[0u64, 1, 2, 3, 4, u64::MAX][..]);
    one_by_one(&[0.5f32, -1.5, 2.0, f32::NAN, f32::INFINITY, -0.0, 7.25][..]);
    one_by_one(&[0.5f64, -1.5, 2.0, f64::NAN, f64::NEG_INFINITY, -0.0][..]);
}

#[derive(Serialize, Clone, Copy, Debug)]
struct Meters(f32);

#[test]
fn a_newtype_around_a_number_is_the_number() {
    one_by_one(&[Meters(1.0), Meters(2.5), Meters(-3.0), Meters(4.0)][..]);
    let mut app = serde_npy::Appender::create(Cursor::new(Vec::new())).unwrap();
    for i in 0..50 {
        if i % 2 == 0 {
            app.append(&Meters(i as f32)).unwrap();
        } else {
            app.append(&(i as f32)).unwrap();
        }
    }
    let all: Vec<f32> = (0..50).map(|i| i as f32).collect();
    assert_eq!(
        app.finish().unwrap().into_inner(),
        serde_npy::to_vec(&all).unwrap()
    );
}

#[test]
fn numbers_of_another_width_or_order_take_the_general_path() {
    // An '<i8' file takes no i32 rows, a '>f4' file takes f32 rows swapped.
    let mut app = AppendOptions::new()
        .dtype("<i8".parse().unwrap())
        .buffer_size(8)
        .create(Cursor::new(Vec::new()))
        .unwrap();
    app.append(&1i64).unwrap();
    assert!(app.append(&2i32).is_err());
    app.append(&3i64).unwrap();
    assert_eq!(
        app.finish().unwrap().into_inner(),
        serde_npy::to_vec(&[1i64, 3]).unwrap()
    );

    let mut app = AppendOptions::new()
        .dtype(">f4".parse().unwrap())
        .buffer_size(6)
        .create(Cursor::new(Vec::new()))
        .unwrap();
    for x in [1.0f32, 2.0, 3.0, 4.0, 5.0] {
        app.append(&x).unwrap();
    }
    let file = app.finish().unwrap().into_inner();
    let back: Vec<f32> = serde_npy::from_slice(&file).unwrap();
    assert_eq!(back, [1.0, 2.0, 3.0, 4.0, 5.0]);
}

#[test]
fn extend_and_append_mixed_and_rolled_back() {
    let mut app = AppendOptions::new()
        .buffer_size(10)
        .create(Cursor::new(Vec::new()))
        .unwrap();
    let mut all = Vec::new();
    for i in 0..30u16 {
        app.append(&i).unwrap();
        all.push(i);
        if i % 7 == 0 {
            app.extend([i, i + 1, i + 2]).unwrap();
            all.extend([i, i + 1, i + 2]);
            // All or nothing: the good rows before the bad one are dropped.
            assert!(app.extend([1u16, 2, 3]).is_ok());
            all.extend([1u16, 2, 3]);
            let before = app.len();
            let bad: Vec<Box<dyn erased::Row>> =
                vec![Box::new(9u16), Box::new(9u16), Box::new(1u8)];
            assert!(app.extend(bad.iter().map(|r| r.as_ref())).is_err());
            assert_eq!(app.len(), before);
        }
    }
    assert_eq!(
        app.finish().unwrap().into_inner(),
        serde_npy::to_vec(&all).unwrap()
    );
}

/// Rows of mixed types in one `extend`, without a dependency for it.
mod erased {
    pub trait Row {
        fn row(&self) -> Either;
    }
    #[derive(serde::Serialize)]
    #[serde(untagged)]
    pub enum Either {
        U16(u16),
        U8(u8),
    }
    impl Row for u16 {
        fn row(&self) -> Either {
            Either::U16(*self)
        }
    }
    impl Row for u8 {
        fn row(&self) -> Either {
            Either::U8(*self)
        }
    }
    impl serde::Serialize for &dyn Row {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.row().serialize(s)
        }
    }
}
