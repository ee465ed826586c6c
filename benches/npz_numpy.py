#!/usr/bin/env python3
"""NumPy's side of the .npz rows of `cargo bench --bench compare` (issue #14).

The same three f32 arrays as bench_npz (64 MiB in all: sin(i*k*1e-3) in f32,
k = 1, 2, 3, lengths 8 Mi, 4 Mi, 4 Mi), written with np.savez /
np.savez_compressed into memory and read back with np.load, every member
materialised. Prints medians over the runs, in the bench's MB/s (10^6 bytes of
array data per second), so the two outputs compare line by line.

    python3 benches/npz_numpy.py [runs]   # default 15, as the bench
"""
import io
import statistics
import sys
import time

import numpy as np

MIB = 1 << 20
N = 16 * MIB // 4


def wave(k, n):
    return np.sin((np.arange(n, dtype=np.uint64) * k).astype(np.float32) * np.float32(1e-3))


def median_time(runs, f):
    f()  # warm-up, as the bench's median() does
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    three = {"a": wave(1, 2 * N), "b": wave(2, N), "c": wave(3, N)}
    mb = 64 * MIB / 1e6

    def save(fn):
        buf = io.BytesIO()
        fn(buf, **three)
        return buf.getvalue()

    def load(data):
        with np.load(io.BytesIO(data)) as f:
            return [f[k] for k in ("a", "b", "c")]

    print(f"numpy {np.__version__}, {runs} runs, medians")
    for label, fn in (("np.savez", np.savez), ("np.savez_compressed", np.savez_compressed)):
        data = save(fn)
        w = median_time(runs, lambda: save(fn))
        r = median_time(runs, lambda: load(data))
        print(
            f"{label + ' write':<40} {w * 1e3:>10.3f} ms   {mb / w:>6.0f} MB/s"
            f" ({100 * len(data) / (64 * MIB):.1f}% of the raw size)"
        )
        print(f"{label + ' np.load':<40} {r * 1e3:>10.3f} ms   {mb / r:>6.0f} MB/s")


if __name__ == "__main__":
    main()
