package org.erasure.e2e.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcFsTest {

    @Test
    void cpuTicksAreReadAfterTheCommandNameEvenWhenItHoldsSpacesAndParentheses() {
        String stat = "4242 (java (main) x) S 1 4242 4242 0 -1 4194560 123 0 0 0 1500 250 30 7 20 0 40 0 1000 5000000 9000 ...";

        ProcFs.CpuTicks ticks = ProcFs.parseStat(stat);

        assertThat(ticks.user()).isEqualTo(1500);
        assertThat(ticks.system()).isEqualTo(250);
        assertThat(ticks.own()).isEqualTo(1750);
        assertThat(ticks.withReapedChildren()).isEqualTo(1787);
    }

    @Test
    void peakRssIsVmHwmInBytes() {
        String status = "Name:\tjava\nVmPeak:\t 3000000 kB\nVmHWM:\t  312345 kB\nVmRSS:\t  300000 kB\n";

        assertThat(ProcFs.parseVmHwmBytes(status)).isEqualTo(312_345L * 1024);
        assertThat(ProcFs.parseVmHwmBytes("Name:\tkthreadd\n")).isEqualTo(-1);
    }
}
