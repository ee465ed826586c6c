#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the NumPy fixtures (tests/fixtures/npy/*.npy),
# plus a few inputs that reach corners no fixture covers; corpus/npz/ from the
# archive fixtures (tests/fixtures/npz/*.npz: numpy, zipfile, Info-ZIP). Corpus directories
# are gitignored; re-run this script to recreate them. Idempotent: files are
# named by content hash, as libFuzzer names its own.
set -euo pipefail
cd "$(dirname "$0")"
fixtures=../tests/fixtures/npy

put() { # put <target> <file>
    local h
    h=$(sha1sum "$2" | cut -d' ' -f1)
    cp "$2" "corpus/$1/$h"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Hand-made headers: one per version, Fortran order, zero-size dtypes, nesting.
extra() { # extra <name> <major> <minor> <dict text> [data bytes as printf escapes]
    python3 - "$tmp/$1" "$2" "$3" "$4" "${5:-}" <<'PY'
import sys, struct
path, major, minor, text, data = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
body = text.encode("utf-8" if major == 3 else "latin-1")
w = 2 if major == 1 else 4
total = 8 + w + len(body) + 1
pad = 64 - total % 64
hl = len(body) + pad + 1
pre = b"\x93NUMPY" + bytes([major, minor]) + (struct.pack("<H", hl) if w == 2 else struct.pack("<I", hl))
open(path, "wb").write(pre + body + b" " * pad + b"\n" + data.encode("latin-1"))
PY
}
extra v2_f8 2 0 "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }" $'\x00\x00\x00\x00\x00\x00\xf0\x3f\x00\x00\x00\x00\x00\x00\x00\x40'
extra v3_name 3 0 "{'descr': [('名', '<i2')], 'fortran_order': False, 'shape': (1,), }" $'\x07\x00'
extra fortran_i1 1 0 "{'descr': '|i1', 'fortran_order': True, 'shape': (2, 3), }" $'\x01\x02\x03\x04\x05\x06'
extra s0 1 0 "{'descr': '|S0', 'fortran_order': False, 'shape': (3,), }"
extra empty_record 1 0 "{'descr': [], 'fortran_order': False, 'shape': (2,), }"
extra zero_axis 1 0 "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 0, 2), }"
extra nested 1 0 "{'descr': [('a', [('b', [('c', '<u2', (2,))])])], 'fortran_order': False, 'shape': (), }" $'\x01\x00\x02\x00'
extra pylit 1 0 "{\"shape\": (0x2L,), 'descr': u'<' 'c8', # comment
'fortran_order': False, }"
extra legacy16 1 0 "{'descr': '>M8[ns]', 'fortran_order': False, 'shape': (1,)}" $'\x00\x00\x00\x00\x00\x00\x00\x01'

for t in header value roundtrip; do
    mkdir -p "corpus/$t"
    for f in "$fixtures"/*.npy "$tmp"/*; do
        put "$t" "$f"
    done
    echo "corpus/$t: $(ls "corpus/$t" | wc -l) files"
done

# Archives: NumPy's stored and compressed ones, zipfile's non-seekable output,
# Info-ZIP's (zip64, pipe, deflate), raw and directory members, duplicates.
mkdir -p corpus/npz
for f in ../tests/fixtures/npz/*.npz; do
    put npz "$f"
done
echo "corpus/npz: $(ls corpus/npz | wc -l) files"
