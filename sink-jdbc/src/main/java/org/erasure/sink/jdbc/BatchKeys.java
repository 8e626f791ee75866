package org.erasure.sink.jdbc;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.erasure.events.Identifiers;
import org.erasure.sink.runtime.spi.ErasureItem;

/**
 * A batch's identifiers for one table: the contributor ids as the id column compares them, the
 * normalised emails, and the way back from a matched row to its request (id first, then the stored
 * email as normalised: the stored spelling may differ in case and spaces). The first item of a value
 * owns it (a batch holds one item per contributor id; emails may repeat across items).
 */
public final class BatchKeys {
    private final Map<Object, ErasureItem> byId = new LinkedHashMap<>();
    private final Map<String, ErasureItem> byEmail = new LinkedHashMap<>();

    private BatchKeys() {}

    /**
     * @param idKey    the request's contributorId as the column's values compare (a {@code Long}, a
     *                 {@code UUID}, canonical digits...); empty when it cannot be a value of the column
     *                 (it then matches by email only)
     * @param byEmails whether the table has an email column
     */
    public static BatchKeys of(List<ErasureItem> items, Function<String, ? extends Optional<?>> idKey, boolean byEmails) {
        BatchKeys k = new BatchKeys();
        for (ErasureItem item : items) {
            idKey.apply(item.contributorId()).ifPresent(id -> k.byId.putIfAbsent(id, item));
            if (byEmails) {
                for (String email : item.identifiers().emails()) {
                    k.byEmail.putIfAbsent(Identifiers.normaliseEmail(email), item);
                }
            }
        }
        return k;
    }

    public boolean isEmpty() {
        return byId.isEmpty() && byEmail.isEmpty();
    }

    public Set<Object> ids() {
        return byId.keySet();
    }

    public Set<String> emails() {
        return byEmail.keySet();
    }

    /** The request a row belongs to (its id keyed as {@code idKey} keys them), or null. */
    public ErasureItem owner(Object id, String email) {
        ErasureItem item = id == null ? null : byId.get(id);
        if (item == null && email != null) {
            item = byEmail.get(Identifiers.normaliseEmail(email));
        }
        return item;
    }

    /**
     * The id as an integer that fits a {@code bits}-bit column ({@link Identifiers#canonicalInteger}:
     * {@code " 0042 "} is 42); empty when it is no integer or out of the column's range.
     */
    public static Optional<BigInteger> integer(String id, int bits, boolean unsigned) {
        BigInteger min = unsigned ? BigInteger.ZERO : BigInteger.ONE.shiftLeft(bits - 1).negate();
        BigInteger max = (unsigned ? BigInteger.ONE.shiftLeft(bits) : BigInteger.ONE.shiftLeft(bits - 1)).subtract(BigInteger.ONE);
        return Identifiers.canonicalInteger(id).filter(v -> v.compareTo(min) >= 0 && v.compareTo(max) <= 0);
    }
}
