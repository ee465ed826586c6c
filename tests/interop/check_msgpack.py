#!/usr/bin/env python3
"""Check, with msgpack and NumPy, the MessagePack messages the Rust side wrote.

Usage: python3 tests/interop/check_msgpack.py DIR

DIR is `$CARGO_TARGET_TMPDIR/interop-msgpack` (normally target/tmp/interop-msgpack),
written by tests/interop_msgpack_write.rs: MessagePack messages whose array
fields are `#[serde(with = "serde_npy")]` blobs, and `expected.json` describing
them. For every message this checks that:
  * it unpacks with msgpack into a map with exactly the expected keys;
  * plain fields have their values and `None` fields are nil;
  * each array field is a `bin` value (Python bytes) that np.load reads with
    allow_pickle=False, with the expected dtype, shape, memory order and values
    (float16 compared by bit pattern), and that np.save of the loaded array
    gives back the very same bytes.
Prints one line per failed check, then a final line `N passed, M failed`, and
exits with status 1 on any failure (or when nothing was checked).
"""
import ast
import io
import json
import pathlib
import sys

import msgpack
import numpy as np


def expected_dtype(descr):
    return np.dtype(ast.literal_eval(descr) if descr.startswith("[") else descr)


def expected_values(want, dt):
    """The expected array built from the sidecar, in logical (C) order."""
    shape = tuple(want["shape"])
    if "bits" in want:
        return np.array(want["bits"], dtype="<u2").view(dt).reshape(shape)
    value = want["value"]
    if dt.names is not None:
        out = np.zeros(shape, dtype=dt)
        for i, rec in enumerate(value):
            out[i] = tuple(rec[n] for n in dt.names)
        return out
    if dt.kind == "c":
        pairs = np.array(value, dtype=np.float64).reshape(shape + (2,))
        return (pairs[..., 0] + 1j * pairs[..., 1]).astype(dt)
    return np.array(value, dtype=dt).reshape(shape)


def same_values(a, b):
    """Bit-exact for floats (so -0.0 and NaN compare as written)."""
    if a.dtype.names is not None:
        return all(same_values(a[n], b[n]) for n in a.dtype.names)
    if a.dtype.kind in "fc":
        return np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()
    return np.array_equal(a, b)


def check_array(blob, want):
    """Returns a list of problems with one array field (empty when fine)."""
    if not isinstance(blob, bytes):
        return [f"not a bin value but {type(blob).__name__}"]
    arr = np.load(io.BytesIO(blob), allow_pickle=False)
    problems = []
    dt = expected_dtype(want["dtype"])
    if arr.dtype != dt:
        problems.append(f"dtype {arr.dtype.str if arr.dtype.names is None else arr.dtype.descr}, expected {want['dtype']}")
    if list(arr.shape) != want["shape"]:
        problems.append(f"shape {arr.shape}, expected {tuple(want['shape'])}")
    fortran = arr.flags.f_contiguous and not arr.flags.c_contiguous
    if fortran != want["fortran_order"]:
        problems.append(f"fortran_order {fortran}, expected {want['fortran_order']}")
    if not problems:
        exp = expected_values(want, dt)
        if not same_values(arr, exp):
            problems.append(f"values {arr.tolist()!r}, expected {exp.tolist()!r}")
    out = io.BytesIO()
    np.save(out, arr)
    if out.getvalue() != blob:
        problems.append(f"np.save of the loaded array differs from the blob ({len(out.getvalue())} vs {len(blob)} bytes)")
    return problems


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = pathlib.Path(argv[1])
    passed, failed = 0, 0

    def report(name, problems):
        nonlocal passed, failed
        if problems:
            failed += 1
            for p in problems:
                print(f"FAIL {name}: {p}")
        else:
            passed += 1

    try:
        side = json.loads((root / "expected.json").read_text(encoding="utf-8"))
        messages = side["messages"]
    except (OSError, ValueError, KeyError) as e:
        print(f"FAIL {root}: cannot read expected.json ({e})")
        messages = []
        failed += 1

    for m in messages:
        file = m["file"]
        try:
            data = msgpack.unpackb((root / file).read_bytes(), raw=False)
        except Exception as e:  # noqa: BLE001 - any unpacking failure is a failed check
            report(file, [f"cannot unpack: {e}"])
            continue
        if not isinstance(data, dict):
            report(file, [f"not a map but {type(data).__name__}"])
            continue
        keys = set(m["plain"]) | set(m["none"]) | set(m["arrays"])
        report(f"{file} keys", [] if set(data) == keys else [f"keys {sorted(data)}, expected {sorted(keys)}"])
        for k, v in m["plain"].items():
            report(f"{file}:{k}", [] if data.get(k) == v else [f"{data.get(k)!r}, expected {v!r}"])
        for k in m["none"]:
            ok = k in data and data[k] is None
            report(f"{file}:{k}", [] if ok else [f"{data.get(k, '<missing>')!r}, expected nil"])
        for k, want in m["arrays"].items():
            if k not in data:
                report(f"{file}:{k}", ["missing"])
                continue
            try:
                problems = check_array(data[k], want)
            except Exception as e:  # noqa: BLE001 - np.load errors are failed checks
                problems = [f"{type(e).__name__}: {e}"]
            report(f"{file}:{k}", problems)

    if passed + failed == 0:
        print(f"FAIL {root}: nothing to check")
        failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
