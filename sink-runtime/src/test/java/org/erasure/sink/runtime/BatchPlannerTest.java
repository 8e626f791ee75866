package org.erasure.sink.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import org.erasure.events.Identifiers;
import org.erasure.events.Mode;
import org.erasure.sink.runtime.spi.ErasureBatch;
import org.erasure.sink.runtime.spi.ErasureItem;
import org.junit.jupiter.api.Test;

class BatchPlannerTest {

    static ErasureItem item(String contributor) {
        return new ErasureItem(UUID.randomUUID(), contributor, Identifiers.none(), Mode.EXECUTE);
    }

    @Test
    void cutsAtMaxSizeKeepingOrder() {
        List<ErasureItem> items = List.of(item("1"), item("2"), item("3"), item("4"), item("5"));
        List<ErasureBatch> batches = BatchPlanner.plan(items, 2);
        assertThat(batches).extracting(ErasureBatch::size).containsExactly(2, 2, 1);
        assertThat(batches.stream().flatMap(b -> b.items().stream()).toList()).isEqualTo(items);
    }

    @Test
    void aPersonAppearsOncePerBatchAndTheirRequestsKeepTheirOrder() {
        ErasureItem a1 = item("a"), b1 = item("b"), a2 = item("a"), c1 = item("c"), a3 = item("a");
        List<ErasureBatch> batches = BatchPlanner.plan(List.of(a1, b1, a2, c1, a3), 100);
        assertThat(batches).hasSize(3);
        assertThat(batches.get(0).items()).containsExactly(a1, b1, c1);
        assertThat(batches.get(1).items()).containsExactly(a2);
        assertThat(batches.get(2).items()).containsExactly(a3);
    }

    @Test
    void oneItemIsOneBatch() {
        assertThat(BatchPlanner.plan(List.of(item("x")), 500)).hasSize(1);
        assertThat(BatchPlanner.plan(List.of(), 500)).isEmpty();
    }
}
