package io.github.cometchatsidecar.client;

import io.github.cometchatsidecar.auth.v1.CallsUser;
import io.github.cometchatsidecar.auth.v1.SessionChange;
import io.github.cometchatsidecar.auth.v1.WatchSessionResponse;
import java.util.Objects;
import java.util.Optional;

/**
 * One message of a session watch ({@link SidecarClient#watchSession()}): why it was sent and the
 * app's user after the change.
 *
 * @param change {@code SESSION_CHANGE_CURRENT} (the first event of every watch), {@code
 *     SESSION_CHANGE_LOGGED_IN}, {@code SESSION_CHANGE_LOGGED_OUT} or {@code
 *     SESSION_CHANGE_REVOKED}
 * @param user the user logged in for the app after the change; empty when nobody is
 */
public record SessionEvent(SessionChange change, Optional<CallsUser> user) {
  /** Creates an event; both components are required. */
  public SessionEvent {
    Objects.requireNonNull(change, "change");
    Objects.requireNonNull(user, "user");
  }

  static SessionEvent of(WatchSessionResponse message) {
    return new SessionEvent(
        message.getChange(), message.hasUser() ? Optional.of(message.getUser()) : Optional.empty());
  }

  /** The change and the user's UID, on one line. */
  @Override
  public String toString() {
    return "SessionEvent[change=" + change + ", uid=" + user.map(CallsUser::getUid).orElse("")
        + "]";
  }
}
