package io.github.cometchatsidecar.client;

/**
 * Receives a session watch's events without blocking a thread (see {@link
 * SidecarClient#watchSession(SessionListener)}). The methods are called one at a time, on a
 * gRPC thread: return quickly. After {@link SessionSubscription#close()} none is called again.
 */
public interface SessionListener {
  /** One event: the first is the current state ({@code SESSION_CHANGE_CURRENT}). */
  void onEvent(SessionEvent event);

  /**
   * The watch failed, for example {@code UNAVAILABLE} when the connection to the sidecar was
   * lost, or {@code UNAUTHENTICATED} when the credential was refused. No other call follows. A
   * listener method that throws ends the watch too, with {@code CANCELLED} and the throwable as
   * the cause.
   */
  default void onError(SidecarException error) {}

  /**
   * The sidecar ended the watch (it is shutting down): wait until it is ready again and watch
   * anew. No other call follows.
   */
  default void onCompleted() {}
}
