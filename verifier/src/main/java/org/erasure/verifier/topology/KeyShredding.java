package org.erasure.verifier.topology;

import java.time.Duration;
import org.erasure.keys.RequestKeys;

/**
 * The shredding schedule's settings, for {@link ErasureProcessor}: a sealed request's key is shredded
 * {@code after} its final COMPLETED record, checked every {@code interval}; after a shred, a roll marker is
 * written once {@code rollEvery} (the key topic's {@code segment.ms}) has passed, so that the segment holding the
 * tombstone rolls and the cleaner can remove the key (docs/privacy.md, the physical bound).
 */
public record KeyShredding(RequestKeys keys, Duration after, Duration interval, Duration rollEvery) {}
