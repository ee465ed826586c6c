#!/usr/bin/env python3
"""Check, with NumPy, every .npy file the Rust side wrote.

Usage: python3 tests/interop/check_numpy.py DIR

DIR holds NAME.npy files written by serde-npy (see tests/interop_write.rs), each
with a NAME.json sidecar holding the Rust value as serde_json wrote it. For
every file this checks that:
  1. np.load reads it (allow_pickle=False);
  2. np.save of the loaded array gives back the very same bytes;
  3. the loaded dtype, shape and every value equal the Rust value;
  4. where the sidecar says so, the array has that "shape", those field
     "names" and that "typestr" (dtype.str): an empty array's JSON value
     ([]) says neither.
Exit status 1 on any failure, with one line per failed file.
"""
import io
import json
import pathlib
import sys
import warnings

import numpy as np
from numpy.lib import _format_impl as npformat_impl


def element(x, dt, f16):
    """Converts one JSON element to what np.array expects for dtype dt."""
    if dt.subdtype is not None:
        base, shape = dt.subdtype
        return nested(x, base, len(shape), f16)
    if dt.names is not None:
        vals = [x[n] for n in dt.names] if isinstance(x, dict) else x
        return tuple(element(v, dt.fields[n][0], f16) for v, n in zip(vals, dt.names))
    if dt.kind == "S":
        return bytes(x)
    if dt.kind == "f" and dt.itemsize == 2 and f16:
        return np.array(x, dtype="<u2").view("<f2")[()]
    if dt.kind in "Mm":
        # The i64 count (NaT is i64::MIN); NumPy turns no integer into a
        # generic-unit datetime, so go through the bits.
        return np.array(x, dtype="<i8").view(dt)[()]
    if dt.kind == "c" and isinstance(x, list):
        return complex(x[0], x[1])
    return x


def nested(x, dt, ndim, f16):
    if ndim == 0:
        return element(x, dt, f16)
    return [nested(e, dt, ndim - 1, f16) for e in x]


def check_bf16(path, raw, side):
    """bfloat16 (NAME contains bf16): np.save of an ml_dtypes bfloat16 array
    writes descr '<V2' and the raw bits, little-endian; np.load gives |V2,
    which `.view(ml_dtypes.bfloat16)` turns back (here: `.view('<u2')`, the
    bits, so ml_dtypes is not needed)."""
    a = np.load(io.BytesIO(raw), allow_pickle=False)
    expected_bits = np.array(side["value"], dtype="<u2")
    head = io.BytesIO()
    npformat_impl._write_array_header(
        head, {"descr": "<V2", "fortran_order": False, "shape": expected_bits.shape}, None)
    if raw != head.getvalue() + expected_bits.tobytes():
        return "not the bytes np.save writes for this ml_dtypes bfloat16 array"
    if a.dtype != np.dtype("V2") or a.shape != expected_bits.shape:
        return f"loaded as {a.dtype} {a.shape}"
    if not np.array_equal(a.view("<u2"), expected_bits):
        return "bits differ"
    return None


def check(path):
    raw = path.read_bytes()
    side = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    if "bf16" in path.name:
        return check_bf16(path, raw, side)
    # Format 2.0 headers exceed NumPy's default 10,000-character limit by design.
    a = np.load(io.BytesIO(raw), allow_pickle=False, max_header_size=1 << 20)
    out = io.BytesIO()
    np.save(out, a)
    if out.getvalue() != raw:
        return f"np.save of the loaded array differs from our bytes ({len(out.getvalue())} vs {len(raw)} bytes)"
    value, f16 = side["value"], side.get("f16", False)
    if side.get("shaped"):
        shape = tuple(value.get("shape", value.get("dim", ())))
        order = "F" if value.get("fortran_order") else "C"
        flat = [element(e, a.dtype, f16) for e in value["data"]]
        expected = np.array(flat, dtype=a.dtype).reshape(shape, order=order)
    else:
        expected = np.array(nested(value, a.dtype, a.ndim, f16), dtype=a.dtype)
        if "shape" in side:
            expected = expected.reshape(side["shape"])
    if "names" in side and a.dtype.names != tuple(side["names"]):
        return f"field names {a.dtype.names}, expected {tuple(side['names'])}"
    if "typestr" in side and a.dtype.str != side["typestr"]:
        return f"dtype {a.dtype.str}, expected {side['typestr']}"
    if expected.shape != a.shape:
        return f"shape {a.shape}, expected {expected.shape}"
    if np.ascontiguousarray(expected).tobytes() != np.ascontiguousarray(a).tobytes():
        return f"values differ: loaded {a!r}, expected {expected!r}"
    return None


def main():
    # np.save warns when it picks format 2.0 or 3.0; that choice is under test.
    warnings.simplefilter("ignore", UserWarning)
    root = pathlib.Path(sys.argv[1])
    files = sorted(root.glob("*.npy"))
    if not files:
        print(f"no .npy files in {root}", file=sys.stderr)
        return 1
    failed = 0
    for path in files:
        try:
            problem = check(path)
        except Exception as e:  # a file numpy cannot load is a failure to report
            problem = f"{type(e).__name__}: {e}"
        if problem:
            failed += 1
            print(f"FAIL {path.name}: {problem}")
    print(f"numpy {np.__version__} interop: {len(files) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
