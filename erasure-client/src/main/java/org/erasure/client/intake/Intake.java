package org.erasure.client.intake;

import java.util.List;

/** The result of validating one upload: every item is good, or every problem is listed. */
public sealed interface Intake {

    record Accepted(List<ErasureItem> items) implements Intake {
        public Accepted {
            items = List.copyOf(items);
        }
    }

    record Rejected(List<IntakeError> errors) implements Intake {
        public Rejected {
            errors = List.copyOf(errors);
            if (errors.isEmpty()) {
                throw new IllegalArgumentException("a rejection needs at least one error");
            }
        }

        public List<String> messages() {
            return errors.stream().map(IntakeError::message).toList();
        }
    }

    static Intake of(List<ErasureItem> items, List<IntakeError> errors) {
        return errors.isEmpty() ? new Accepted(items) : new Rejected(errors);
    }
}
