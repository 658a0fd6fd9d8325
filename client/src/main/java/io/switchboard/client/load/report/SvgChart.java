package io.switchboard.client.load.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;
import java.util.function.DoubleUnaryOperator;

/**
 * A line chart as inline SVG: axes with round ticks (linear, logarithmic, or HdrHistogram's
 * percentile axis), grid, shaded bands, labelled vertical markers, dashed or solid series and a
 * legend. No script: the page renders the same with JavaScript off.
 */
final class SvgChart {
    static final int WIDTH = 1040;
    private static final int LEFT = 72;
    private static final int RIGHT = 24;
    /** Title row, then legend rows of this height, then the plot. */
    private static final int LEGEND_ROW = 18;
    private static final int BOTTOM = 48;

    record Tick(double value, String label) {}

    /** A data series; a {@code null} point breaks the line (an interval without samples). */
    record Series(String name, String color, boolean dashed, List<double[]> points) {}

    record Band(double from, double to, String label) {}

    record Marker(double x, String label) {}

    /** One axis: its domain in data units, how data maps onto it, and its ticks. */
    static final class Axis {
        final String title;
        final double lo;
        final double hi;
        final DoubleUnaryOperator transform;
        final List<Tick> ticks;

        private Axis(String title, double lo, double hi, DoubleUnaryOperator transform, List<Tick> ticks) {
            this.title = title;
            this.lo = lo;
            this.hi = hi;
            this.transform = transform;
            this.ticks = ticks;
        }

        /** 0 to 1 along the axis for a data value, clamped to the domain. */
        double position(double v) {
            double a = transform.applyAsDouble(lo);
            double b = transform.applyAsDouble(hi);
            double x = transform.applyAsDouble(Math.max(lo, Math.min(hi, v)));
            return b == a ? 0 : (x - a) / (b - a);
        }

        /** A linear axis from {@code min} to at least {@code max}, ending on a round tick. */
        static Axis linear(String title, double min, double max, DoubleFunction<String> label) {
            return linear(title, min, max, label, false);
        }

        /** A linear axis ending exactly at {@code max} (a time axis: no empty space after the run). */
        static Axis exact(String title, double min, double max, DoubleFunction<String> label) {
            return linear(title, min, max, label, true);
        }

        private static Axis linear(String title, double min, double max, DoubleFunction<String> label, boolean exact) {
            if (!(max > min)) {
                max = min + 1;
            }
            double step = niceStep((max - min) / (exact ? 8 : 5));
            double lo = Math.floor(min / step) * step;
            double hi = exact ? max : Math.ceil(max / step) * step;
            List<Tick> ticks = new ArrayList<>();
            for (int i = 0; lo + i * step <= hi + step / 1e6; i++) {
                double v = lo + i * step;
                ticks.add(new Tick(v, label.apply(v)));
            }
            return new Axis(title, lo, hi, v -> v, ticks);
        }

        /** A base-10 logarithmic axis over whole decades, ticks at 1, 2 and 5 of each. */
        static Axis log(String title, double min, double max, DoubleFunction<String> label) {
            double lo = Math.pow(10, Math.floor(Math.log10(Math.max(min, 1e-9))));
            double hi = Math.pow(10, Math.ceil(Math.log10(Math.max(max, lo * 10))));
            if (hi <= lo) {
                hi = lo * 10;
            }
            List<Tick> ticks = new ArrayList<>();
            boolean few = hi / lo <= 1000;
            for (double decade = lo; decade <= hi * 1.0001; decade *= 10) {
                ticks.add(new Tick(decade, label.apply(decade)));
                if (few && decade * 2 < hi) {
                    ticks.add(new Tick(decade * 2, label.apply(decade * 2)));
                    ticks.add(new Tick(decade * 5, label.apply(decade * 5)));
                }
            }
            return new Axis(title, lo, hi, v -> Math.log10(Math.max(v, 1e-9)), ticks);
        }

        /**
         * HdrHistogram's percentile axis: x is {@code log10(1 / (1 - p))}, so 90%, 99%, 99.9%, ...
         * are evenly spaced; {@code nines} is where the axis ends (3 = 99.9%).
         */
        static Axis percentile(String title, int nines) {
            List<Tick> ticks = new ArrayList<>();
            for (int k = 0; k <= nines; k++) {
                ticks.add(new Tick(k, percentLabel(k)));
            }
            return new Axis(title, 0, nines, v -> v, ticks);
        }

        /** 0%, 90%, 99%, 99.9%, ... for 0, 1, 2, 3, ... nines. */
        static String percentLabel(int nines) {
            java.math.BigDecimal hundred = java.math.BigDecimal.valueOf(100);
            return hundred.subtract(hundred.scaleByPowerOfTen(-nines)).stripTrailingZeros().toPlainString() + "%";
        }
    }

    /** Where a percentile (0 to 100, below 100) sits on {@link Axis#percentile}. */
    static double percentileX(double percentile) {
        return Math.log10(100.0 / (100.0 - Math.min(percentile, 99.9999999)));
    }

    static double niceStep(double rough) {
        if (!(rough > 0)) {
            return 1;
        }
        double mag = Math.pow(10, Math.floor(Math.log10(rough)));
        double f = rough / mag;
        double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
        return nice * mag;
    }

    private final String id;
    private final String title;
    private final int height;
    private final Axis x;
    private final Axis y;
    private final List<Series> series = new ArrayList<>();
    private final List<Band> bands = new ArrayList<>();
    private final List<Marker> markers = new ArrayList<>();

    /** Top of the plot area: below the title and however many legend rows the series need. */
    private int top = 58;

