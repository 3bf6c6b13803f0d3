package io.github.cometchatsidecar.client;

import java.util.Objects;

/**
 * How {@link SidecarClient#issueAuthToken(String, IssueOptions)} creates a token: {@link
 * #defaults()} for an existing user, {@link #createIfMissing(String)} to create the user first
 * when CometChat does not know it.
 */
public final class IssueOptions {
  private static final IssueOptions DEFAULTS = new IssueOptions(false, "");

  private final boolean createIfMissing;
  private final String name;

  private IssueOptions(boolean createIfMissing, String name) {
    this.createIfMissing = createIfMissing;
    this.name = name;
  }

  /** For a user CometChat knows: an unknown UID fails with {@code ERR_UID_NOT_FOUND}. */
  public static IssueOptions defaults() {
    return DEFAULTS;
  }

  /**
   * Creates the user first when CometChat does not know it, with the display name {@code name}
   * (the UID when empty). A concurrent creation of the same user is not an error.
   */
  public static IssueOptions createIfMissing(String name) {
    return new IssueOptions(true, Objects.requireNonNull(name, "name"));
  }

  /** Whether a missing user is created first. */
  public boolean isCreateIfMissing() {
    return createIfMissing;
  }

  /** The display name of a created user ({@code ""}: the UID). */
  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return createIfMissing ? "IssueOptions[createIfMissing, name=" + name + "]" : "IssueOptions[]";
  }
}
