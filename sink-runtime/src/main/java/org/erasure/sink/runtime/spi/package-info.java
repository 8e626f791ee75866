/**
 * The store SPI: implement {@link org.erasure.sink.runtime.spi.ErasureStore} and
 * {@link org.erasure.sink.runtime.spi.StoreModule} in a new module; the runtime does the rest.
 * See {@code sink-runtime/README.md}.
 */
package org.erasure.sink.runtime.spi;
