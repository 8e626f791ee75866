package org.erasure.sink.clickhouse;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Which engines the mapping accepts (pure logic: the dev-stack's ClickHouse has no Keeper for replicated tables). */
class CatalogEngineTest {

    @Test
    void localMergeTreeFamilyIsAccepted() {
        for (String engine : new String[] {"MergeTree", "ReplacingMergeTree", "SummingMergeTree", "CollapsingMergeTree"}) {
            assertThatCode(() -> Catalog.checkEngine("clickhouse.tables[0] (t)", engine)).as(engine).doesNotThrowAnyException();
        }
    }

    @Test
    void replicatedTablesAreRejectedNamingTheTableAndTheReason() {
        for (String engine : new String[] {"ReplicatedMergeTree", "ReplicatedReplacingMergeTree", "SharedMergeTree"}) {
            assertThatThrownBy(() -> Catalog.checkEngine("clickhouse.tables[1] (t)", engine))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("clickhouse.tables[1] (t)").hasMessageContaining(engine)
                    .hasMessageContaining("allow_nondeterministic_mutations");
        }
    }

    @Test
    void kafkaAndOtherEnginesAreRejected() {
        assertThatThrownBy(() -> Catalog.checkEngine("w", "Kafka")).hasMessageContaining("never mutated");
        assertThatThrownBy(() -> Catalog.checkEngine("w", "Memory")).hasMessageContaining("only *MergeTree");
    }
}
