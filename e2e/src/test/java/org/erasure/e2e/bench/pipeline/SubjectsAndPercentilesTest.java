package org.erasure.e2e.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SubjectsAndPercentilesTest {

    @Test
    void subjectsAreSpreadEvenlyAndDistinct() {
        assertThat(Subjects.spread(4, 100)).containsExactly(0, 25, 50, 75);
        assertThat(Subjects.spread(100, 100)).hasSize(100).doesNotHaveDuplicates();
        List<Integer> allButOne = Subjects.spread(9_999, 10_000);
        assertThat(allButOne).doesNotHaveDuplicates().hasSize(9_999);
        assertThat(Subjects.firstOutside(allButOne, 10_000)).isEqualTo(9_999).isNotIn(allButOne);
        assertThat(Subjects.firstOutside(Subjects.spread(4, 100), 100)).isEqualTo(1);
    }

    @Test
    void percentilesAreNearestRank() {
        List<Double> fifty = IntStream.rangeClosed(1, 50).mapToObj(i -> i / 100.0).toList();

        assertThat(Percentiles.of(fifty, 50)).isEqualTo(0.25);
        assertThat(Percentiles.of(fifty, 99)).isEqualTo(0.50);
        assertThat(Percentiles.of(List.of(), 50)).isNaN();
    }

    @Test
    void costSpreadIsTheLargestDistanceFromTheMean() {
        assertThat(Summaries.spread(List.of(1.0, 1.0, 1.0))).isZero();
        assertThat(Summaries.spread(List.of(0.8, 1.2))).isCloseTo(0.2, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(Summaries.spread(List.of(1.0))).isNull();
    }
}
