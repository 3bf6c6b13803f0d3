package io.github.cometchatsidecar.client;

import io.github.cometchatsidecar.auth.v1.WatchSessionRequest;
import io.github.cometchatsidecar.auth.v1.WatchSessionResponse;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A running session watch, read by blocking iteration ({@link SidecarClient#watchSession()}).
 *
 * <pre>{@code
 * try (SessionWatch watch = sidecar.watchSession()) {
 *   for (SessionEvent event : watch) {
 *     if (event.change() == SessionChange.SESSION_CHANGE_REVOKED) { ... }
 *   }
 *   // the loop ends when the sidecar ends the watch (it is shutting down): reconnect
 * }
 * }</pre>
 *
 * <p>Like {@link java.nio.file.DirectoryStream}, it can be iterated once. The iterator's {@code
 * hasNext()} blocks until the next event; it returns {@code false} when the sidecar ended the
 * watch or after {@link #close()}, and throws a {@link SidecarException} when the stream failed
 * (for example {@code UNAVAILABLE} when the connection was lost) or the waiting thread was
 * interrupted ({@code CANCELLED}). {@link #close()} cancels the call (so does closing the
 * client); it may be called from any thread, and wakes a blocked {@code hasNext()}. The sidecar sends the next event only once the
 * previous one was taken, so a slow reader holds at most one event here; every event carries
 * the state after the change, so nothing is lost by reading late.
 */
public final class SessionWatch implements Iterable<SessionEvent>, OpenWatch {
  private static final Object END = new Object();

  private final Set<OpenWatch> openWatches;
  private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final Events events = new Events();
  private volatile ClientCallStreamObserver<WatchSessionRequest> call;
  private volatile boolean closed;
  private boolean iterated;

  SessionWatch(Set<OpenWatch> openWatches) {
    this.openWatches = openWatches;
    openWatches.add(this);
  }

  /** The gRPC observer that feeds this watch, one message at a time. */
  ClientResponseObserver<WatchSessionRequest, WatchSessionResponse> observer() {
    return new ClientResponseObserver<>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<WatchSessionRequest> requestStream) {
        call = requestStream;
        requestStream.disableAutoRequestWithInitial(1);
      }

      @Override
      public void onNext(WatchSessionResponse message) {
        queue.add(SessionEvent.of(message));
      }

      @Override
      public void onError(Throwable t) {
        openWatches.remove(SessionWatch.this);
        queue.add(closed ? END : SidecarException.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        openWatches.remove(SessionWatch.this);
        queue.add(END);
      }
    };
  }

  /**
   * Waits for the first message (the current state), so that a refused call fails when the
   * watch opens. Closes the watch and throws when it fails or does not come within {@code
   * timeout}.
   */
  void awaitFirst(Duration timeout) {
    Object first;
    try {
      first = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      close();
      Thread.currentThread().interrupt();
      throw cancelled("interrupted while waiting for the session state", e);
    }
    if (first == null) {
      close();
      throw new SidecarException(
          Status.DEADLINE_EXCEEDED.withDescription(
              "the sidecar sent no session state within " + timeout),
          "", "", Collections.emptyMap(), null, null);
    }
    if (first instanceof SidecarException e) {
      throw e;
    }
    events.head = first;
  }

  /**
   * The events, in order; the first is the current state. Can be called once.
   *
   * @throws IllegalStateException when called a second time
   */
  @Override
  public Iterator<SessionEvent> iterator() {
    synchronized (this) {
      if (iterated) {
        throw new IllegalStateException("a SessionWatch can be iterated only once");
      }
      iterated = true;
    }
    return events;
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
    queue.add(END); // wakes a hasNext() blocked on the queue
    ClientCallStreamObserver<WatchSessionRequest> c = call;
    if (c != null) {
      c.cancel("closed by the client", null);
    }
  }

  private static SidecarException cancelled(String message, Throwable cause) {
    return new SidecarException(
        Status.CANCELLED.withDescription(message), "", "", Collections.emptyMap(), null, cause);
  }

  /** The single iterator: used by one thread at a time, as iterators are. */
  private final class Events implements Iterator<SessionEvent> {
    /** Taken from the queue, not yet handed out: an event, END or a failure. */
    private Object head;

    @Override
    public boolean hasNext() {
      if (closed) {
        return false;
      }
      if (head == null) {
        try {
          head = queue.take();
        } catch (InterruptedException e) {
          close();
          Thread.currentThread().interrupt();
          throw cancelled("interrupted while waiting for a session event", e);
        }
      }
      if (closed || head == END) {
        return false;
      }
      if (head instanceof SidecarException e) {
        throw e;
      }
      return true;
    }

    @Override
    public SessionEvent next() {
      if (!hasNext()) {
        throw new NoSuchElementException("the session watch has ended");
      }
      SessionEvent event = (SessionEvent) head;
      head = null;
      call.request(1);
      return event;
    }
  }
}
