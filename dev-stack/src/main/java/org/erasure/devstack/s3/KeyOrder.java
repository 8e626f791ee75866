package org.erasure.devstack.s3;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/**
 * S3's key order: UTF-8 binary order. Written here the plain way (compare the UTF-8 bytes), not
 * the allocation-free way the S3 sink uses, so the emulator and the sink do not share a mistake.
 */
public final class KeyOrder implements Comparator<String> {

    public static final KeyOrder INSTANCE = new KeyOrder();

    private KeyOrder() {}

    @Override
    public int compare(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
