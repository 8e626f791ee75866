package org.erasure.client.intake;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;

/**
 * Validates a CSV upload with a {@code contributor_id,email_address} header (extra columns allowed,
 * any order, header names case-insensitive; an optional {@code worker_id} column is used when present).
 * Pure: no I/O, no publishing. A bad file is rejected whole with every problem listed by line and
 * column, never echoing a value.
 */
public final class CsvIntake {

    public static final String CONTRIBUTOR_ID = "contributor_id";
    public static final String EMAIL_ADDRESS = "email_address";
    public static final String WORKER_ID = "worker_id";

    private final IntakeRules rules;

    public CsvIntake(IntakeRules rules) {
        this.rules = rules;
    }

    /** Mode and reason apply to every row (they are not columns: one upload is one decision). */
    public Intake parse(byte[] bytes, Mode mode, ErasureReason reason) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new Intake.Rejected(List.of(IntakeError.csv(0, null, "not valid UTF-8")));
        }
        return parse(text, mode, reason);
    }

    public Intake parse(String text, Mode mode, ErasureReason reason) {
        if (mode == Mode.RESTORE) {
            return new Intake.Rejected(List.of(IntakeError.csv(0, null, "mode: " + RequestValidator.RESTORE_IS_NOT_A_SUBMISSION)));
        }
        CsvReader.Result read = CsvReader.read(text);
        List<IntakeError> errors = new ArrayList<>(read.errors());
        List<CsvReader.Row> rows = read.rows();
        if (rows.isEmpty()) {
            if (errors.isEmpty()) {
                errors.add(IntakeError.csv(0, null, "empty file, expected a header " + CONTRIBUTOR_ID + "," + EMAIL_ADDRESS));
            }
            return new Intake.Rejected(errors);
        }
        CsvReader.Row header = rows.getFirst();
        Map<String, Integer> columns = new HashMap<>();
        for (int c = 0; c < header.cells().size(); c++) {
            String name = header.cells().get(c).strip().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) {
                continue;
            }
            if (columns.putIfAbsent(name, c) != null && (name.equals(CONTRIBUTOR_ID) || name.equals(EMAIL_ADDRESS) || name.equals(WORKER_ID))) {
                errors.add(IntakeError.csv(header.line(), name, "appears twice in the header"));
            }
        }
        for (String required : List.of(CONTRIBUTOR_ID, EMAIL_ADDRESS)) {
            if (!columns.containsKey(required)) {
                errors.add(IntakeError.csv(header.line(), required, "missing from the header"));
            }
        }
        if (!errors.isEmpty() && (!columns.containsKey(CONTRIBUTOR_ID) || !columns.containsKey(EMAIL_ADDRESS))) {
            return new Intake.Rejected(errors);
        }
        List<CsvReader.Row> data = rows.subList(1, rows.size());
        if (data.isEmpty() && errors.isEmpty()) {
            return new Intake.Rejected(List.of(IntakeError.csv(0, null, "no rows after the header")));
        }
        if (data.size() > rules.maxItems()) {
            errors.add(IntakeError.csv(0, null, data.size() + " rows, more than the limit of " + rules.maxItems()));
            return new Intake.Rejected(errors);
        }
        int idCol = columns.get(CONTRIBUTOR_ID);
        int emailCol = columns.get(EMAIL_ADDRESS);
        Integer workerCol = columns.get(WORKER_ID);
        int width = header.cells().size();
        Map<String, Integer> seenIds = new HashMap<>();
        Map<String, Integer> seenEmails = new HashMap<>();
        List<ErasureItem> items = new ArrayList<>();
        for (CsvReader.Row row : data) {
            int line = row.line();
            if (row.cells().size() != width) {
                errors.add(IntakeError.csv(line, null, "has " + row.cells().size() + " columns, the header has " + width));
                continue;
            }
            boolean ok = true;
            String id = row.cells().get(idCol).strip();
            if (id.isEmpty()) {
                errors.add(IntakeError.csv(line, CONTRIBUTOR_ID, "required"));
                ok = false;
            } else if (!rules.isValidContributorId(id)) {
                errors.add(IntakeError.csv(line, CONTRIBUTOR_ID, "not a valid contributor id"));
                ok = false;
            } else {
                Integer first = seenIds.putIfAbsent(id, line);
                if (first != null) {
                    errors.add(IntakeError.csv(line, CONTRIBUTOR_ID, "duplicate of line " + first));
                    ok = false;
                }
            }
            String email = row.cells().get(emailCol).strip();
            if (email.isEmpty()) {
                if (rules.emailRequired()) {
                    errors.add(IntakeError.csv(line, EMAIL_ADDRESS, "required"));
                    ok = false;
                }
            } else if (!EmailSyntax.isValid(email)) {
                errors.add(IntakeError.csv(line, EMAIL_ADDRESS, "not a valid email"));
                ok = false;
            } else {
                Integer first = seenEmails.putIfAbsent(email.toLowerCase(Locale.ROOT), line);
                if (first != null) {
                    errors.add(IntakeError.csv(line, EMAIL_ADDRESS, "same email as line " + first));
                    ok = false;
                }
            }
            String worker = workerCol == null ? "" : row.cells().get(workerCol).strip();
            String workerProblem = worker.isEmpty() ? null : IntakeRules.workerIdProblem(worker);
            if (workerProblem != null) {
                errors.add(IntakeError.csv(line, WORKER_ID, workerProblem));
                ok = false;
            }
            if (ok) {
                items.add(new ErasureItem(line, id, email.isEmpty() ? List.of() : List.of(email),
                        worker.isEmpty() ? List.of() : List.of(worker), reason, mode, null, null));
            }
        }
        errors.sort(java.util.Comparator.comparingInt(IntakeError::position));
        return Intake.of(items, errors);
    }
}
