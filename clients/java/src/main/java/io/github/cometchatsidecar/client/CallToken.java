package io.github.cometchatsidecar.client;

import io.github.cometchatsidecar.auth.v1.CallsUser;
import java.util.Objects;

/**
 * A call token for one call session, made for the user logged in for the app (see {@link
 * SidecarClient#generateCallToken(String)}).
 *
 * <p>{@link #token()} is a secret: it probably carries the user's auth token in its payload.
 * Hand it only to the client that joins the call (the Calls SDK's {@code joinSession}); never
 * log it nor cache it. {@link #toString()} leaves it out, so logging a {@code CallToken} is
 * safe.
 *
 * @param token the call token (a JWT issued by CometChat); a secret
 * @param sessionId the call session the token is for, as requested
 * @param user the user the token was made for
 */
public record CallToken(String token, String sessionId, CallsUser user) {
  /** Creates a call token; every component is required. */
  public CallToken {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(user, "user");
  }

  /** The session id and the user's UID; never the token. */
  @Override
  public String toString() {
    return "CallToken[sessionId=" + sessionId + ", uid=" + user.getUid() + ", token=[redacted]]";
  }
}
