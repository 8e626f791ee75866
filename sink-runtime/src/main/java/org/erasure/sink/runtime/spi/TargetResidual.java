package org.erasure.sink.runtime.spi;

/**
 * What {@link ErasureStore#verify} still found for one item in one target.
 *
 * @param target   a name from {@link ErasureStore#targets()}
 * @param residual records that still hold the person's data (must be 0)
 */
public record TargetResidual(String target, long residual) {
    public TargetResidual {
        if (residual < 0) {
            throw new IllegalArgumentException("residual must be >= 0");
        }
    }
}
