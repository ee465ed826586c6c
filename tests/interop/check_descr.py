#!/usr/bin/env python3
"""Differential test of the header reader against np.load (issue #16).

Usage: python3 tests/interop/check_descr.py DIR [N] [SEED]

Generates N (default 6000) .npy files from a seeded generator: valid descrs of
every form np.dtype reads (typestrs, type names, one-letter codes, comma
strings, subarray strings and tuples, datetime units with multipliers and
divisors, records with titles, padding and nesting) and mutations of them and
of the header text (Python 2 L suffixes, string prefixes, signs, white space,
line continuations, and any characters at all: quotes, brackets, escapes). Each gets NumPy's verdict (load: dtype, shape, order; or
the refusal), written to DIR/cases.json; then the Rust side
(tests/descr.rs, differential_against_numpy) reads every file and compares.
It fails on any disagreement outside the by-design refusals listed there.
"""
import json
import pathlib
import random
import re
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "descr"))
from generate import npy_bytes, verdict  # noqa: E402

import numpy as np  # noqa: E402
from numpy.lib import format as npformat  # noqa: E402
import warnings  # noqa: E402

ORDERS = ["", "<", ">", "|", "="]
SIZED = ["b1", "i1", "u1", "i2", "i4", "i8", "u2", "u4", "u8", "f2", "f4", "f8",
         "c8", "c16", "S0", "S1", "S7", "U0", "U3", "V0", "V5", "a4"]
LETTERS = list("?bBhHiIlLqQnNpPefdFDSUVMmca")
NAMES = ["float64", "int", "bool", "str", "bytes", "uint16", "half", "complex",
         "datetime64", "timedelta64", "void", "int8", "single", "longlong", "a"]
UNITS = ["Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as",
         "generic", "\\u03bcs"]
ALPHABET = list("<>|=()[], /+-0123456789fiuScUVMmbL?xa.")
# NumPy divides by zero on a zero datetime divisor and dies; not a verdict.
CRASHES = re.compile(r"/\s*[+-]?0+\]")


def datetime_str(r):
    s = r.choice(["M8", "m8", "datetime64", "timedelta64"])
    if r.random() < 0.85:
        num = r.choice(["", "", "1", "7", "10", "0", " 3", "+2", "2147483647", "2147483648"])
        den = r.choice(["", "", "", "/2", "/3", "/5", "/7", "/10", "/1000", "/11", "/-2", "/ 4", "/1"])
        s += f"[{num}{r.choice(UNITS)}{den}]"
    return r.choice(ORDERS) + s


def scalar_str(r):
    k = r.random()
    if k < 0.45:
        return r.choice(ORDERS) + r.choice(SIZED)
    if k < 0.6:
        return r.choice(ORDERS) + r.choice(LETTERS)
    if k < 0.7:
        return r.choice(NAMES)
    return datetime_str(r)


def shape_lit(r):
    return r.choice(["(2,)", "(1,)", "2", "1", "()", "(2, 3)", "(1, 1)", "(0,)", "[2]", "(3,)"])


def type_str(r, depth=0):
    k = r.random()
    if k < 0.6 or depth > 1:
        return scalar_str(r)
    if k < 0.8:
        rep = r.choice(["", "2", "(2,)", "(1,)", "1", "(2,3)", " 3 "])
        return rep + scalar_str(r)
    n = r.randint(1, 3)
    items = [r.choice(["", "2", "(2,)"]) + scalar_str(r) for _ in range(n)]
    return r.choice([",", ", ", " ,"]).join(items) + r.choice(["", "", ","])


def pystr(s, r):
    q = r.choice(["'", "'", '"'])
    return q + s.replace("\\\\", "\\") + q


def descr_lit(r, depth=0):
    k = r.random()
    if k < 0.5 or depth > 2:
        return pystr(type_str(r, depth), r)
    if k < 0.62:
        return f"({descr_lit(r, depth + 1)}, {shape_lit(r)})"
    n = r.randint(0, 3)
    fields = []
    used = ["a", "b", "c", "d", "e", ""]
    for i in range(n):
        name = repr(r.choice(used))
        t = r.random()
        if t < 0.15:
            title = r.choice(["'t'", "'a'", "1", "None", "True", "(1, 2)", "'b'"])
            name = f"({title}, {name})"
        f = f"({name}, {descr_lit(r, depth + 1)}"
        if r.random() < 0.25:
            f += ", " + shape_lit(r)
        fields.append(f + ")")
    return "[" + ", ".join(fields) + "]"


