package org.erasure.events;

/** Whether sinks really erase, or only report what they would erase. */
public enum Mode {
    EXECUTE, DRY_RUN
}
