package org.erasure.cli.audit;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.erasure.cli.report.StoreSummary;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.Mode;
import org.erasure.events.Outcome;
import org.erasure.events.Phase;
import org.erasure.events.PhaseResult;
import org.erasure.events.Totals;

/**
 * One self-contained HTML page (inline CSS, inline SVG, a few lines of inline script; no external
 * resources): per-store totals, outcomes, a per-day chart of final records stacked by outcome, and the
 * records. Elements carry {@code data-testid} / {@code data-*} attributes so a browser test can check
 * what was rendered.
 */
final class HtmlReport {

    private static final Map<Outcome, String> COLORS = new TreeMap<>(Map.of(
            Outcome.COMPLETED, "#2e7d32", Outcome.FAILED, "#c62828", Outcome.TIMED_OUT, "#ef6c00", Outcome.DRY_RUN, "#1565c0",
            Outcome.RESTORED, "#6a1b9a"));

    private HtmlReport() {}

    static String render(List<ErasureCompleted> records, Instant from, Instant to, Instant generatedAt, String topic) {
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Erasure audit report ")
                .append(esc(from.toString())).append(" to ").append(esc(to.toString())).append("</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}")
                .append("th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}th:first-child,td:first-child{text-align:left}")
                .append("caption{text-align:left;font-weight:bold;margin-bottom:.3em}.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}")
                .append("</style></head>\n<body>\n<h1>Erasure audit report</h1>\n<p>Final records on <code>").append(esc(topic))
                .append("</code> completed from <time>").append(esc(from.toString())).append("</time> to <time>").append(esc(to.toString()))
                .append("</time> (exclusive). Generated ").append(esc(generatedAt.toString())).append(". Records: <b data-testid=\"record-count\">")
                .append(records.size()).append("</b>.</p>\n");

        // per-store totals
        h.append("<table data-testid=\"store-totals\"><caption>Per-store totals</caption>\n<tr><th>Store</th><th>Deleted</th><th>Masked</th>")
                .append("<th>Would delete (dry run)</th><th>Would mask (dry run)</th><th>Residual</th></tr>\n");
        for (Phase p : StoreSummary.phasesOf(records)) {
            Totals t = Totals.ZERO;
            for (ErasureCompleted r : records) {
                PhaseResult pr = r.phases().get(p);
                if (pr != null) {
                    t = t.plus(pr.totals());
                }
            }
            h.append("<tr data-store=\"").append(p).append("\"><td>").append(esc(StoreSummary.label(p, false)))
                    .append("</td><td>").append(t.deleted()).append("</td><td>").append(t.masked()).append("</td><td>").append(t.wouldDelete())
                    .append("</td><td>").append(t.wouldMask()).append("</td><td>").append(t.residual()).append("</td></tr>\n");
        }
        h.append("</table>\n");

        // outcomes
        Map<Outcome, Long> outcomes = StoreSummary.outcomes(records);
        h.append("<table data-testid=\"outcomes\"><caption>Outcomes</caption>\n<tr><th>Outcome</th><th>Records</th></tr>\n");
        outcomes.forEach((o, n) -> h.append("<tr data-outcome=\"").append(o).append("\"><td>").append(o).append("</td><td>").append(n).append("</td></tr>\n"));
        h.append("</table>\n");

        // per-day chart
        Map<LocalDate, Map<Outcome, Long>> days = new TreeMap<>();
        for (ErasureCompleted r : records) {
            days.computeIfAbsent(LocalDate.ofInstant(r.completedAt(), ZoneOffset.UTC), d -> new EnumMap<>(Outcome.class))
                    .merge(r.outcome(), 1L, Long::sum);
        }
        long max = days.values().stream().mapToLong(m -> m.values().stream().mapToLong(Long::longValue).sum()).max().orElse(1);
        int barWidth = 36;
        int gap = 12;
        int chartHeight = 200;
        int width = Math.max(300, 50 + days.size() * (barWidth + gap));
        h.append("<h2>Final records per day (UTC)</h2>\n<div class=\"legend\">");
        COLORS.forEach((o, c) -> h.append("<span style=\"background:").append(c).append("\"></span>").append(o));
        h.append("</div>\n<svg data-testid=\"per-day-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width)
                .append("\" height=\"").append(chartHeight + 60).append("\" role=\"img\" aria-label=\"Final records per day\">\n");
        h.append("<line x1=\"40\" y1=\"").append(chartHeight + 10).append("\" x2=\"").append(width).append("\" y2=\"").append(chartHeight + 10)
                .append("\" stroke=\"#888\"/>\n<text x=\"4\" y=\"20\" font-size=\"11\">").append(max).append("</text>\n");
        int x = 50;
        for (Map.Entry<LocalDate, Map<Outcome, Long>> d : days.entrySet()) {
            long total = d.getValue().values().stream().mapToLong(Long::longValue).sum();
            double y = chartHeight + 10;
            for (Outcome o : Outcome.values()) {
                long n = d.getValue().getOrDefault(o, 0L);
                if (n == 0) {
                    continue;
                }
                double height = (double) n / max * chartHeight;
                y -= height;
                h.append("<rect class=\"bar\" data-day=\"").append(d.getKey()).append("\" data-outcome=\"").append(o).append("\" data-count=\"")
                        .append(n).append("\" x=\"").append(x).append("\" y=\"").append(String.format(java.util.Locale.ROOT, "%.1f", y))
                        .append("\" width=\"").append(barWidth).append("\" height=\"").append(String.format(java.util.Locale.ROOT, "%.1f", height))
                        .append("\" fill=\"").append(COLORS.get(o)).append("\"><title>").append(d.getKey()).append(' ').append(o).append(": ")
                        .append(n).append("</title></rect>\n");
            }
            h.append("<text x=\"").append(x + barWidth / 2).append("\" y=\"").append(chartHeight + 25).append("\" font-size=\"10\" text-anchor=\"middle\">")
                    .append(d.getKey().toString().substring(5)).append("</text>\n<text x=\"").append(x + barWidth / 2).append("\" y=\"")
                    .append(String.format(java.util.Locale.ROOT, "%.1f", y - 3)).append("\" font-size=\"10\" text-anchor=\"middle\">").append(total).append("</text>\n");
            x += barWidth + gap;
        }
        h.append("</svg>\n");

        // records
        h.append("<table data-testid=\"records\"><caption>Records</caption>\n<tr><th>requestId</th><th>contributorId</th><th>Outcome</th>")
                .append("<th>Mode</th><th>Revision</th><th>Completed at</th><th>Erased</th><th>Residual</th></tr>\n");
        for (ErasureCompleted r : records) {
            Totals t = r.totals();
            long erased = r.mode() == Mode.DRY_RUN ? t.wouldDelete() + t.wouldMask() : t.deleted() + t.masked();
            h.append("<tr><td><code>").append(r.requestId()).append("</code></td><td>").append(esc(r.contributorId())).append("</td><td>")
                    .append(r.outcome()).append(r.failedPhases().isEmpty() ? "" : esc(" (" + String.join(", ", StoreSummary.failedPhases(r)) + ")")).append("</td><td>").append(r.mode()).append("</td><td>").append(r.revision()).append("</td><td>")
                    .append(r.completedAt()).append("</td><td>").append(erased).append(r.mode() == Mode.DRY_RUN ? " (would)" : "")
                    .append("</td><td>").append(t.residual()).append("</td></tr>\n");
        }
        h.append("</table>\n");
        // Marks the page as rendered by a browser (checked by the headless-browser test).
        h.append("<p id=\"rendered\" data-testid=\"rendered\"></p>\n<script>\n")
                .append("document.getElementById('rendered').textContent = 'rendered ' + document.querySelectorAll('svg rect.bar').length + ' bars';\n")
                .append("</script>\n</body></html>\n");
        return h.toString();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }
}
