#!/usr/bin/env python3
"""Finds upward trends in bench/soak.sh's samples.

  soak_trend.py SAMPLES.csv WARMUP_SECONDS [--svg PLOT.svg]   (exit 1 when a series trends upward)
  soak_trend.py --self-test                     (a flat, a noisy and a leaking series)

SAMPLES.csv has a header `t,<series>...` (t in seconds). For every series, the samples after the
warm-up get a least-squares line; its rise over that window (slope x window) is the trend. A
series fails when its rise is above its bound: an absolute allowance (what noise and caches may
grow by) plus a share of its mean. The bounds are per series, below; a series without one is
reported but not judged (counters, connection counts that follow the load). With --svg, it also
draws every series over time in a small SVG file (one panel each, the warm-up shaded, the fitted
line of the judged window in red), for a report.
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


def svg(rows, warmup, path):
    """One small panel per series: samples as a polyline, warm-up shaded, the fitted line in red."""
    names = [k for k in rows[0] if k != "t"]
    width, height, cols = 300, 120, 3
    pad_l, pad_t = 8, 18
    panels = []
    t0, t1 = rows[0]["t"], rows[-1]["t"] or 1
    span_t = (t1 - t0) or 1
    after = [r for r in rows if r["t"] >= warmup]
    for i, name in enumerate(names):
        x0, y0 = (i % cols) * width, (i // cols) * height
        ys = [r[name] for r in rows]
        lo, hi = min(ys), max(ys)
        if hi == lo:
            hi = lo + 1
        w, h = width - 2 * pad_l, height - pad_t - 8

        def px(t, y):
            return (x0 + pad_l + (t - t0) / span_t * w, y0 + pad_t + h - (y - lo) / (hi - lo) * h)

        points = " ".join("%.1f,%.1f" % px(r["t"], r[name]) for r in rows)
        wx = px(min(warmup, t1), lo)[0]
        parts = ['<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="#eee"/>'
                 % (x0 + pad_l, y0 + pad_t, wx - x0 - pad_l, h),
                 '<polyline fill="none" stroke="#246" stroke-width="1" points="%s"/>' % points,
                 '<text x="%d" y="%d" font-size="11" font-family="sans-serif">%s: %s .. %s</text>'
                 % (x0 + pad_l, y0 + 12, name, human(lo), human(hi))]
        if len(after) >= 2:
            ts = [r["t"] for r in after]
            slope, mean = fit(ts, [r[name] for r in after])
            mt = sum(ts) / len(ts)
            (ax, ay), (bx, by) = px(ts[0], mean + slope * (ts[0] - mt)), px(ts[-1], mean + slope * (ts[-1] - mt))
            parts.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#c22" stroke-width="1"/>'
                         % (ax, ay, bx, by))
        panels.append("\n".join(parts))
    rows_n = (len(names) + cols - 1) // cols
    with open(path, "w") as f:
        f.write('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d">\n' % (cols * width, rows_n * height + 16))
        f.write('<text x="8" y="%d" font-size="11" font-family="sans-serif">%.0f s; warm-up %.0f s shaded; '
                'red: the line fitted after it</text>\n' % (rows_n * height + 12, t1 - t0, warmup))
        f.write("\n".join(panels))
        f.write("\n</svg>\n")


def human(v):
    for unit, size in (("G", 1 << 30), ("M", 1 << 20), ("k", 1 << 10)):
        if abs(v) >= size:
            return "%.1f%s" % (v / size, unit)
    return "%.0f" % v


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
    args = sys.argv[1:]
    plot = None
    if len(args) == 4 and args[2] == "--svg":
        plot = args[3]
        args = args[:2]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    rows = load(args[0])
    if plot and rows:
        svg(rows, float(args[1]), plot)
    out, bad = judge(rows, float(args[1]))
    print("\n".join(out))
    sys.exit(1 if bad else 0)
