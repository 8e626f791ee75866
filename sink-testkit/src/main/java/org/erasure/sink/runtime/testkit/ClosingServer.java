package org.erasure.sink.runtime.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A port that accepts every connection, reads what the client sent, and closes it without answering:
 * what a store behind a proxy looks like while the proxy cuts it off (the whole-system fault test's
 * Elasticsearch cut made a restarting sink exit on "Connection closed by peer").
 */
public final class ClosingServer implements AutoCloseable {
    private final ServerSocket socket;
    private final Thread acceptor;

    public ClosingServer() throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofVirtual().name("closing-server").start(this::acceptAndClose);
    }

    public int port() {
        return socket.getLocalPort();
    }

    private void acceptAndClose() {
        while (!socket.isClosed()) {
            try (Socket s = socket.accept()) {
                s.setSoTimeout(200);
                InputStream in = s.getInputStream();
                try {
                    in.read(new byte[8192]); // let the request arrive: the peer then sees a closed answer, not a refusal
                } catch (IOException ignored) {
                    // nothing sent within the timeout: close anyway
                }
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
        acceptor.interrupt();
    }
}
