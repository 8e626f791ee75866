package org.erasure.e2e.bench.pipeline.report;

import java.util.List;
import java.util.Locale;

/** Small self-contained SVG charts (no script, no external resource), for the HTML report and the README. */
public final class SvgCharts {

    public static final int WIDTH = 900;
    private static final int LABEL_WIDTH = 300;
    private static final int ROW = 22;
    private static final String FONT = "font-family=\"Helvetica,Arial,sans-serif\" font-size=\"12\"";

    private SvgCharts() {}

    /** One bar; a null value draws no bar and prints {@code text} (e.g. "did not finish"). */
    public record Bar(String label, Double value, String color, String text) {}

    /** One series of a grouped bar chart, a value per category (null = none). */
    public record Series(String name, String color, List<Double> values) {}

    /** A chart and its height, so charts can be stacked into one picture. */
    public record Chart(String body, int height) {}

    /** Horizontal bars on a logarithmic time axis (decades), value printed at the end of each bar. */
    public static Chart logBars(String title, String axis, List<Bar> bars) {
        double min = bars.stream().filter(b -> b.value() != null && b.value() > 0).mapToDouble(Bar::value).min().orElse(0.1);
        double max = bars.stream().filter(b -> b.value() != null && b.value() > 0).mapToDouble(Bar::value).max().orElse(10);
        int lo = (int) Math.floor(Math.log10(min));
        int hi = Math.max(lo + 1, (int) Math.ceil(Math.log10(max)));
        int plot = WIDTH - LABEL_WIDTH - 110;
        int top = 34;
        int height = top + bars.size() * ROW + 40;
        StringBuilder svg = new StringBuilder();
        svg.append(text(10, 20, title, "font-weight=\"bold\" font-size=\"14\""));
        for (int d = lo; d <= hi; d++) {
            double x = LABEL_WIDTH + (double) (d - lo) / (hi - lo) * plot;
            svg.append(line(x, top - 4, x, top + bars.size() * ROW, "#ddd"));
            svg.append(text(x, top + bars.size() * ROW + 16, decade(d), "text-anchor=\"middle\" fill=\"#555\""));
        }
        svg.append(text(LABEL_WIDTH + plot / 2.0, top + bars.size() * ROW + 32, axis, "text-anchor=\"middle\" fill=\"#555\""));
        for (int i = 0; i < bars.size(); i++) {
            Bar b = bars.get(i);
            double y = top + i * ROW;
            svg.append(text(LABEL_WIDTH - 8, y + 15, b.label(), "text-anchor=\"end\""));
            double end = LABEL_WIDTH;
            if (b.value() != null && b.value() > 0) {
                double position = (Math.log10(b.value()) - lo) / (hi - lo);
                end = LABEL_WIDTH + Math.max(2, position * plot);
                svg.append(rect(LABEL_WIDTH, y + 3, end - LABEL_WIDTH, ROW - 6, b.color()));
            }
            svg.append(text(end + 6, y + 15, b.text(), "fill=\"#222\""));
        }
        return new Chart(svg.toString(), height);
    }