def mutate(s, r):
    s = list(s)
    for _ in range(r.randint(1, 3)):
        op = r.random()
        i = r.randint(0, len(s))
        if op < 0.4 or not s:
            s.insert(i, r.choice(ALPHABET))
        elif op < 0.7:
            del s[min(i, len(s) - 1)]
        else:
            s[min(i, len(s) - 1)] = r.choice(ALPHABET)
    return "".join(s)


def header_text(r):
    descr = descr_lit(r)
    dims = r.choice([[2], [3], [1], [], [2, 2], [0], [0, 3], [4, 1]])
    shape = "(" + "".join(f"{d}, " for d in dims).rstrip(" ") + ")" if dims else "()"
    if len(dims) > 1:
        shape = "(" + ", ".join(map(str, dims)) + ")"
    fortran = r.choice(["False", "False", "True"])
    k = r.random()
    if k < 0.1:
        descr = mutate(descr, r)
    text = "{'descr': %s, 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)
    if k > 0.85:
        # Literal-level mutations of the header text.
        m = r.choice([
            lambda t: t.replace(",)", " L,)", 1),
            lambda t: t.replace(",)", "L,)", 1),
            lambda t: t.replace(",)", "l,)", 1),
            lambda t: t.replace(",)", "\tL,)", 1),
            lambda t: t.replace("'descr': '", "'descr': u'", 1),
            lambda t: t.replace("'descr': '", "'descr': r'", 1),
            lambda t: t.replace("'descr': '", "'descr': ur'", 1),
            lambda t: t.replace("'descr': '", "'descr': Ru'", 1),
            lambda t: t.replace("'descr': '", "'descr': uu'", 1),
            lambda t: t.replace("'shape': (", "'shape': (-", 1),
            lambda t: t.replace("'shape': (", "'shape': (--", 1),
            lambda t: t.replace("'shape': (", "'shape': (+", 1),
            lambda t: t.replace("'shape': (", "'shape': (-(", 1).replace(", }", "), }", 1),
            lambda t: "\n " + t,
            lambda t: "\n" + t,
            lambda t: " \t" + t,
            lambda t: t + "\\\r\n",
            lambda t: t + "\\\n",
            lambda t: t + "\\",
            lambda t: t.replace(", '", ",\\\r\n '", 1),
            lambda t: t.replace(", '", ", # c\n'", 1),
            lambda t: t.replace("'descr'", "'de' 'scr'", 1),
        ])
        text = m(text)
    elif k < 0.2:
        # Anything at all in the header text: quotes, brackets, escapes.
        text = mutate_text(text, r)
    return text, dims


TEXT_ALPHABET = ALPHABET + list("'\"{}:#\\\n\t\r_xuUrRbBjeEoO.") + ["True", "None", "0x", "1_0", "\\x41", "\\N{DIGIT ONE}"]


def mutate_text(s, r):
    s = list(s)
    for _ in range(r.randint(1, 2)):
        i = r.randint(0, len(s))
        op = r.random()
        if op < 0.5:
            s.insert(i, r.choice(TEXT_ALPHABET))
        elif s:
            del s[min(i, len(s) - 1)]
    return "".join(s)


def data_for(text, dims, r):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            d = re.search(r"'descr': (.*), 'fortran_order'", text)
            dt = npformat.descr_to_dtype(eval(d.group(1), {}, {}))
        n = int(np.prod(dims)) * dt.itemsize
    except Exception:
        n = r.randint(0, 16)
    if n > 1 << 16:
        n = 0
    if r.random() < 0.03:
        n = max(0, n - 1)
    return bytes(r.getrandbits(8) for _ in range(n))


def main():
    out = pathlib.Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 6000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    r = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    cases = []
    seen = set()
    while len(cases) < n:
        text, dims = header_text(r)
        if CRASHES.search(text) or text in seen:
            continue
        seen.add(text)
        version = r.choice([(1, 0), (1, 0), (2, 0), (3, 0)])
        raw = npy_bytes(text, data_for(text, dims, r), version)
        cases.append({"class": "generated", "file": raw.hex(), "numpy": verdict(raw)})
    loaded = sum(c["numpy"]["ok"] for c in cases)
    (out / "cases.json").write_text(json.dumps({"seed": seed, "cases": cases}))
    print(f"{len(cases)} headers (seed {seed}), numpy loads {loaded}, refuses {len(cases) - loaded}")
    root = pathlib.Path(__file__).resolve().parents[2]
    res = subprocess.run(
        ["cargo", "test", "--quiet", "--all-features", "--test", "descr",
         "differential_against_numpy", "--", "--nocapture"],
        cwd=root, env={**__import__("os").environ, "SERDE_NPY_DESCR_CASES": str((out / "cases.json").resolve())})
    sys.exit(res.returncode)


if __name__ == "__main__":
    main()
