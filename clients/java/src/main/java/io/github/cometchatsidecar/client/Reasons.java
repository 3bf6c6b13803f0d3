package io.github.cometchatsidecar.client;

/**
 * Well-known {@link SidecarException#reason()} values. The set is open: the sidecar
 * passes CometChat's own codes through, so compare with {@code equals} and expect
 * others.
 */
public final class Reasons {
  private Reasons() {}

  /** The call carried no app credential and the sidecar requires one (UNAUTHENTICATED). */
  public static final String ERROR_MISSING_APP_CREDENTIAL = "ERROR_MISSING_APP_CREDENTIAL";
  /** The call's app credential is not one the sidecar knows (UNAUTHENTICATED). */
  public static final String ERROR_UNKNOWN_APP_CREDENTIAL = "ERROR_UNKNOWN_APP_CREDENTIAL";
  /** A login is already running for this app. */
  public static final String ERROR_LOGIN_IN_PROGRESS = "ERROR_LOGIN_IN_PROGRESS";
  /** The UID is empty or blank. */
  public static final String ERROR_INVALID_UID = "ERROR_INVALID_UID";
  /** The UID contains a space. */
  public static final String ERROR_UID_WITH_SPACE = "ERROR_UID_WITH_SPACE";
  /** No API key in the request and none held by the sidecar. */
  public static final String ERROR_API_KEY_NOT_FOUND = "ERROR_API_KEY_NOT_FOUND";
  /** The auth token is empty or blank. */
  public static final String ERROR_BLANK_AUTHTOKEN = "ERROR_BLANK_AUTHTOKEN";
  /** The auth token contains a space. */
  public static final String ERROR_AUTHTOKEN_WITH_SPACE = "ERROR_AUTHTOKEN_WITH_SPACE";
  /** Logout with nobody logged in. */
  public static final String ERROR_NO_USER_LOGGED_IN = "ERROR_NO_USER_LOGGED_IN";
  /** CometChat knows no user with this UID. */
  public static final String ERR_UID_NOT_FOUND = "ERR_UID_NOT_FOUND";
  /** CometChat does not know this auth token. */
  public static final String AUTH_ERR_AUTH_TOKEN_NOT_FOUND = "AUTH_ERR_AUTH_TOKEN_NOT_FOUND";
  /** CometChat could not be reached; a retry may help (see retryDelay()). */
  public static final String UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE";
}
