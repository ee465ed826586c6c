#!/usr/bin/env python3
"""Check, with NumPy, the .npy files serde-npy's Appender grew.

Usage: python3 tests/interop/check_append.py DIR

DIR holds NAME.npy files written by tests/append.rs, each with a NAME.json
sidecar:

  {"expected": "NAME.expected.npy" or null, "np_save": bool}
      np.load reads NAME.npy; when "np_save" is true, np.save of what it read
      gives back the very same bytes; when "expected" names a file (np.save of
      the whole array, by NumPy, for grown fixtures), both hold the same array:
      dtype, shape, memory order and every byte of data.

  {"crash": {"min_rows": N}, "np_save": bool}
      a file left by a child process killed with SIGKILL while appending
      (or that file continued and finished): np.load reads it, and it holds
      rows 0..n for some n >= N, where row i is
      (i, i * 0.25, [i, -i], "r%d" % (i % 100000)).

Exit status 1 on any failure, with one line per failed file.
"""
import io
import json
import pathlib
import sys
import warnings

import numpy as np

# The v3_name case is format 3.0 (a field name outside latin-1); np.save warns.
warnings.filterwarnings("ignore", message="Stored array in format 3.0")

CRASH_DTYPE = np.dtype([("i", "<u8"), ("x", "<f8"), ("v", "<f4", (2,)), ("tag", "<U6")])


def same_array(a, b):
    if a.dtype != b.dtype:
        return f"dtype {a.dtype.descr} != {b.dtype.descr}"
    if a.shape != b.shape:
        return f"shape {a.shape} != {b.shape}"
    if np.isfortran(a) != np.isfortran(b):
        return "memory order differs"
    order = "F" if np.isfortran(a) else "C"
    if a.tobytes(order) != b.tobytes(order):
        return "data differs"
    return None


def check_crash(a, spec):
    if a.size == 0 and spec["min_rows"] == 0:
        return None
    if a.dtype != CRASH_DTYPE:
        return f"dtype {a.dtype.descr}"
    n = a.shape[0]
    if n < spec["min_rows"]:
        return f"{n} rows, but {spec['min_rows']} were flushed"
    i = np.arange(n)
    if not (a["i"] == i).all():
        return "field i"
    if not (a["x"] == i * 0.25).all():
        return "field x"
    if not ((a["v"][:, 0] == i.astype("f4")).all() and (a["v"][:, 1] == -i.astype("f4")).all()):
        return "field v"
    tags = np.array(["r%d" % (k % 100000) for k in range(n)], "<U6")
    if not (a["tag"] == tags).all():
        return "field tag"
    return None


def check(path):
    raw = path.read_bytes()
    side = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    if not raw and side.get("crash", {}).get("min_rows") == 0:
        return None  # killed before the file was created: nothing to load
    a = np.load(io.BytesIO(raw), allow_pickle=False)
    if side.get("np_save"):
        out = io.BytesIO()
        np.save(out, a)
        if out.getvalue() != raw:
            return f"np.save of the loaded array differs from the file ({len(out.getvalue())} vs {len(raw)} bytes)"
    if side.get("expected"):
        b = np.load(path.parent / side["expected"], allow_pickle=False)
        problem = same_array(a, b)
        if problem:
            return f"differs from {side['expected']}: {problem}"
    if side.get("crash"):
        return check_crash(a, side["crash"])
    return None


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = pathlib.Path(sys.argv[1])
    files = sorted(p for p in root.glob("*.npy") if not p.name.endswith(".expected.npy"))
    if not files:
        sys.exit(f"no .npy files in {root}: run `cargo test --test append` first")
    failed = 0
    for p in files:
        try:
            problem = check(p)
        except Exception as e:  # noqa: BLE001 - every failure is reported the same way
            problem = f"{type(e).__name__}: {e}"
        if problem:
            failed += 1
            print(f"FAIL {p.name}: {problem}")
    print(f"{len(files) - failed}/{len(files)} appended files check out with numpy {np.__version__}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