    SvgChart(String id, String title, int height, Axis x, Axis y) {
        this.id = id;
        this.title = title;
        this.height = height;
        this.x = x;
        this.y = y;
    }

    SvgChart add(Series s) {
        series.add(s);
        return this;
    }

    SvgChart band(Band b) {
        bands.add(b);
        return this;
    }

    SvgChart marker(Marker m) {
        markers.add(m);
        return this;
    }

    private double px(double v) {
        return LEFT + x.position(v) * (WIDTH - LEFT - RIGHT);
    }

    private double py(double v) {
        return height - BOTTOM - y.position(v) * (height - top - BOTTOM);
    }

    String render() {
        List<double[]> legend = legendLayout();
        int rows = legend.isEmpty() ? 1 : (int) Math.round((legend.get(legend.size() - 1)[1] - 36) / LEGEND_ROW) + 1;
        top = 40 + rows * LEGEND_ROW;
        StringBuilder s = new StringBuilder(8192);
        int plotBottom = height - BOTTOM;
        s.append(String.format(Locale.ROOT, "<svg class=\"chart\" id=\"%s\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\" "
                + "xmlns=\"http://www.w3.org/2000/svg\">%n", id, WIDTH, height, Html.escape(title)));
        s.append(String.format(Locale.ROOT, "<text class=\"chart-title\" x=\"%d\" y=\"20\">%s</text>%n", LEFT, Html.escape(title)));
        for (Band b : bands) {
            double x0 = px(b.from());
            double x1 = px(b.to());
            s.append(String.format(Locale.ROOT, "<rect class=\"band\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\"/>%n",
                    x0, top, Math.max(0.5, x1 - x0), plotBottom - top));
            if (x1 - x0 > 40) {
                s.append(String.format(Locale.ROOT, "<text class=\"band-label\" x=\"%.1f\" y=\"%d\">%s</text>%n",
                        (x0 + x1) / 2, plotBottom - 6, Html.escape(b.label())));
            }
        }
        for (Tick t : y.ticks) {
            double yy = py(t.value());
            s.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                    + "<text class=\"tick y\" x=\"%d\" y=\"%.1f\">%s</text>%n",
                    LEFT, yy, WIDTH - RIGHT, yy, LEFT - 6, yy + 4, Html.escape(t.label())));
        }
        for (Tick t : x.ticks) {
            double xx = px(t.value());
            s.append(String.format(Locale.ROOT, "<line class=\"grid v\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                    + "<text class=\"tick x\" x=\"%.1f\" y=\"%d\">%s</text>%n",
                    xx, top, xx, plotBottom, xx, plotBottom + 16, Html.escape(t.label())));
        }
        s.append(String.format(Locale.ROOT, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                + "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>%n",
                LEFT, top, LEFT, plotBottom, LEFT, plotBottom, WIDTH - RIGHT, plotBottom));
        s.append(String.format(Locale.ROOT, "<text class=\"axis-title\" x=\"%d\" y=\"%d\">%s</text>%n",
                (LEFT + WIDTH - RIGHT) / 2, height - 8, Html.escape(x.title)));
        s.append(String.format(Locale.ROOT, "<text class=\"axis-title y\" transform=\"translate(16 %d) rotate(-90)\">%s</text>%n",
                (top + plotBottom) / 2, Html.escape(y.title)));
        for (Marker m : markers) {
            double xx = px(m.x());
            s.append(String.format(Locale.ROOT, "<line class=\"marker\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                    + "<text class=\"marker-label\" x=\"%.1f\" y=\"%d\">%s</text>%n",
                    xx, top, xx, plotBottom, xx + 4, top + 12, Html.escape(m.label())));
        }
        for (Series ser : series) {
            String d = path(ser.points());
            if (d.isEmpty()) {
                continue;
            }
            s.append(String.format(Locale.ROOT, "<path class=\"series%s\" data-series=\"%s\" stroke=\"%s\" d=\"%s\"/>%n",
                    ser.dashed() ? " dashed" : "", Html.escape(ser.name()), ser.color(), d));
        }
        legend(s, legend);
        s.append("</svg>\n");
        return s.toString();
    }

    /** Where each series' legend entry goes: {x, y}, rows under the title, wrapping at the right edge. */
    private List<double[]> legendLayout() {
        List<double[]> at = new ArrayList<>();
        double xx = LEFT;
        double yy = 36;
        for (Series ser : series) {
            double w = 30 + ser.name().length() * 7 + 18;
            if (xx > LEFT && xx + w > WIDTH - RIGHT) {
                xx = LEFT;
                yy += LEGEND_ROW;
            }
            at.add(new double[] {xx, yy});
            xx += w;
        }
        return at;
    }

    private void legend(StringBuilder s, List<double[]> at) {
        for (int i = 0; i < series.size(); i++) {
            Series ser = series.get(i);
            double xx = at.get(i)[0];
            double yy = at.get(i)[1];
            s.append(String.format(Locale.ROOT, "<line class=\"legend-line%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                    + "<text class=\"legend\" x=\"%.1f\" y=\"%.1f\">%s</text>%n", ser.dashed() ? " dashed" : "",
                    xx, yy, xx + 24, yy, ser.color(), xx + 29, yy + 4, Html.escape(ser.name())));
        }
    }

    private String path(List<double[]> points) {
        StringBuilder d = new StringBuilder();
        boolean pen = false;
        for (double[] p : points) {
            if (p == null || Double.isNaN(p[1])) {
                pen = false;
                continue;
            }
            d.append(pen ? " L" : (d.length() == 0 ? "M" : " M"));
            d.append(String.format(Locale.ROOT, "%.1f %.1f", px(p[0]), py(p[1])));
            pen = true;
        }
        return d.toString();
    }
}
