package org.erasure.cli.common;

/** erasurectl exit codes (also listed in every command's --help). */
public final class ExitCode {
    /** Everything worked. */
    public static final int OK = 0;
    /** Bad command line (unknown option, missing argument, conflicting options). */
    public static final int USAGE = 1;
    /** Input rejected (CSV or arguments failed validation); nothing was published. */
    public static final int INVALID_INPUT = 2;
    /** A service could not be reached or is unavailable (ingest, Kafka, PostgreSQL, verifier). */
    public static final int UNREACHABLE = 3;
    /** Some erasures FAILED or TIMED_OUT, or --wait gave up before every final record arrived. */
    public static final int ERASURE_FAILED = 4;
    /** The request (or a request id to replay) does not exist. */
    public static final int NOT_FOUND = 5;
    /** Refused by a safety check (e.g. the sink's consumer group is active). */
    public static final int REFUSED = 6;
    /** audit verify found a broken or unreadable link in the completion chain. */
    public static final int INTEGRITY_BROKEN = 7;
    /** The token was rejected (HTTP 401) or lacks the role (403). */
    public static final int NOT_AUTHORIZED = 8;
    /** Unexpected internal error (a bug). */
    public static final int INTERNAL = 10;

    public static final String[] HELP = {
            "0:ok",
            "1:usage error (bad options or arguments)",
            "2:invalid input (validation failed; nothing was published)",
            "3:unreachable or unavailable service (ingest, Kafka, PostgreSQL, verifier)",
            "4:some erasures failed or timed out, or --wait timed out",
            "5:not found",
            "6:refused by a safety check (e.g. sink consumer group active)",
            "7:integrity chain broken (audit verify)",
            "8:token rejected (401) or lacks the role (403)",
            "10:internal error"};

    private ExitCode() {}
}
