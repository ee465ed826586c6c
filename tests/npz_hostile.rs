//! Hostile `.npz` archives: truncated, mutated, overlapping, lying about
//! sizes. Reading them never panics and never allocates more than the input
//! justifies; archives past 2^31 and 2^32 bytes are written and read through
//! a sparse in-memory file, without gigabytes of memory.
#![cfg(feature = "npz")]

use std::collections::BTreeMap;
use std::io::{self, Cursor, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use serde_npy::npz::{self, Archive, ReadOptions, Reader, Writer};
use serde_npy::ErrorKind;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/npz")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Reads everything an archive offers, every way; errors are fine.
fn read_all(bytes: &[u8]) {
    if let Ok(archive) = Archive::new(bytes) {
        let names: Vec<String> = archive.names().map(String::from).collect();
        for name in &names {
            let _ = archive.bytes(name);
            let _ = archive.get::<serde_json::Value>(name);
        }
    }
    let _ = npz::from_slice::<BTreeMap<String, serde_json::Value>>(bytes);
    let _ = npz::from_reader::<_, BTreeMap<String, serde_json::Value>>(Cursor::new(bytes));
}

const SAMPLES: [&str; 6] = [
    "two.npz",
    "mixed_compressed.npz",
    "unseekable.npz",
    "infozip_zip64.npz",
    "infozip_pipe.npz",
    "raw_and_dirs.npz",
];

#[test]
fn truncated_archives_are_errors() {
    for name in SAMPLES {
        let bytes = fixture(name);
        for len in 0..bytes.len() {
            read_all(&bytes[..len]);
        }
    }
}

#[test]
fn mutated_archives_never_panic() {
    for name in ["two.npz", "mixed_compressed.npz", "infozip_zip64.npz"] {
        let bytes = fixture(name);
        let mut m = bytes.clone();
        for i in 0..bytes.len() {
            for v in [0x00, 0xFF, bytes[i] ^ 0x01, bytes[i] ^ 0x80] {
                m[i] = v;
                read_all(&m);
            }
            m[i] = bytes[i];
        }
    }
}

/// The central directory entries of an archive: (offset of the entry).
fn central_entries(bytes: &[u8]) -> Vec<usize> {
    let eocd = bytes.len() - 22;
    let cd = u32::from_le_bytes(bytes[eocd + 16..eocd + 20].try_into().unwrap()) as usize;
    let mut out = Vec::new();
    let mut at = cd;
    while bytes[at..].starts_with(b"PK\x01\x02") {
        out.push(at);
        let n = u16::from_le_bytes([bytes[at + 28], bytes[at + 29]]) as usize;
        let e = u16::from_le_bytes([bytes[at + 30], bytes[at + 31]]) as usize;
        let c = u16::from_le_bytes([bytes[at + 32], bytes[at + 33]]) as usize;
        at += 46 + n + e + c;
    }
    out
}

#[test]
fn overlapping_entries_are_refused() {
    // Both entries of two.npz point at the first member.
    let mut bytes = fixture("two.npz");
    let entries = central_entries(&bytes);
    let second = entries[1];
    bytes[second + 42..second + 46].copy_from_slice(&0u32.to_le_bytes());
    let err = Archive::new(&bytes).expect_err("overlap refused");
    assert!(matches!(err.kind(), ErrorKind::Zip { .. }), "{err}");
    assert!(err.to_string().contains("overlap"), "{err}");
}

#[test]
fn lying_sizes_and_limits() {
    // A deflated member claiming 2 GiB inflates into nothing that large.
    let mut bytes = fixture("mixed_compressed.npz");
    let first = central_entries(&bytes)[0];
    bytes[first + 24..first + 28].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
    let archive = Archive::new(&bytes).unwrap();
    let err = archive.bytes("weights").unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Zip { .. }), "{err}");

    // A stored member whose compressed size reaches past the next member.
    let mut bytes = fixture("two.npz");
    let first = central_entries(&bytes)[0];
    bytes[first + 20..first + 24].copy_from_slice(&5000u32.to_le_bytes());
    assert!(Archive::new(&bytes).is_err());

    // The inflate limit.
    let bytes = fixture("mixed_compressed.npz");
    let opts = ReadOptions::new().max_inflated(100);
    let err =
        npz::from_slice_with::<BTreeMap<String, serde_json::Value>>(&bytes, &opts).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::SizeLimit { .. }), "{err}");

    // A flipped data byte fails the CRC, as in zipfile.
    let mut bytes = fixture("two.npz");
    let last = bytes.len() - 200;
    bytes[last] ^= 1;
    let err = npz::from_slice::<BTreeMap<String, serde_json::Value>>(&bytes).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Crc { .. }), "{err}");
    assert!(err.to_string().contains("bad CRC-32 for member"), "{err}");

    // An entry count larger than the directory can hold.
    let mut bytes = fixture("two.npz");
    let eocd = bytes.len() - 22;
    bytes[eocd + 10..eocd + 12].copy_from_slice(&0xFFFFu16.to_le_bytes());
    let err = Archive::new(&bytes).expect_err("count refused");
    assert!(err.to_string().contains("entries"), "{err}");
}

