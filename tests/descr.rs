//! Headers of every kind issue #16 lists, read as `np.load` reads them:
//! `tests/fixtures/descr/cases.json` holds each file and NumPy's verdict
//! (made by `generate.py` beside it), so this runs without Python.
//!
//! With `SERDE_NPY_DESCR_CASES=FILE` set, the same comparison runs over a
//! file of generated cases in the same form: the differential step of
//! `.ci/run` (`tests/interop/check_descr.py`).

use serde::de::IgnoredAny;
use serde_json::Value;
use serde_npy::{ErrorKind, Header};

/// Our verdict on one file: the header as NumPy would show it, or the error.
fn ours(file: &[u8]) -> Result<(String, Vec<usize>, bool), serde_npy::Error> {
    let header = Header::from_slice(file)?;
    // The whole file, not just the header: data length and element checks.
    serde_npy::from_slice::<IgnoredAny>(file)?;
    Ok((header.dtype.descr(), header.shape, header.fortran_order))
}

/// Refusals that are by design (README, "What is not read"): NumPy loads
/// these, this crate does not.
fn by_design(err: &serde_npy::Error) -> bool {
    match err.kind() {
        ErrorKind::ObjectDtype { .. } | ErrorKind::TooManyElements { .. } => true,
        ErrorKind::UnsupportedDtype { reason, .. } => {
            reason.contains("long double") || reason.contains("sizes an empty subarray")
        }
        ErrorKind::TypeMismatch { found, .. } => found.contains("code point"),
        _ => false,
    }
}

struct Tally {
    cases: usize,
    agree: usize,
    by_design: usize,
    disagreements: Vec<String>,
}

fn compare(cases: &[Value]) -> Tally {
    let mut t = Tally {
        cases: 0,
        agree: 0,
        by_design: 0,
        disagreements: Vec::new(),
    };
    for case in cases {
        t.cases += 1;
        let hex = case["file"].as_str().expect("file as hex");
        let file: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
            .collect();
        let numpy = &case["numpy"];
        let header_text = String::from_utf8_lossy(&file[10..file.len().min(200)]).into_owned();
        let got = ours(&file);
        let verdict = match (numpy["ok"].as_bool() == Some(true), &got) {
            (true, Ok((descr, shape, fortran))) => {
                let want_shape: Vec<usize> = numpy["shape"]
                    .as_array()
                    .expect("shape")
                    .iter()
                    .map(|d| d.as_u64().expect("dim") as usize)
                    .collect();
                if numpy["descr"].as_str() == Some(descr.as_str())
                    && want_shape == *shape
                    && numpy["fortran_order"].as_bool() == Some(*fortran)
                {
                    None
                } else {
                    Some(format!(
                        "both load, differently: numpy {} {:?}, ours {descr} {shape:?}",
                        numpy["descr"], want_shape
                    ))
                }
            }
            (false, Err(_)) => None,
            (true, Err(e)) if by_design(e) => {
                t.by_design += 1;
                continue;
            }
            (true, Err(e)) => Some(format!(
                "numpy loads it as {}, we refuse: {e}",
                numpy["descr"]
            )),
            (false, Ok((descr, shape, _))) => Some(format!(
                "numpy refuses ({}), we load it as {descr} {shape:?}",
                numpy["error"]
            )),
        };
        match verdict {
            None => t.agree += 1,
            Some(why) => t
                .disagreements
                .push(format!("class {}: {header_text:?}: {why}", case["class"])),
        }
    }
    t
}

fn load(path: &std::path::Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).expect("cases file");
    let v: Value = serde_json::from_str(&text).expect("cases JSON");
    v["cases"].as_array().expect("cases").clone()
}

#[test]
fn every_class_reads_as_numpy_reads_it() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/descr/cases.json");
    let cases = load(&path);
    let t = compare(&cases);
    assert!(t.disagreements.is_empty(), "{}", t.disagreements.join("\n"));
    assert!(t.cases > 90 && t.by_design > 0, "{} cases", t.cases);
    // Every class is there, in both directions where it has both.
    for class in 1..=14 {
        assert!(
            cases.iter().any(|c| c["class"] == class),
            "no case of class {class}"
        );
    }
}

/// The refusals say what was expected and found.
#[test]
fn refusals_say_why() {
    let cases = load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/descr/cases.json"),
    );
    for case in cases.iter().filter(|c| c["numpy"]["ok"] == false) {
        let hex = case["file"].as_str().unwrap();
        let file: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let err = ours(&file).unwrap_err().to_string();
        assert!(err.len() > 20, "{err}");
    }
}

/// The differential step of `.ci/run`: does nothing unless
/// `SERDE_NPY_DESCR_CASES` names a file of generated cases.
#[test]
fn differential_against_numpy() {
    let Some(path) = std::env::var_os("SERDE_NPY_DESCR_CASES") else {
        return;
    };
    let cases = load(std::path::Path::new(&path));
    let t = compare(&cases);
    println!(
        "descr differential: {} cases, {} agree, {} by-design refusals, {} disagreements",
        t.cases,
        t.agree,
        t.by_design,
        t.disagreements.len()
    );
    for d in t.disagreements.iter().take(40) {
        println!("  {d}");
    }
    assert!(t.cases > 1000, "only {} cases", t.cases);
    assert!(
        t.disagreements.is_empty(),
        "{} disagreements",
        t.disagreements.len()
    );
}

/// By design: `U` data NumPy holds but a Rust `String` cannot (a lone
/// surrogate here) is refused, and the error says how to get the raw code
/// points.
#[test]
fn lone_surrogates_in_u_data_say_how_to_read_them() {
    let mut file = Header::new("<U1".parse().unwrap(), vec![2], false).to_bytes();
    file.extend_from_slice(&0x41u32.to_le_bytes());
    file.extend_from_slice(&0xD800u32.to_le_bytes());
    let err = serde_npy::from_slice::<Vec<String>>(&file)
        .unwrap_err()
        .to_string();
    assert!(err.contains("0xD800") && err.contains("by design"), "{err}");
    assert!(err.contains("data_offset") && err.contains("u32"), "{err}");
    let h = Header::from_slice(&file).unwrap();
    let raw: Vec<u32> = file[h.data_offset..]
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    assert_eq!(raw, [0x41, 0xD800]);
}
