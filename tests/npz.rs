//! `.npz` archives against NumPy's own (tests/fixtures/npz, made by
//! generate.py there): Rust reads every one, and writes NumPy's bytes.
#![cfg(feature = "npz")]

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use serde_npy::npz::{self, Archive, ReadOptions, Reader, WriteOptions, Writer};
use serde_npy::{ArrayView, ErrorKind};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/npz")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn manifest() -> serde_json::Value {
    serde_json::from_slice(&fixture("manifest.json")).unwrap()
}

// ---------------------------------------------------------------------------
// NumPy's bytes

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Two {
    a: Vec<i64>,
    b: Vec<f32>,
}

#[test]
fn two_members_are_numpys_bytes() {
    let two = Two {
        a: vec![0, 1, 2],
        b: vec![1.5],
    };
    let bytes = npz::to_vec(&two).unwrap();
    assert_eq!(bytes.len(), 518);
    assert_eq!(bytes, fixture("two.npz"));
    assert_eq!(npz::from_slice::<Two>(&bytes).unwrap(), two);
    // Through a seekable writer, too.
    let mut cursor = Cursor::new(Vec::new());
    npz::to_writer(&mut cursor, &two).unwrap();
    assert_eq!(cursor.into_inner(), bytes);
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Mixed {
    weights: Vec<[f32; 3]>,
    bias: Vec<f64>,
    step: i64,
    label: String,
    flags: Vec<bool>,
}

#[test]
fn mixed_round_trips_to_numpys_bytes() {
    let numpy = fixture("mixed.npz");
    let mixed: Mixed = npz::from_slice(&numpy).unwrap();
    assert_eq!(mixed.step, 7);
    assert_eq!(mixed.label, "encoder");
    assert_eq!(mixed.flags, [true, false, true]);
    assert_eq!(npz::to_vec(&mixed).unwrap(), numpy);
    // Every other writer's archive of the same arrays reads the same.
    for other in [
        "mixed_compressed.npz",
        "unseekable.npz",
        "infozip.npz",
        "infozip_deflate.npz",
        "infozip_zip64.npz",
        "infozip_pipe.npz",
    ] {
        let bytes = fixture(other);
        assert_eq!(npz::from_slice::<Mixed>(&bytes).unwrap(), mixed, "{other}");
        let back: Mixed = npz::from_reader(Cursor::new(&bytes)).unwrap();
        assert_eq!(back, mixed, "{other} through a reader");
        // Member bytes are np.save's whoever zipped them.
        let a = Archive::new(&bytes).unwrap();
        let n = Archive::new(&numpy).unwrap();
        for name in n.names() {
            assert_eq!(
                a.bytes(name).unwrap(),
                n.bytes(name).unwrap(),
                "{other}: {name}"
            );
        }
    }
    // Compressed output loads to the same values.
    let compressed = npz::to_vec_compressed(&mixed).unwrap();
    assert_eq!(npz::from_slice::<Mixed>(&compressed).unwrap(), mixed);
    let mut cursor = Cursor::new(Vec::new());
    npz::to_writer_compressed(&mut cursor, &mixed).unwrap();
    assert_eq!(cursor.into_inner(), compressed);
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Layer<R> {
    w: Vec<R>,
    b: Vec<f32>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Groups {
    enc: Layer<[f32; 3]>,
    dec: Layer<[f32; 2]>,
    step: u64,
}

#[test]
fn groups_are_nested_structs() {
    let numpy = fixture("groups.npz");
    let g: Groups = npz::from_slice(&numpy).unwrap();
    assert_eq!(g.enc.w, [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]);
    assert_eq!(g.step, 3);
    assert_eq!(npz::to_vec(&g).unwrap(), numpy);
    // A map sees NumPy's keys, nested names whole.
    let map: BTreeMap<String, serde_json::Value> = npz::from_slice(&numpy).unwrap();
    assert_eq!(
        map.keys().collect::<Vec<_>>(),
        ["dec/b", "dec/w", "enc/b", "enc/w", "step"]
    );
    assert_eq!(map["step"], 3);
}

#[test]
fn positional_tuple_is_arr_n() {
    let numpy = fixture("positional.npz");
    let t: (Vec<i32>, Vec<f64>) = npz::from_slice(&numpy).unwrap();
    assert_eq!(t, (vec![0, 1, 2, 3], vec![0.5, 1.5]));
    assert_eq!(npz::to_vec(&t).unwrap(), numpy);
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Unicode {
    #[serde(rename = "é")]
    e: Vec<i16>,
    #[serde(rename = "日本/x")]
    x: f64,
}

#[test]
fn non_ascii_names_are_utf8_flagged() {
    let numpy = fixture("unicode.npz");
    let u: Unicode = npz::from_slice(&numpy).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        u,
        Unicode {
            e: vec![1, 2],
            x: 2.5
        }
    );
    assert_eq!(npz::to_vec(&u).unwrap(), numpy);
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Rec {
    x: f64,
    n: i32,
    s: ByteBuf,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Records {
    rec: Vec<Rec>,
}

#[test]
fn records_fortran_and_zero_d() {
    let numpy = fixture("records.npz");
    let r: Records = npz::from_slice(&numpy).unwrap();
    assert_eq!(r.rec[1].n, 4);
    assert_eq!(r.rec[1].s.as_slice(), b"cd");
    assert_eq!(npz::to_vec(&r).unwrap(), numpy);

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Shaped {
        shape: Vec<usize>,
        data: Vec<f64>,
        fortran_order: bool,
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Fortran {
        f: Shaped,
    }
    let numpy = fixture("fortran.npz");
    let f: Fortran = npz::from_slice(&numpy).unwrap();
    assert!(f.f.fortran_order);
    assert_eq!(f.f.shape, [2, 3]);
    assert_eq!(npz::to_vec(&f).unwrap(), numpy);

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct ZeroD {
        x: f64,
        s: String,
        b: bool,
    }
    let numpy = fixture("zero_d.npz");
    let z: ZeroD = npz::from_slice(&numpy).unwrap();
    assert_eq!(
        z,
        ZeroD {
            x: 1.25,
            s: "hi".into(),
            b: true
        }
    );
    assert_eq!(npz::to_vec(&z).unwrap(), numpy);
}

#[test]
fn empty_and_many_members() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Nothing {}
    let numpy = fixture("empty.npz");
    assert_eq!(numpy.len(), 22);
    assert_eq!(npz::to_vec(&Nothing {}).unwrap(), numpy);
    assert_eq!(npz::to_vec(&()).unwrap(), numpy);
    let map: BTreeMap<String, Vec<i32>> = npz::from_slice(&numpy).unwrap();
    assert!(map.is_empty());
    assert!(Archive::new(&numpy).unwrap().is_empty());

    let numpy = fixture("many.npz");
    let map: BTreeMap<String, Vec<i32>> = npz::from_slice(&numpy).unwrap();
    assert_eq!(map.len(), 75);
    assert_eq!(map["m074"], [74]);
    assert_eq!(npz::to_vec(&map).unwrap(), numpy);
    let compressed: BTreeMap<String, Vec<i32>> =
        npz::from_slice(&fixture("many_compressed.npz")).unwrap();
    assert_eq!(compressed, map);
}

#[test]
fn every_fixture_reads_as_numpy_lists_it() {
    let manifest = manifest();
    for (name, info) in manifest["archives"].as_object().unwrap() {
        let bytes = fixture(name);
        let files: Vec<String> = match info.get("files") {
            Some(f) => serde_json::from_value(f.clone()).unwrap(),
            None => continue,
        };
        let archive = Archive::new(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(archive.names().collect::<Vec<_>>(), files, "{name}");
        let mut reader = Reader::new(Cursor::new(&bytes)).unwrap();
        assert_eq!(reader.names().collect::<Vec<_>>(), files, "{name}");
        for (key, member) in info["members"].as_object().unwrap() {
            let result = archive.bytes(key);
            if name == "bzip2.npz" {
                let err = result.unwrap_err();
                assert!(
                    matches!(
                        err.kind(),
                        ErrorKind::UnsupportedCompression { method: 12, .. }
                    ),
                    "{err}"
                );
                assert!(err.to_string().contains("bzip2"), "{err}");
                continue;
            }
            let data = result.unwrap_or_else(|e| panic!("{name}/{key}: {e}"));
            assert_eq!(reader.bytes(key).unwrap(), data.as_ref(), "{name}/{key}");
            if member.get("raw").is_some() {
                assert_eq!(data.len() as u64, member["len"].as_u64().unwrap());
                continue;
            }
            let header = serde_npy::Header::from_slice(&data).unwrap();
            let shape: Vec<usize> = serde_json::from_value(member["shape"].clone()).unwrap();
            assert_eq!(header.shape, shape, "{name}/{key}");
            assert_eq!(
                header.fortran_order,
                member["fortran"] == true,
                "{name}/{key}"
            );
            // Every member decodes through deserialize_any.
            let _: serde_json::Value = archive.get(key).unwrap();
        }
    }
}

#[test]
fn raw_members_directories_comments_duplicates() {
    let bytes = fixture("raw_and_dirs.npz");
    let map: BTreeMap<String, serde_json::Value> = npz::from_slice(&bytes).unwrap();
    assert_eq!(map.keys().collect::<Vec<_>>(), ["d/", "notes.txt", "x"]);
    #[derive(Deserialize)]
    struct Raw<'a> {
        x: Vec<u8>,
        #[serde(rename = "notes.txt", borrow)]
        notes: &'a [u8],
    }
    let raw: Raw = npz::from_slice(&bytes).unwrap();
    assert_eq!(
        (raw.x.as_slice(), raw.notes),
        (&[0u8, 1, 2][..], &b"hello"[..])
    );
    let archive = Archive::new(&bytes).unwrap();
    assert_eq!(archive.get::<ByteBuf>("d/").unwrap().len(), 0);
    assert_eq!(archive.get::<Vec<u8>>("notes.txt").unwrap(), b"hello");

    let dups = fixture("duplicates.npz");
    let x: HashMap<String, Vec<i32>> = npz::from_slice(&dups).unwrap();
    assert_eq!(x.len(), 1);
    assert_eq!(x["x"], [2]);
    assert_eq!(Archive::new(&dups).unwrap().names().count(), 2);
}

// ---------------------------------------------------------------------------
// The mapping's rules

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct WithOptional {
    x: Vec<f32>,
    mask: Option<Vec<bool>>,
}

#[test]
fn options_missing_and_extra_members() {
    let none = WithOptional {
        x: vec![1.0],
        mask: None,
    };
    let bytes = npz::to_vec(&none).unwrap();
    assert_eq!(
        Archive::new(&bytes).unwrap().names().collect::<Vec<_>>(),
        ["x"]
    );
    assert_eq!(npz::from_slice::<WithOptional>(&bytes).unwrap(), none);
    let some = WithOptional {
        x: vec![1.0],
        mask: Some(vec![true]),
    };
    let bytes = npz::to_vec(&some).unwrap();
    assert_eq!(npz::from_slice::<WithOptional>(&bytes).unwrap(), some);

    // Missing: the error names the member and what the archive has.
    let err = npz::from_slice::<Two>(&fixture("positional.npz")).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::MissingMember { field: "a", .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "missing member `a.npy` for field `a`; the archive has members `arr_0.npy`, `arr_1.npy`"
    );
    let err = npz::from_slice::<Groups>(&fixture("two.npz")).unwrap_err();
    assert!(err.to_string().contains("missing member `enc"), "{err}");

    // Extra members are ignored, unless the struct denies them.
    #[derive(Deserialize, Debug)]
    struct JustA {
        a: Vec<i64>,
    }
    assert_eq!(
        npz::from_slice::<JustA>(&fixture("two.npz")).unwrap().a,
        [0, 1, 2]
    );
    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Strict {
        a: Vec<i64>,
    }
    let err = npz::from_slice::<Strict>(&fixture("two.npz")).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::UnknownField { .. }),
        "{err}"
    );
}

#[test]
fn member_errors_name_the_member() {
    let err = npz::from_slice::<Groups>(&fixture("mixed.npz")).unwrap_err();
    assert!(err.to_string().contains("enc"), "{err}");
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Wrong {
        weights: Vec<[i8; 3]>,
    }
    let err = npz::from_slice::<Wrong>(&fixture("mixed.npz")).unwrap_err();
    assert_eq!(
        err.path().as_deref().map(|p| p.starts_with("weights.npy")),
        Some(true),
        "{err}"
    );
}

#[test]
fn npy_and_npz_readers_point_at_each_other() {
    let err = serde_npy::from_slice::<Vec<f32>>(&fixture("two.npz")).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::BadMagic { .. }));
    assert!(
        err.to_string()
            .contains("this is an .npz (zip) archive; read it with serde_npy::npz"),
        "{err}"
    );
    let err = serde_npy::from_slice::<Vec<f32>>(&fixture("empty.npz")).unwrap_err();
    assert!(err.to_string().contains(".npz (zip) archive"), "{err}");
    let err = serde_npy::from_reader::<_, Vec<f32>>(&fixture("two.npz")[..]).unwrap_err();
    assert!(err.to_string().contains(".npz (zip) archive"), "{err}");
    let npy = serde_npy::to_vec(&[1u8]).unwrap();
    let err = npz::from_slice::<Two>(&npy).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::NotNpz { .. }), "{err}");
    assert!(err.to_string().contains("this is a .npy file"), "{err}");
}

