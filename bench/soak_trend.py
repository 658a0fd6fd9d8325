#!/usr/bin/env python3
"""Finds upward trends in bench/soak.sh's samples.

  soak_trend.py SAMPLES.csv WARMUP_SECONDS      (exit 1 when a series trends upward)
  soak_trend.py --self-test                     (a flat, a noisy and a leaking series)

SAMPLES.csv has a header `t,<series>...` (t in seconds). For every series, the samples after the
warm-up get a least-squares line; its rise over that window (slope x window) is the trend. A
series fails when its rise is above its bound: an absolute allowance (what noise and caches may
grow by) plus a share of its mean. The bounds are per series, below; a series without one is
reported but not judged (counters, connection counts that follow the load).
"""
import csv
import sys

# series: (absolute allowance, share of the mean)
BOUNDS = {
    "heap_after_gc_bytes": (8 << 20, 0.10),
    "netty_direct_bytes": (16 << 20, 0.10),
    "nio_direct_bytes": (16 << 20, 0.10),
    "pool_direct_bytes": (16 << 20, 0.10),
    "open_fds": (64, 0.10),
    "threads": (4, 0.05),
}
MIN_SAMPLES = 6


def fit(ts, ys):
    n = len(ts)
    mt, my = sum(ts) / n, sum(ys) / n
    var = sum((t - mt) ** 2 for t in ts)
    slope = sum((t - mt) * (y - my) for t, y in zip(ts, ys)) / var if var else 0.0
    return slope, my


def judge(rows, warmup):
    """Returns (lines, failed) for rows of dicts with 't' and series values."""
    after = [r for r in rows if r["t"] >= warmup]
    lines, failed = [], False
    if len(after) < MIN_SAMPLES:
        return ["only %d samples after the warm-up (need %d): nothing judged" % (len(after), MIN_SAMPLES)], True
    ts = [r["t"] for r in after]
    window = ts[-1] - ts[0]
    for name in [k for k in rows[0] if k != "t"]:
        ys = [r[name] for r in after]
        slope, mean = fit(ts, ys)
        rise = slope * window
        first, last = ys[0], ys[-1]
        if name in BOUNDS:
            absolute, share = BOUNDS[name]
            bound = absolute + share * abs(mean)
            ok = rise <= bound
            failed |= not ok
            verdict = "ok" if ok else "TRENDS UP"
            lines.append("%-22s first %14.0f last %14.0f mean %14.0f rise over %4.0f s %+14.0f (bound %.0f) %s"
                         % (name, first, last, mean, window, rise, bound, verdict))
        else:
            lines.append("%-22s first %14.0f last %14.0f mean %14.0f rise over %4.0f s %+14.0f (not judged)"
                         % (name, first, last, mean, window, rise))
    return lines, failed


def load(path):
    with open(path) as f:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]


def self_test():
    import random
    random.seed(7)
    flat = [{"t": t, "heap_after_gc_bytes": 40e6 + random.uniform(-2e6, 2e6)} for t in range(0, 120, 5)]
    leak = [{"t": t, "heap_after_gc_bytes": 40e6 + t * 200e3} for t in range(0, 120, 5)]  # 24 MB / 120 s
    saw = [{"t": t, "heap_after_gc_bytes": 40e6 + (t % 20) * 1e6} for t in range(0, 120, 5)]  # caches filling, emptying
    assert not judge(flat, 20)[1], "a flat series passes"
    assert not judge(saw, 20)[1], "a saw-tooth without a trend passes"
    assert judge(leak, 20)[1], "a leak of 200 kB/s fails"
    assert judge(flat[:3], 0)[1], "too few samples fail"
    print("soak_trend: self-test passed")


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        sys.exit(0)
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    out, bad = judge(load(sys.argv[1]), float(sys.argv[2]))
    print("\n".join(out))
    sys.exit(1 if bad else 0)
