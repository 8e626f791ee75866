package org.erasure.events;

/** Which sink build produced a phase result (auditors ask "which code erased this?"). */
public record SinkInfo(String name, String version) {
    public SinkInfo {
        Checks.nonBlank(name, "name");
        Checks.nonBlank(version, "version");
    }

    public static SinkInfo of(String name, String version) {
        return new SinkInfo(name, version);
    }
}