    /** Vertical grouped bars on a linear axis, with an optional reference line (e.g. the heap limit). */
    public static Chart groupedBars(String title, String axis, List<String> categories, List<Series> series,
                                    Double reference, String referenceLabel) {
        double max = series.stream().flatMap(s -> s.values().stream()).filter(v -> v != null).mapToDouble(Double::doubleValue)
                .max().orElse(1);
        if (reference != null) {
            max = Math.max(max, reference);
        }
        max = niceCeiling(max * 1.1);
        int left = 70;
        int top = 50;
        int plotHeight = 200;
        int plotWidth = WIDTH - left - 20;
        int height = top + plotHeight + 50;
        StringBuilder svg = new StringBuilder();
        svg.append(text(10, 20, title, "font-weight=\"bold\" font-size=\"14\""));
        for (int s = 0; s < series.size(); s++) {
            svg.append(rect(left + s * 170, 28, 12, 12, series.get(s).color()));
            svg.append(text(left + s * 170 + 18, 38, series.get(s).name(), ""));
        }
        for (int t = 0; t <= 4; t++) {
            double v = max * t / 4;
            double y = top + plotHeight - plotHeight * t / 4.0;
            svg.append(line(left, y, left + plotWidth, y, "#eee"));
            svg.append(text(left - 6, y + 4, number(v), "text-anchor=\"end\" fill=\"#555\""));
        }
        svg.append(text(14, top + plotHeight / 2.0, axis, "fill=\"#555\" transform=\"rotate(-90 14 " + (top + plotHeight / 2) + ")\" text-anchor=\"middle\""));
        double group = (double) plotWidth / Math.max(1, categories.size());
        double barWidth = Math.min(60, group * 0.8 / Math.max(1, series.size()));
        for (int c = 0; c < categories.size(); c++) {
            double groupLeft = left + c * group + (group - barWidth * series.size()) / 2;
            for (int s = 0; s < series.size(); s++) {
                Double v = series.get(s).values().get(c);
                if (v == null) {
                    continue;
                }
                double h = plotHeight * v / max;
                double x = groupLeft + s * barWidth;
                svg.append(rect(x + 1, top + plotHeight - h, barWidth - 2, h, series.get(s).color()));
                svg.append(text(x + barWidth / 2, top + plotHeight - h - 3, number(v), "text-anchor=\"middle\" font-size=\"10\""));
            }
            svg.append(text(left + c * group + group / 2, top + plotHeight + 16, categories.get(c), "text-anchor=\"middle\""));
        }
        if (reference != null) {
            double y = top + plotHeight - plotHeight * reference / max;
            svg.append("<line x1=\"").append(left).append("\" y1=\"").append(fmt(y)).append("\" x2=\"").append(left + plotWidth)
                    .append("\" y2=\"").append(fmt(y)).append("\" stroke=\"#c00\" stroke-dasharray=\"6 4\"/>");
            svg.append(text(left + plotWidth - 4, y - 4, referenceLabel, "text-anchor=\"end\" fill=\"#c00\""));
        }
        svg.append(line(left, top + plotHeight, left + plotWidth, top + plotHeight, "#999"));
        return new Chart(svg.toString(), height);
    }

    /** One standalone SVG document holding the charts one below the other. */
    public static String stack(List<Chart> charts) {
        int height = charts.stream().mapToInt(Chart::height).sum() + 10 * charts.size();
        StringBuilder svg = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + WIDTH + "\" height=\"" + height
                + "\" viewBox=\"0 0 " + WIDTH + " " + height + "\" " + FONT + ">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        int y = 0;
        for (Chart c : charts) {
            svg.append("<g transform=\"translate(0,").append(y).append(")\">").append(c.body()).append("</g>\n");
            y += c.height() + 10;
        }
        return svg.append("</svg>\n").toString();
    }

    /** One chart as an inline SVG element. */
    public static String inline(Chart chart) {
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + WIDTH + "\" height=\"" + chart.height() + "\" viewBox=\"0 0 "
                + WIDTH + " " + chart.height() + "\" " + FONT + ">" + chart.body() + "</svg>";
    }

    private static String decade(int d) {
        double v = Math.pow(10, d);
        if (d >= 3) {
            return v >= 3600 ? number(v / 3600) + " h" : number(v) + " s";
        }
        return d < 0 ? number(v * 1000) + " ms" : number(v) + " s";
    }

    private static double niceCeiling(double v) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= v) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return String.format(Locale.ROOT, "%,d", (long) v);
        }
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,.0f", v)
                : Math.abs(v) >= 1 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.3f", v);
    }

    private static String rect(double x, double y, double w, double h, String color) {
        return "<rect x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" width=\"" + fmt(Math.max(0, w)) + "\" height=\"" + fmt(Math.max(0, h))
                + "\" fill=\"" + color + "\"/>";
    }

    private static String line(double x1, double y1, double x2, double y2, String color) {
        return "<line x1=\"" + fmt(x1) + "\" y1=\"" + fmt(y1) + "\" x2=\"" + fmt(x2) + "\" y2=\"" + fmt(y2) + "\" stroke=\"" + color + "\"/>";
    }

    private static String text(double x, double y, String text, String attributes) {
        return "<text x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" " + attributes + ">" + escape(text) + "</text>";
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    public static String escape(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
