package io.switchboard.client.load.report;

import io.switchboard.client.load.result.Interval;
import io.switchboard.client.load.result.RunResult;
import io.switchboard.client.load.result.StageResult;
import java.io.PrintStream;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

/**
 * The latency intervals of every stage as an HdrHistogram interval log (the format
 * {@code HistogramLogReader}, {@code HistogramLogProcessor} and HistogramLogAnalyzer read), so a
 * run can be replotted or merged by other tools. Each interval is tagged with its stage's name
 * ({@code hold}); warm-up intervals with the name and {@code .warmup} ({@code hold.warmup}), so a
 * reader taking one tag gets exactly the stage's measured requests. Values are microseconds; the
 * max column of each line is in milliseconds.
 */
final class HdrLog {
    /** Suffix of the tag of warm-up intervals. */
    static final String WARMUP_TAG = ".warmup";
    /** Divides the max column: microseconds to milliseconds. */
    static final double MAX_VALUE_UNIT_RATIO = 1000.0;

    private HdrLog() {}

    static void write(RunResult run, PrintStream out) {
        HistogramLogWriter w = new HistogramLogWriter(out);
        w.outputComment(run.tool() + " load test; latency (intended send to completed) in microseconds, one "
                + "interval histogram per line, tagged with the stage name");
        w.outputLogFormatVersion();
        long base = run.startedAt().toEpochMilli();
        w.outputStartTime(base);
        w.outputBaseTime(base);
        w.setBaseTime(base);
        w.outputLegend();
        for (StageResult s : run.stages()) {
            String tag = tag(s.name());
            long stageStart = s.startedAt().toEpochMilli();
            for (Interval i : s.intervals()) {
                Histogram h = i.latency();
                if (h == null) {
                    continue;
                }
                // the interval decodes a histogram of our own: the tag and times are ours to set
                Histogram c = h;
                c.setTag(i.warmup() ? tag + WARMUP_TAG : tag);
                c.setStartTimeStamp(stageStart + i.startMillis());
                c.setEndTimeStamp(stageStart + i.endMillis());
                w.outputIntervalHistogram(c.getStartTimeStamp() / 1000.0 - base / 1000.0,
                        c.getEndTimeStamp() / 1000.0 - base / 1000.0, c, MAX_VALUE_UNIT_RATIO);
            }
        }
        out.flush();
    }

    /** Tags cannot hold whitespace or commas; stage names from scenarios never do. */
    static String tag(String stageName) {
        return stageName.replaceAll("[^A-Za-z0-9_.-]", "_");
    }
}
