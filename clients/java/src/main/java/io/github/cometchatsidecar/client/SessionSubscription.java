package io.github.cometchatsidecar.client;

import io.grpc.stub.ClientCallStreamObserver;

/**
 * A running listener-style session watch ({@link SidecarClient#watchSession(SessionListener)}).
 * {@link #close()} cancels it; the listener hears nothing after that.
 */
public final class SessionSubscription implements AutoCloseable {
  private volatile ClientCallStreamObserver<?> call;
  private volatile boolean closed;

  SessionSubscription() {}

  void started(ClientCallStreamObserver<?> call) {
    this.call = call;
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed;
  }

  /** Cancels the watch. Calling it again, or after the watch ended, does nothing. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    ClientCallStreamObserver<?> c = call;
    if (c != null) {
      c.cancel("closed by the client", null);
    }
  }
}
