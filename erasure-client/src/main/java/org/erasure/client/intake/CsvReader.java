package org.erasure.client.intake;

import java.util.ArrayList;
import java.util.List;

/**
 * A small RFC 4180 reader that knows on which line every record starts (a quoted cell may span
 * lines), so errors can name the line. Separator ',', quote '"' (doubled inside quotes), records end
 * with LF, CRLF or CR; a leading UTF-8 BOM is ignored; blank lines are skipped.
 *
 * <p>Structural problems are collected, not thrown: a stray quote in an unquoted cell or text after
 * a closing quote skips the rest of that line and reading goes on; an unterminated quote ends the
 * input. Problems never quote the input.
 */
public final class CsvReader {

    /** One record and the line it starts on (1-based). */
    public record Row(int line, List<String> cells) {
        public boolean isBlank() {
            return cells.size() == 1 && cells.getFirst().isBlank();
        }
    }

    /** Rows read, and the structural problems found (each with its line). */
    public record Result(List<Row> rows, List<IntakeError> errors) {}

    private CsvReader() {}

    public static Result read(String text) {
        List<Row> rows = new ArrayList<>();
        List<IntakeError> errors = new ArrayList<>();
        int i = text.startsWith("\uFEFF") ? 1 : 0;
        int n = text.length();
        int line = 1;
        while (i < n) {
            int rowLine = line;
            List<String> cells = new ArrayList<>();
            StringBuilder cell = new StringBuilder();
            boolean broken = false;
            boolean endOfRecord = false;
            while (i < n && !endOfRecord) {
                char c = text.charAt(i);
                if (c == '"' && cell.isEmpty()) {
                    // quoted cell
                    int start = line;
                    i++;
                    boolean closed = false;
                    while (i < n) {
                        char q = text.charAt(i);
                        if (q == '"') {
                            if (i + 1 < n && text.charAt(i + 1) == '"') {
                                cell.append('"');
                                i += 2;
                                continue;
                            }
                            closed = true;
                            i++;
                            break;
                        }
                        if (q == '\n' || (q == '\r' && (i + 1 >= n || text.charAt(i + 1) != '\n'))) {
                            line++;
                        }
                        cell.append(q);
                        i++;
                    }
                    if (!closed) {
                        errors.add(IntakeError.csv(start, null, "quoted cell is never closed"));
                        return new Result(rows, errors);
                    }
                    if (i < n && text.charAt(i) != ',' && text.charAt(i) != '\n' && text.charAt(i) != '\r') {
                        errors.add(IntakeError.csv(line, null, "text after a closing quote"));
                        broken = true;
                        i = skipToLineEnd(text, i);
                    }
                    continue;
                }
                if (c == ',') {
                    cells.add(cell.toString());
                    cell.setLength(0);
                    i++;
                } else if (c == '\n' || c == '\r') {
                    i += (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') ? 2 : 1;
                    line++;
                    endOfRecord = true;
                } else if (c == '"') {
                    errors.add(IntakeError.csv(line, null, "quote inside an unquoted cell"));
                    broken = true;
                    i = skipToLineEnd(text, i);
                } else {
                    cell.append(c);
                    i++;
                }
            }
            cells.add(cell.toString());
            Row row = new Row(rowLine, List.copyOf(cells));
            if (!broken && !row.isBlank()) {
                rows.add(row);
            }
        }
        return new Result(rows, errors);
    }

    private static int skipToLineEnd(String text, int i) {
        while (i < text.length() && text.charAt(i) != '\n' && text.charAt(i) != '\r') {
            i++;
        }
        return i;
    }

    /** Quotes a cell for writing when it needs it. */
    public static String quote(String cell) {
        if (cell == null) {
            return "";
        }
        if (cell.indexOf(',') >= 0 || cell.indexOf('"') >= 0 || cell.indexOf('\n') >= 0 || cell.indexOf('\r') >= 0) {
            return '"' + cell.replace("\"", "\"\"") + '"';
        }
        return cell;
    }
}
