package org.erasure.client.intake;

/**
 * One problem with one place of an upload, without the offending value: error texts end up in
 * responses, logs and terminals, and must not copy personal data around.
 *
 * @param source   CSV (position = line, field = column) or JSON (position = item, 1-based; field = JSON field)
 * @param position line or item number; 0 for the upload as a whole
 * @param field    column or field name, or null
 * @param problem  what is wrong, e.g. "not a valid email"
 */
public record IntakeError(Source source, int position, String field, String problem) {

    public enum Source { CSV, JSON }

    public static IntakeError csv(int line, String column, String problem) {
        return new IntakeError(Source.CSV, line, column, problem);
    }

    public static IntakeError json(int item, String field, String problem) {
        return new IntakeError(Source.JSON, item, field, problem);
    }

    /** e.g. {@code line 3, column email_address: not a valid email}. */
    public String message() {
        StringBuilder m = new StringBuilder();
        if (position > 0) {
            m.append(source == Source.CSV ? "line " : "item ").append(position);
        } else {
            m.append(source == Source.CSV ? "file" : "body");
        }
        if (field != null) {
            m.append(", ").append(source == Source.CSV ? "column " : "field ").append(field);
        }
        return m.append(": ").append(problem).toString();
    }

    @Override
    public String toString() {
        return message();
    }
}
