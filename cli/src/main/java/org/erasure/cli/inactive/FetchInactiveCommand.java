package org.erasure.cli.inactive;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.erasure.cli.ErasureCtl;
import org.erasure.cli.common.CliException;
import org.erasure.cli.common.CliSettings;
import org.erasure.cli.common.Direct;
import org.erasure.cli.common.ExitCode;
import org.erasure.cli.common.Times;
import org.erasure.client.intake.CsvReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "fetch-inactive", mixinStandardHelpOptions = true,
        description = {"Export inactive contributors from PostgreSQL to a CSV (contributor_id,email_address), the usual input of submit.",
                "Selects status INACTIVE, not yet erased (erased_at IS NULL), last activity older than --days-inactive days,",
                "at least --min-projects rows in the project-stats table; oldest activity first, at most --max-contributors."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:ok (also when nothing matches)", "1:usage error",
                "3:PostgreSQL unreachable or the query failed", "10:internal error"})
public final class FetchInactiveCommand implements Callable<Integer> {

    @ParentCommand
    ErasureCtl root;

    @Option(names = "--days-inactive", paramLabel = "N", required = true, description = "Last activity more than N days before --as-of.")
    int daysInactive;

    @Option(names = "--min-projects", paramLabel = "N", defaultValue = "0", description = "At least N projects (default ${DEFAULT-VALUE}).")
    int minProjects;

    @Option(names = "--max-contributors", paramLabel = "N", defaultValue = "1000", description = "At most N contributors (default ${DEFAULT-VALUE}).")
    int maxContributors;

    @Option(names = "--out", paramLabel = "FILE", description = "CSV file to write (required unless --dry-run).")
    Path out;

    @Option(names = "--dry-run", description = "Show what would be exported (ids, last activity, projects; no emails) without writing.")
    boolean dryRun;

    @Option(names = "--as-of", paramLabel = "TIME", converter = Times.class, description = "Reference time (default now).")
    Instant asOf;

    record Row(long id, String email, Instant lastActivity, long projects) {}

    @Override
    public Integer call() {
        if (daysInactive < 0 || minProjects < 0 || maxContributors < 1) {
            throw new CliException(ExitCode.USAGE, "--days-inactive and --min-projects must be >= 0, --max-contributors >= 1");
        }
        if (out == null && !dryRun) {
            throw new CliException(ExitCode.USAGE, "--out FILE is required (or use --dry-run)");
        }
        CliSettings s = root.settings();
        Instant now = asOf != null ? asOf : root.clock().instant();
        Instant cutoff = now.minus(Duration.ofDays(daysInactive));
        List<Row> rows = query(s, cutoff);
        if (dryRun) {
            root.out().println(rows.size() + " contributors match (dry run, nothing written): INACTIVE, last activity before "
                    + cutoff + ", at least " + minProjects + " projects, limit " + maxContributors);
            root.out().println("contributor_id,last_activity_at,projects");
            rows.forEach(r -> root.out().println(r.id() + "," + r.lastActivity() + "," + r.projects()));
            return ExitCode.OK;
        }
        write(rows);
        root.out().println("Exported " + rows.size() + " contributors to " + out + " (INACTIVE, last activity before " + cutoff
                + ", at least " + minProjects + " projects, limit " + maxContributors + ")");
        return ExitCode.OK;
    }

    private List<Row> query(CliSettings s, Instant cutoff) {
        String contributors = identifier(s.string("fetch-inactive.contributors-table"));
        String stats = identifier(s.string("fetch-inactive.project-stats-table"));
        String sql = "SELECT c.id, c.email, c.last_activity_at, p.projects FROM " + contributors + " c"
                + " CROSS JOIN LATERAL (SELECT count(*) AS projects FROM " + stats + " s WHERE s.contributor_id = c.id) p"
                + " WHERE c.status = 'INACTIVE' AND c.erased_at IS NULL AND c.last_activity_at < ? AND p.projects >= ?"
                + " ORDER BY c.last_activity_at ASC, c.id ASC LIMIT ?";
        List<Row> rows = new ArrayList<>();
        try (Connection c = Direct.postgres(s).getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
            c.setReadOnly(true);
            st.setTimestamp(1, Timestamp.from(cutoff));
            st.setLong(2, minProjects);
            st.setInt(3, maxContributors);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(rs.getLong(1), rs.getString(2), rs.getTimestamp(3).toInstant(), rs.getLong(4)));
                }
            }
        } catch (SQLException e) {
            throw new CliException(ExitCode.UNREACHABLE, "PostgreSQL query failed (SQLState " + e.getSQLState() + ")");
        }
        return rows;
    }

    /** Writes via a temporary file in the same directory, then moves it in place: no half-written exports. */
    private void write(List<Row> rows) {
        try {
            Path dir = out.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".fetch-inactive", ".csv");
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                w.write("contributor_id,email_address\n");
                for (Row r : rows) {
                    w.write(r.id() + "," + CsvReader.quote(r.email()) + "\n");
                }
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CliException(ExitCode.INVALID_INPUT, "cannot write " + out + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static String identifier(String name) {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new CliException(ExitCode.USAGE, "table name '" + name + "' must be a plain SQL identifier");
        }
        return '"' + name + '"';
    }
}
