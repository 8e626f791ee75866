package org.erasure.client.publish;

/** Publishing failed and the transaction was aborted: nothing of the batch is visible to consumers. */
public final class PublishException extends RuntimeException {
    public PublishException(String message, Throwable cause) {
        super(message, cause);
    }
}