#[test]
fn stored_members_are_borrowed() {
    #[derive(Serialize)]
    struct Out {
        w: Vec<f32>,
        blob: ByteBuf,
    }
    #[derive(Deserialize)]
    struct In<'a> {
        #[serde(borrow)]
        w: ArrayView<'a, f32>,
    }
    let out = Out {
        w: (0..100).map(|i| i as f32).collect(),
        blob: ByteBuf::from(vec![1, 2, 3]),
    };
    let aligned = npz::to_vec_with(&out, &WriteOptions::new().align(64)).unwrap();
    let v: In = npz::from_slice(&aligned).unwrap();
    assert!(v.w.is_borrowed());
    assert_eq!(v.w.data()[99], 99.0);
    let archive = Archive::with_options(&aligned, &ReadOptions::new().verify_crc(false)).unwrap();
    let npy = archive.bytes("w").unwrap();
    let header = serde_npy::Header::from_slice(&npy).unwrap();
    let data_at = npy.as_ptr() as usize + header.data_offset - aligned.as_ptr() as usize;
    assert_eq!(data_at % 64, 0);
    // Aligned archives hold the same members.
    let plain = npz::to_vec(&out).unwrap();
    let p = Archive::new(&plain).unwrap();
    assert_eq!(p.bytes("w").unwrap(), archive.bytes("w").unwrap());
    // Compressed members are copied.
    let compressed = npz::to_vec_compressed(&out).unwrap();
    let v: In = npz::from_slice(&compressed).unwrap();
    assert!(!v.w.is_borrowed());
}

