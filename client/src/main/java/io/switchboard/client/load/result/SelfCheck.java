package io.switchboard.client.load.result;

import java.util.List;

/**
 * How the load tool itself fared, so a reader can tell a slow server from a slow tool.
 *
 * @param cpuPercent          process CPU time over wall time, in percent of one core
 *                            (200 = two cores busy)
 * @param availableCores      cores the JVM may use
 * @param targetRate          the target rate (requests/s) in open loop, 0 in closed loop
 * @param achievedRate        completed requests per second
 * @param sendLagP99Micros    99th percentile of intended-to-actually-sent, microseconds
 * @param hiccupMaxMicros     longest pause a hiccup thread observed (GC, scheduling), microseconds
 * @param hiccupP99Micros     99th percentile of those pauses
 * @param hiccupResolutionMicros how often the hiccup thread woke: 1 ms with a core of its own,
 *                            10 ms when it shares the event loops' cores (pauses shorter than
 *                            that may go unseen; longer ones never do)
 * @param connectionsNeeded   Little's law: target rate times mean service time, divided by the
 *                            pipeline depth; 0 in closed loop
 * @param toolBound           true when the tool, not the server, limited the run
 * @param findings            plain sentences for the report, e.g. "the tool fell behind its
 *                            schedule: send lag p99 12 ms" or "12 connections cannot carry 50000
 *                            req/s at 1.1 ms service time; Little's law needs 55"
 */
public record SelfCheck(
        double cpuPercent,
        int availableCores,
        double targetRate,
        double achievedRate,
        long sendLagP99Micros,
        long hiccupMaxMicros,
        long hiccupP99Micros,
        long hiccupResolutionMicros,
        double connectionsNeeded,
        boolean toolBound,
        List<String> findings) {

    /** This check with {@code finding} added to its findings. */
    public SelfCheck withFinding(String finding) {
        List<String> more = new java.util.ArrayList<>(findings);
        more.add(finding);
        return new SelfCheck(cpuPercent, availableCores, targetRate, achievedRate, sendLagP99Micros, hiccupMaxMicros,
                hiccupP99Micros, hiccupResolutionMicros, connectionsNeeded, toolBound, List.copyOf(more));
    }
}
