package org.erasure.events;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A store a contributor is erased from; one sink service per phase. An <em>open name</em> on the wire,
 * not a closed enum: a reader accepts any well-formed name ({@link #NAME}: {@code [A-Z][A-Z0-9_]{0,31}}), so
 * a request naming a phase added after this reader was built is still read, handled by the sinks whose
 * phase it lists and recorded by the verifier (rolling upgrades: docs/deployment.md, "Adding a phase").
 *
 * <p>The phases this version knows are constants ({@link #POSTGRES} …) and {@link #known()}: the default
 * of a request's {@code systems}, the phases the cli labels and the verifier awaits.
 * A new phase is one constant here plus its entry in {@code KNOWN}.
 *
 * <p>Compare with {@link #equals}: a known name is its constant, but another name is a new instance each
 * time it is read (not interned: a hostile producer could otherwise fill memory with names).
 *
 * <p>Order ({@link #compareTo}): the first five in their historic order, then every other name
 * alphabetically, whether this version knows it or not. Sets of phases are arrays in the hash-chained
 * {@link ErasureCompleted}, so every reader version must order them the same way.
 */
public final class Phase implements Comparable<Phase> {
    /** A well-formed phase name. */
    public static final Pattern NAME = Pattern.compile("[A-Z][A-Z0-9_]{0,31}");

    public static final Phase POSTGRES = new Phase("POSTGRES");
    public static final Phase ELASTICSEARCH = new Phase("ELASTICSEARCH");
    public static final Phase CLICKHOUSE = new Phase("CLICKHOUSE");
    public static final Phase S3 = new Phase("S3");
    public static final Phase REDIS = new Phase("REDIS");
    /** Contributor data in Kafka topics (sink-kafka): the sixth known phase, ordered after the first five by name. */
    public static final Phase KAFKA = new Phase("KAFKA");

    /** The phases this version knows; a new phase is added here (its position does not matter: see the order). */
    private static final List<Phase> KNOWN = List.of(POSTGRES, ELASTICSEARCH, CLICKHOUSE, S3, REDIS, KAFKA);
    private static final Set<Phase> KNOWN_SET = Collections.unmodifiableSet(new TreeSet<>(KNOWN));

    private final String name;
    private final int rank;

    private Phase(String name) {
        this.name = name;
        this.rank = rank(name);
    }

    /** The first five's historic position; every other name after them (then by name). */
    private static int rank(String name) {
        return switch (name) {
            case "POSTGRES" -> 0;
            case "ELASTICSEARCH" -> 1;
            case "CLICKHOUSE" -> 2;
            case "S3" -> 3;
            case "REDIS" -> 4;
            default -> Integer.MAX_VALUE;
        };
    }

    /**
     * The phase named {@code name}: a known constant or any other well-formed name.
     *
     * @throws InvalidEventException (field {@code phase}) when the name is not well-formed; never quotes it
     */
    @JsonCreator
    public static Phase valueOf(String name) {
        if (name == null) {
            throw new InvalidEventException("phase", "missing");
        }
        for (Phase p : KNOWN) {
            if (p.name.equals(name)) {
                return p;
            }
        }
        if (!NAME.matcher(name).matches()) {
            throw new InvalidEventException("phase", "not a phase name (expected " + NAME.pattern() + ")");
        }
        return new Phase(name);
    }

    /** True when {@code name} is a well-formed phase name. */
    public static boolean isWellFormed(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** The phases this version knows, in order (the default for {@code systems}). */
    public static Set<Phase> known() {
        return KNOWN_SET;
    }

    /** Same as {@link #known()}: kept so callers read as before the phase was an open name. */
    public static Set<Phase> all() {
        return KNOWN_SET;
    }

    /** The known phases in order, as an array (what {@code Enum.values()} returned). */
    public static Phase[] values() {
        return KNOWN_SET.toArray(new Phase[0]);
    }

    /** An ordered, unmodifiable copy (the set form used in every event). */
    public static Set<Phase> sortedSet(Collection<Phase> phases) {
        return Collections.unmodifiableSet(new TreeSet<>(phases));
    }

    /** True when this version knows the phase (it is one of {@link #known()}). */
    public boolean isKnown() {
        return KNOWN_SET.contains(this);
    }

    /** The wire name, e.g. {@code POSTGRES}. */
    @JsonValue
    public String name() {
        return name;
    }

    @Override
    public int compareTo(Phase o) {
        int byRank = Integer.compare(rank, o.rank);
        return byRank != 0 ? byRank : name.compareTo(o.name);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Phase p && p.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    /** The wire name (also the JSON map key). */
    @Override
    public String toString() {
        return name;
    }
}