#[test]
fn writer_member_by_member() {
    let mut w = Writer::new(Cursor::new(Vec::new())).unwrap();
    w.add("a", &[0i64, 1, 2]).unwrap();
    w.add("b", &[1.5f32]).unwrap();
    let bytes = w.finish().unwrap().into_inner();
    assert_eq!(bytes, fixture("two.npz"));

    let mut w = Writer::new(Cursor::new(Vec::new())).unwrap();
    w.add("x", &1u8).unwrap();
    let err = w.add("x", &2u8).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::DuplicateMember { .. }),
        "{err}"
    );
    w.add_bytes("raw.bin", b"abc").unwrap();
    let npy = serde_npy::to_vec(&[7u16]).unwrap();
    assert_eq!(w.add_reader("y.npy", &npy[..]).unwrap(), npy.len() as u64);
    let bytes = w.finish().unwrap().into_inner();
    let archive = Archive::new(&bytes).unwrap();
    assert_eq!(archive.get::<Vec<u16>>("y").unwrap(), [7]);
    assert_eq!(archive.bytes("raw.bin").unwrap().as_ref(), b"abc");
    let err = archive.get::<u8>("nope").unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::NoSuchMember { .. }),
        "{err}"
    );
}

#[test]
fn maps_write_members_and_groups() {
    let mut m: BTreeMap<&str, BTreeMap<&str, Vec<u8>>> = BTreeMap::new();
    m.entry("g").or_default().insert("a", vec![1]);
    m.entry("g").or_default().insert("b", vec![2]);
    let bytes = npz::to_vec(&m).unwrap();
    let names: Vec<String> = Archive::new(&bytes)
        .unwrap()
        .names()
        .map(String::from)
        .collect();
    assert_eq!(names, ["g/a", "g/b"]);
    // A top-level map is flat, by NumPy's keys; a struct's map field is a group.
    let flat: BTreeMap<String, Vec<u8>> = npz::from_slice(&bytes).unwrap();
    assert_eq!(flat["g/b"], [2]);
    #[derive(Deserialize)]
    struct G {
        g: BTreeMap<String, Vec<u8>>,
    }
    let g: G = npz::from_slice(&bytes).unwrap();
    assert_eq!(g.g.keys().collect::<Vec<_>>(), ["a", "b"]);
}
