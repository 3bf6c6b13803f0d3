package io.github.cometchatsidecar.client;

import java.time.Instant;
import java.util.Objects;

/**
 * A CometChat auth token the sidecar created for a user (see {@link
 * SidecarClient#issueAuthToken(String, IssueOptions)}): the backend half of CometChat's
 * auth-token flow.
 *
 * <p>{@link #authToken()} is a secret, returned once (the sidecar keeps only a fingerprint).
 * Hand it to the user's client, which logs in with it ({@link
 * SidecarClient#loginWithToken(String)}, or the Calls SDK's {@code login(authToken)}). {@link
 * #toString()} leaves it out, so logging an {@code IssuedAuthToken} is safe.
 *
 * @param uid the user's UID as CometChat stores it (lower-cased)
 * @param authToken the new auth token; a secret
 * @param createdAt when CometChat created the token (whole seconds)
 * @param userCreated whether the user was created by this call ({@link
 *     IssueOptions#createIfMissing(String)})
 */
public record IssuedAuthToken(
    String uid, String authToken, Instant createdAt, boolean userCreated) {
  /** Creates an issued token; every component is required. */
  public IssuedAuthToken {
    Objects.requireNonNull(uid, "uid");
    Objects.requireNonNull(authToken, "authToken");
    Objects.requireNonNull(createdAt, "createdAt");
  }

  /** Every component but the token. */
  @Override
  public String toString() {
    return "IssuedAuthToken[uid=" + uid + ", createdAt=" + createdAt + ", userCreated="
        + userCreated + ", authToken=[redacted]]";
  }
}
