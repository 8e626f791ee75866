package org.erasure.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.erasure.devstack.browser.HeadlessChromium;

/** Runs Debian's headless chromium on a local file and returns the DOM after scripts ran (the dev-stack's driver). */
final class Chromium {

    private Chromium() {}

    static String dumpDom(Path html, Path workDir) throws IOException, InterruptedException {
        return HeadlessChromium.dumpDom(html, workDir);
    }
}
