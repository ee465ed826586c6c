//! Runs a target's checks on saved inputs without libFuzzer (stable Rust):
//!
//! ```text
//! cargo run --release --example replay -- roundtrip artifacts/roundtrip/crash-*
//! cargo run --release --example replay -- all corpus/value
//! ```
//!
//! Directories are read recursively; each file is reported before it runs, so
//! the last name printed is the one that panicked.

use std::path::{Path, PathBuf};

fn files(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .map(|e| e.expect("dir entry").path())
            .collect();
        entries.sort();
        for e in entries {
            files(&e, out);
        }
    } else {
        out.push(p.to_path_buf());
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let target = args.next().unwrap_or_else(|| {
        eprintln!("usage: replay <header|value|roundtrip|npz|all> FILE_OR_DIR...");
        std::process::exit(2)
    });
    let checks: Vec<fn(&[u8])> = match target.as_str() {
        "header" => vec![serde_npy_fuzz::check_header],
        "value" => vec![serde_npy_fuzz::check_value],
        "roundtrip" => vec![serde_npy_fuzz::check_roundtrip],
        "npz" => vec![serde_npy_fuzz::check_npz],
        "all" => vec![
            serde_npy_fuzz::check_header,
            serde_npy_fuzz::check_value,
            serde_npy_fuzz::check_roundtrip,
            serde_npy_fuzz::check_npz,
        ],
        other => panic!("unknown target {other}"),
    };
    let mut paths = Vec::new();
    for a in args {
        files(Path::new(&a), &mut paths);
    }
    for p in &paths {
        // libFuzzer may delete corpus files while we read.
        let data = match std::fs::read(p) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => panic!("{}: {e}", p.display()),
        };
        eprintln!("{}", p.display());
        for check in &checks {
            check(&data);
        }
    }
    eprintln!("{} inputs passed", paths.len());
}
