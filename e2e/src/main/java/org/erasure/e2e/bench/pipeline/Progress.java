package org.erasure.e2e.bench.pipeline;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/** Progress lines on stderr (stdout carries only the result table). */
final class Progress {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private Progress() {}

    static void say(String format, Object... args) {
        System.err.printf("%s  %s%n", LocalTime.now().format(TIME), String.format(java.util.Locale.ROOT, format, args));
        System.err.flush();
    }
}
