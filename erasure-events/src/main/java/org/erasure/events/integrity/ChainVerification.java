package org.erasure.events.integrity;

/** Result of {@link IntegrityChain#verify}: the whole chain is intact, or the first break. */
public sealed interface ChainVerification {

    boolean isOk();

    /** Every record's hash matches its content and links to the one before it. */
    record Ok(int length, String lastHash) implements ChainVerification {
        @Override
        public boolean isOk() {
            return true;
        }
    }

    /**
     * The first broken or missing link.
     *
     * @param index   position in the verified list
     * @param problem what is wrong
     * @param message human explanation (no record content)
     */
    record Broken(int index, Problem problem, String message) implements ChainVerification {
        @Override
        public boolean isOk() {
            return false;
        }
    }

    enum Problem {
        /** The record has no hash: it was never sealed. */
        HASH_MISSING,
        /** The record's content does not match its hash: it was modified after sealing. */
        HASH_MISMATCH,
        /**
         * The record's previousHash is not the hash of the record before it: a record is missing or
         * was reordered, or the previous record was modified and re-sealed.
         */
        LINK_BROKEN
    }
}
