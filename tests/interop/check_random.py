#!/usr/bin/env python3
"""Check, with NumPy, the random batch written by tests/interop_random_write.rs.

Usage: python3 tests/interop/check_random.py DIR   (DIR = target/tmp/interop-random)

Each NAME.npy in DIR has two sidecars written by the Rust test from the values
it generated, independently of serde-npy's reader:
  NAME.json    {"descr": ..., "shape": [...], "fortran_order": bool, "source": ...}
  NAME.le.bin  the logical values in C order, every leaf little-endian,
               record padding zeroed.
For every file this checks that
  1. np.load reads it (allow_pickle=False, max_header_size=1<<20);
  2. the dtype, written as NumPy writes a header descr, is the sidecar's descr;
  3. the shape and the memory order match;
  4. the values, as logical C-order little-endian bytes (padding zeroed), are
     exactly the sidecar's bytes (NaN payloads and all);
  5. np.save of the loaded array gives back the file byte for byte.
The last line is "N passed, M failed"; the exit status is 1 on any failure or
when no file was checked.
"""
import io
import json
import pathlib
import sys
import warnings

import numpy as np
from numpy.lib import format as npformat


def logical_le_bytes(a):
    """The array's values in C order, every leaf little-endian, padding zero.

    A plain `astype(...).tobytes()` would copy record padding from whatever
    memory the cast used; assigning into zeros copies fields only.
    """
    le = a.dtype.newbyteorder("<")
    out = np.zeros(a.shape, dtype=le)
    out[...] = a
    return out.tobytes(order="C")


def check(path):
    side = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    expected = path.with_suffix(".le.bin").read_bytes()
    raw = path.read_bytes()
    with warnings.catch_warnings():
        # Format 3.0 files (non-latin-1 names) make NumPy warn on save.
        warnings.simplefilter("ignore", UserWarning)
        a = np.load(path, allow_pickle=False, max_header_size=1 << 20)
        out = io.BytesIO()
        np.save(out, a)
    problems = []
    descr = repr(npformat.dtype_to_descr(a.dtype))
    if descr != side["descr"]:
        problems.append(f"descr {descr} != {side['descr']}")
    if list(a.shape) != side["shape"]:
        problems.append(f"shape {a.shape} != {tuple(side['shape'])}")
    fortran = bool(a.flags.f_contiguous and not a.flags.c_contiguous)
    if fortran != side["fortran_order"]:
        problems.append(f"fortran order {fortran} != {side['fortran_order']}")
    got = logical_le_bytes(a)
    if got != expected:
        first = next(
            (i for i, (x, y) in enumerate(zip(got, expected)) if x != y),
            min(len(got), len(expected)),
        )
        problems.append(
            f"values differ at logical byte {first} ({len(got)} vs {len(expected)} bytes): "
            f"numpy {got[first:first + 16].hex()} expected {expected[first:first + 16].hex()}"
        )
    if out.getvalue() != raw:
        problems.append(
            f"np.save of the loaded array differs from the file ({len(out.getvalue())} vs {len(raw)} bytes)"
        )
    return "; ".join(problems) or None


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    files = sorted(pathlib.Path(sys.argv[1]).glob("*.npy"))
    passed, failed = 0, 0
    for path in files:
        try:
            problem = check(path)
        except Exception as e:  # report every file, do not stop at the first
            problem = f"{type(e).__name__}: {e}"
        if problem is None:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {path.name}: {problem}")
    print(f"numpy {np.__version__}, {len(files)} files in {sys.argv[1]}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
