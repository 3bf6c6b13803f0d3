package io.github.cometchatsidecar.client;

import io.grpc.stub.ClientCallStreamObserver;
import java.util.Set;

/**
 * A running listener-style session watch ({@link SidecarClient#watchSession(SessionListener)}).
 * {@link #close()} cancels it (so does closing the client); the listener hears nothing after
 * that.
 */
public final class SessionSubscription implements OpenWatch {
  private final Set<OpenWatch> openWatches;
  private volatile ClientCallStreamObserver<?> call;
  private volatile boolean closed;

  SessionSubscription(Set<OpenWatch> openWatches) {
    this.openWatches = openWatches;
    openWatches.add(this);
  }

  void started(ClientCallStreamObserver<?> call) {
    this.call = call;
  }

  /** The call ended on its own: nothing left to cancel. */
  void ended() {
    openWatches.remove(this);
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
    openWatches.remove(this);
    ClientCallStreamObserver<?> c = call;
    if (c != null) {
      c.cancel("closed by the client", null);
    }
  }
}