// ---------------------------------------------------------------------------
// A sparse file: small writes and non-zero bytes are kept, large runs of
// zeros (member data) are not.

#[derive(Default)]
struct Sparse {
    chunks: Vec<(u64, Vec<u8>)>,
    pos: u64,
    len: u64,
}

impl Write for Sparse {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Compared with memcmp: fast even in unoptimized test builds.
        static ZEROS: [u8; 1 << 16] = [0; 1 << 16];
        let zeros = buf.chunks(ZEROS.len()).all(|c| c == &ZEROS[..c.len()]);
        if buf.len() <= 4096 || !zeros {
            self.chunks.push((self.pos, buf.to_vec()));
        }
        self.pos += buf.len() as u64;
        self.len = self.len.max(self.pos);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for Sparse {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = match to {
            SeekFrom::Start(p) => p,
            SeekFrom::End(d) => (self.len as i64 + d) as u64,
            SeekFrom::Current(d) => (self.pos as i64 + d) as u64,
        };
        Ok(self.pos)
    }
}

impl Read for Sparse {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (buf.len() as u64).min(self.len.saturating_sub(self.pos)) as usize;
        let buf = &mut buf[..n];
        buf.fill(0);
        self.overlay(self.pos, buf);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Sparse {
    fn overlay(&self, at: u64, buf: &mut [u8]) {
        let end = at + buf.len() as u64;
        for (p, bytes) in &self.chunks {
            let (p, q) = (*p, *p + bytes.len() as u64);
            if q <= at || p >= end {
                continue;
            }
            let from = p.max(at);
            let to = q.min(end);
            buf[(from - at) as usize..(to - at) as usize]
                .copy_from_slice(&bytes[(from - p) as usize..(to - p) as usize]);
        }
    }

    fn bytes_at(&self, at: u64, len: usize) -> Vec<u8> {
        let mut buf = vec![0; len];
        self.overlay(at, &mut buf);
        buf
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn a_2gib_member_is_laid_out_as_zipfile_does() {
    // zipfile's bytes around the data, kept by generate.py.
    let numpy: serde_json::Value = serde_json::from_slice(&fixture("big_2gib.json")).unwrap();
    let mut w = Writer::new(Sparse::default()).unwrap();
    w.add_reader("big.npy", io::repeat(0).take(1 << 31))
        .unwrap();
    w.add("small", &[1u8, 2, 3]).unwrap();
    let sparse = w.finish().unwrap();
    assert_eq!(sparse.len, numpy["len"].as_u64().unwrap());
    for region in numpy["regions"].as_array().unwrap() {
        let at = region[0].as_u64().unwrap();
        let expected = hex(region[1].as_str().unwrap());
        assert_eq!(sparse.bytes_at(at, expected.len()), expected, "at {at}");
    }
    let mut reader = Reader::new(sparse).unwrap();
    assert_eq!(reader.names().collect::<Vec<_>>(), ["big", "small"]);
    assert_eq!(reader.get::<Vec<u8>>("small").unwrap(), [1, 2, 3]);
}

#[test]
fn a_4gib_member_needs_zip64_everywhere() {
    let big = (1u64 << 32) + 100;
    let mut w = Writer::new(Sparse::default()).unwrap();
    w.add("first", &[9u8]).unwrap();
    assert_eq!(
        w.add_reader("big.bin", io::repeat(0).take(big)).unwrap(),
        big
    );
    w.add("small", &[1u8, 2, 3]).unwrap();
    let sparse = w.finish().unwrap();
    assert!(sparse.len > big);
    // The classic end record clamps the directory's offset.
    let eocd = sparse.bytes_at(sparse.len - 22, 22);
    assert_eq!(&eocd[..4], b"PK\x05\x06");
    assert_eq!(&eocd[16..20], &[0xFF; 4]);
    let locator = sparse.bytes_at(sparse.len - 42, 20);
    assert_eq!(&locator[..4], b"PK\x06\x07");
    let mut reader = Reader::new(sparse).unwrap();
    assert_eq!(
        reader.names().collect::<Vec<_>>(),
        ["first", "big.bin", "small"]
    );
    assert_eq!(reader.get::<Vec<u8>>("small").unwrap(), [1, 2, 3]);
    assert_eq!(reader.get::<Vec<u8>>("first").unwrap(), [9]);
}

#[test]
fn more_than_65535_members() {
    let mut map = BTreeMap::new();
    for i in 0..70_000u32 {
        map.insert(format!("m{i:05}"), i);
    }
    let bytes = npz::to_vec(&map).unwrap();
    // The classic end record clamps the count; the zip64 record has it.
    let eocd = &bytes[bytes.len() - 22..];
    assert_eq!(&eocd[8..12], &[0xFF; 4]);
    let back: BTreeMap<String, u32> = npz::from_slice(&bytes).unwrap();
    assert_eq!(back, map);
}
