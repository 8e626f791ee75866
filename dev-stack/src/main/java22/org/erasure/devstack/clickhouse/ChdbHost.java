package org.erasure.devstack.clickhouse;

/** Placeholder: the FFM host process for libchdb. */
public final class ChdbHost {
    private ChdbHost() {}
    public static void main(String[] args) {}
}
