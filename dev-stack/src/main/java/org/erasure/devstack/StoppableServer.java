package org.erasure.devstack;

/** Makes {@link #close()} idempotent and uniform; a server only says how it stops. */
public abstract class StoppableServer implements ManagedServer {

    private boolean stopped;

    @Override
    public final synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IllegalStateException(name() + " did not stop cleanly: " + e.getMessage(), e);
        }
    }

    /** Called once, by the first {@link #close()}. */
    protected abstract void stop() throws Exception;
}
