#!/usr/bin/env python3
"""Check, with NumPy, every .npz archive the Rust side wrote.

Usage: python3 tests/interop/check_npz.py DIR

DIR holds NAME.npz (stored), NAME.compressed.npz and NAME.aligned.npz written by
serde-npy (see tests/interop_npz_write.rs), and NAME.json holding each member's
name and .npy bytes (hex), in archive order as serde_npy::to_vec wrote them. For every case this checks:
  1. np.load reads all three archives (allow_pickle=False), with the members
     in the sidecar's order, and each member equals np.load of its .npy bytes
     (dtype, shape, memory order, values; NaN equal to NaN);
  2. np.savez of the loaded members gives back the stored archive byte for byte;
  3. zipfile reads the aligned archive, and its stored members' array data
     starts at a multiple of 64 bytes.
Exit status 1 on any failure, with one line per failure.
"""
import io
import json
import pathlib
import struct
import sys
import zipfile

import numpy as np


def same(a, b):
    if a.dtype != b.dtype or a.shape != b.shape:
        return f"dtype/shape {a.dtype}{a.shape} vs {b.dtype}{b.shape}"
    if a.flags.f_contiguous != b.flags.f_contiguous:
        return "memory order differs"
    if a.tobytes() != b.tobytes():
        return "values differ"
    return None


def check(stem, d):
    side = json.loads((d / f"{stem}.json").read_text(encoding="utf-8"))
    expected = {k: np.load(io.BytesIO(bytes.fromhex(v)), allow_pickle=False) for k, v in side["members"]}
    errors = []
    for kind in ("", ".compressed", ".aligned"):
        path = d / f"{stem}{kind}.npz"
        with np.load(path, allow_pickle=False) as z:
            if list(z.files) != list(expected):
                errors.append(f"{path.name}: members {z.files}, expected {list(expected)}")
                continue
            loaded = {k: z[k] for k in z.files}
        for k, want in expected.items():
            why = same(loaded[k], want)
            if why:
                errors.append(f"{path.name}[{k!r}]: {why}")
        if kind == "":
            out = io.BytesIO()
            np.savez(out, **loaded)
            if out.getvalue() != path.read_bytes():
                errors.append(f"{path.name}: np.savez of the loaded arrays differs from our bytes")
        if kind == ".aligned":
            raw = path.read_bytes()
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    zf.read(info)  # CRC checked
                    n, e = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
                    start = info.header_offset + 30 + n + e
                    header_len = np.lib.format.read_magic(io.BytesIO(raw[start:start + 8]))
                    f = io.BytesIO(raw[start:])
                    np.lib.format.read_magic(f)
                    if header_len == (1, 0):
                        np.lib.format.read_array_header_1_0(f)
                    else:
                        np.lib.format.read_array_header_2_0(f)
                    if (start + f.tell()) % 64:
                        errors.append(f"{path.name}[{info.filename!r}]: array data at {start + f.tell()}, not 64-aligned")
    return errors


def main():
    d = pathlib.Path(sys.argv[1])
    stems = sorted(p.stem for p in d.glob("*.json"))
    if not stems:
        print(f"no cases in {d}: run `cargo test --test interop_npz_write` first")
        return 1
    failures = []
    for stem in stems:
        failures += check(stem, d)
    for f in failures:
        print("FAIL", f)
    print(f"{len(stems)} cases x 3 archives checked with numpy {np.__version__}: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
