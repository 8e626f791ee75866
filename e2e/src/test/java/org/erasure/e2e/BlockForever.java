package org.erasure.e2e;

import java.util.concurrent.CountDownLatch;

/** A stand-in service for {@link ExitWithParentTest}: runs until stopped, says when its shutdown hook runs. */
public final class BlockForever {

    private BlockForever() {}

    public static void main(String[] args) throws InterruptedException {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("shutdown hook ran");
            System.out.flush();
        }));
        System.out.println("running");
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
