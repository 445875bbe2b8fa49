package io.zsync.mainjob;

import io.zsync.stream.Priority;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * The run as one self-contained HTML page (inline SVG, no scripts): records in and out per second, the
 * bridge's records per second into its target topic against its budget (a dashed line), and p99 latency
 * per priority per second on a log scale, over time; the warm-up's seconds are shaded in both. Then the
 * slow-consumer phase: p99 per priority per second for both paths, and each group's lag on its output
 * against zsync's bound.
 */
final class Chart {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 260;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 20;
    private static final int BOTTOM = 40;
    private static final String[] LEVEL_COLOURS = {"#8c8c8c", "#1f77b4", "#ff7f0e", "#d62728"};

    private Chart() {
    }

    /**
     * @param budget the bridge's records/s for the whole connector, drawn as a dashed line; 0 for none
     * @param warmUp the phase shaded as the warm-up (its seconds from the workload's start)
     * @param slow   the slow-consumer phase, plotted after the workload's plots; null when it did not run
     */
    static String html(String title, List<Monitor.Sample> samples, long budget, Monitor.Phase warmUp,
                       SlowPhase.Result slow, String report) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(escape(title)).append("</title>\n<style>body{font-family:sans-serif;margin:24px}"
                        + "svg{background:#fafafa;border:1px solid #ddd}text{font-size:12px}"
                        + "pre{background:#f4f4f4;padding:12px}</style></head><body>\n<h1>")
                .append(escape(title)).append("</h1>\n");
        sb.append("<h2>Throughput (records/s)</h2>\n");
        long maxRate = Math.max(1, budget);
        for (Monitor.Sample s : samples) {
            maxRate = Math.max(maxRate, Math.max(Math.max(s.inPerSecond(), s.outPerSecond()), s.bridgePerSecond()));
        }
        svg(sb, samples, Monitor.Sample::second, List.of(
                new Series<>("in (produced)", "#2ca02c", false, Monitor.Sample::inPerSecond),
                new Series<>("out (delivered)", "#1f77b4", false, Monitor.Sample::outPerSecond),
                new Series<>("bridge (released)", "#9467bd", false, Monitor.Sample::bridgePerSecond),
                new Series<>("dead letters", "#d62728", false, Monitor.Sample::deadPerSecond)), maxRate, false, warmUp);
        if (budget > 0) {
            dashedLine(sb, budget, maxRate, false, "#9467bd", String.format(Locale.ROOT, "bridge budget %,d/s", budget));
        }
        sb.append("</svg>\n");
        sb.append("<h2>p99 latency per priority, produce to delivery (ms, log scale)</h2>\n");
        List<Series<Monitor.Sample>> levels = new ArrayList<>();
        long maxLatency = 10;
        for (int i = Priority.COUNT - 1; i >= 0; i--) {
            int level = i;
            levels.add(new Series<>(Priority.of(i).name(), LEVEL_COLOURS[i], false, s -> s.p99Ms()[level]));
            for (Monitor.Sample s : samples) {
                maxLatency = Math.max(maxLatency, s.p99Ms()[i]);
            }
        }
        svg(sb, samples, Monitor.Sample::second, levels, maxLatency, true, warmUp);
        sb.append("</svg>\n");
        if (slow != null && !slow.samples().isEmpty()) {
            slowPhase(sb, slow);
        }
        sb.append("<h2>Report</h2>\n<pre>").append(escape(report)).append("</pre>\n</body></html>\n");
        return sb.toString();
    }

    /**
     * The slow-consumer phase: p99 per priority, produce to consume, for both paths (zsync solid, plain
     * dashed), and each group's lag on its output against zsync's bound.
     */
    private static void slowPhase(StringBuilder sb, SlowPhase.Result slow) {
        List<SlowPhase.Sample> samples = slow.samples();
        sb.append("<h2>Slow-consumer phase: p99 per priority, produce to consume (ms, log scale); zsync with lag"
                + " release solid, plain pass-through dashed</h2>\n");
        List<Series<SlowPhase.Sample>> p99 = new ArrayList<>();
        long maxLatency = 10;
        for (int path = 0; path < SlowPhase.PATHS.size(); path++) {
            for (int l = 0; l < SlowPhase.LEVELS.size(); l++) {
                int pi = path;
                int li = l;
                Priority level = SlowPhase.LEVELS.get(l);
                p99.add(new Series<>((path == SlowPhase.ZSYNC ? "zsync " : "plain ") + level.name(),
                        LEVEL_COLOURS[level.ordinal()], path == SlowPhase.PLAIN, s -> s.p99Ms()[pi][li]));
                for (SlowPhase.Sample s : samples) {
                    maxLatency = Math.max(maxLatency, s.p99Ms()[pi][li]);
                }
            }
        }
        svg(sb, samples, SlowPhase.Sample::second, p99, maxLatency, true, null);
        sb.append("</svg>\n");
        sb.append("<h2>Slow-consumer phase: the group's lag on its output (records, log scale)</h2>\n");
        long maxLag = Math.max(10, slow.lagBound());
        for (SlowPhase.Sample s : samples) {
            for (long lag : s.lag()) {
                maxLag = Math.max(maxLag, lag);
            }
        }
        svg(sb, samples, SlowPhase.Sample::second, List.of(
                new Series<>("zsync, lag release", "#1f77b4", false, s -> s.lag()[SlowPhase.ZSYNC]),
                new Series<>("plain pass-through", "#ff7f0e", true, s -> s.lag()[SlowPhase.PLAIN])), maxLag, true, null);
        dashedLine(sb, slow.lagBound(), maxLag, true, "#1f77b4",
                String.format(Locale.ROOT, "zsync.lag.max.records %,d", slow.lagBound()));
        sb.append("</svg>\n");
    }

    private record Series<T>(String name, String colour, boolean dashed, ToLongFunction<T> value) {
    }

    /**
     * Opens an SVG plot of {@code series} over the samples' seconds (the caller closes it).
     *
     * @param shaded the stretch shaded under the lines, null for none
     */
    private static <T> void svg(StringBuilder sb, List<T> samples, ToIntFunction<T> secondOf, List<Series<T>> series,
                                long max, boolean log, Monitor.Phase shaded) {
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        int last = samples.isEmpty() ? 1 : Math.max(1, secondOf.applyAsInt(samples.get(samples.size() - 1)));
        sb.append(String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">%n", WIDTH,
                HEIGHT + 20, WIDTH, HEIGHT + 20));
        if (shaded != null) {
            // The shaded phase first, under the grid and the lines.
            double from = LEFT + plotW * Math.min(1, shaded.fromMs() / 1000.0 / last);
            double to = LEFT + plotW * Math.min(1, shaded.toMs() / 1000.0 / last);
            sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\""
                    + " fill=\"#eee\"/><text x=\"%.1f\" y=\"%d\" fill=\"#888\">%s</text>%n", from, TOP, to - from,
                    plotH, from + 4, TOP + 14, escape(shaded.name())));
        }
        // Axes and a few grid lines.
        for (int g = 0; g <= 4; g++) {
            double fraction = g / 4.0;
            double y = TOP + plotH * (1 - fraction);
            double value = log ? Math.pow(10, fraction * Math.log10(max)) : fraction * max;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%,.0f</text>%n", LEFT, y, WIDTH - RIGHT, y,
                    LEFT - 6, y + 4, value));
        }
        for (int t = 0; t <= last; t += Math.max(1, last / 10)) {
            double x = LEFT + plotW * (double) t / last;
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%ds</text>%n", x,
                    TOP + plotH + 16, t));
        }
        for (int i = 0; i < series.size(); i++) {
            Series<T> s = series.get(i);
            StringBuilder points = new StringBuilder();
            for (T sample : samples) {
                long v = s.value().applyAsLong(sample);
                if (v < 0) {
                    // Nothing to show for that second (no record of this level arrived): break the line.
                    if (points.length() > 0) {
                        polyline(sb, points, s.colour(), s.dashed());
                        points.setLength(0);
                    }
                    continue;
                }
                double fraction = log ? Math.log10(Math.max(1, v)) / Math.log10(max) : (double) v / max;
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + plotW * (double) secondOf.applyAsInt(sample)
                        / last, TOP + plotH * (1 - Math.min(1, fraction))));
            }
            if (points.length() > 0) {
                polyline(sb, points, s.colour(), s.dashed());
            }
            int lx = LEFT + i * 150;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\""
                    + " stroke-width=\"4\"%s/><text x=\"%d\" y=\"%d\">%s</text>%n", lx, HEIGHT + 10, lx + 12,
                    HEIGHT + 10, s.colour(), s.dashed() ? " stroke-dasharray=\"3 2\"" : "", lx + 16, HEIGHT + 14,
                    escape(s.name())));
        }
    }

    /** A dashed line across a plot at {@code value}, with its legend entry after the series'. */
    private static void dashedLine(StringBuilder sb, long value, long max, boolean log, String colour, String label) {
        double fraction = log ? Math.log10(Math.max(1, value)) / Math.log10(max) : (double) value / max;
        double y = TOP + (HEIGHT - TOP - BOTTOM) * (1 - Math.min(1, fraction));
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\""
                + " stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>%n", LEFT, y, WIDTH - RIGHT, y, colour));
        int lx = LEFT + 4 * 150;
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\""
                + " stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/><text x=\"%d\" y=\"%d\">%s</text>%n",
                lx, HEIGHT + 10, lx + 12, HEIGHT + 10, colour, lx + 16, HEIGHT + 14, escape(label)));
    }

    private static void polyline(StringBuilder sb, CharSequence points, String colour, boolean dashed) {
        sb.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"").append(colour).append('"')
                .append(dashed ? " stroke-dasharray=\"6 3\"" : "").append(" points=\"").append(points).append("\"/>\n");
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
