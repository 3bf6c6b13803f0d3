package io.github.cometchatsidecar.client;

/**
 * The {@link SidecarException#reason()} values the sidecar answers, each with its gRPC code
 * (and "retry helps" where a {@code RetryInfo} comes with it). The set is open: the sidecar
 * passes CometChat's own codes through, so compare with {@code equals} and expect others.
 */
public final class Reasons {
  private Reasons() {}

  /** Login is already in progress (ABORTED, retry helps). */
  public static final String ERROR_LOGIN_IN_PROGRESS = "ERROR_LOGIN_IN_PROGRESS";
  /** UID cannot be empty (INVALID_ARGUMENT). */
  public static final String ERROR_INVALID_UID = "ERROR_INVALID_UID";
  /** UID cannot contain spaces (INVALID_ARGUMENT). */
  public static final String ERROR_UID_WITH_SPACE = "ERROR_UID_WITH_SPACE";
  /** Auth Key cannot be empty (FAILED_PRECONDITION). */
  public static final String ERROR_API_KEY_NOT_FOUND = "ERROR_API_KEY_NOT_FOUND";
  /** Auth token cannot be empty (INVALID_ARGUMENT). */
  public static final String ERROR_BLANK_AUTHTOKEN = "ERROR_BLANK_AUTHTOKEN";
  /** Auth token cannot contain spaces (INVALID_ARGUMENT). */
  public static final String ERROR_AUTHTOKEN_WITH_SPACE = "ERROR_AUTHTOKEN_WITH_SPACE";
  /** No user is currently logged in (FAILED_PRECONDITION). */
  public static final String ERROR_NO_USER_LOGGED_IN = "ERROR_NO_USER_LOGGED_IN";
  /** UID cannot be longer than 100 characters (INVALID_ARGUMENT). */
  public static final String ERROR_UID_TOO_LONG = "ERROR_UID_TOO_LONG";
  /** UID may contain only letters, digits, '-' and '_' (INVALID_ARGUMENT). */
  public static final String ERROR_UID_INVALID_CHARACTERS = "ERROR_UID_INVALID_CHARACTERS";
  /**
   * Auth token is longer than 512 characters or has characters outside printable ASCII
   * (INVALID_ARGUMENT).
   */
  public static final String ERROR_INVALID_AUTHTOKEN = "ERROR_INVALID_AUTHTOKEN";
  /**
   * API key is longer than 256 characters or has characters outside printable ASCII
   * (INVALID_ARGUMENT).
   */
  public static final String ERROR_INVALID_API_KEY = "ERROR_INVALID_API_KEY";
  /**
   * The call carries no app credential (authorization: Bearer &lt;credential&gt;)
   * (UNAUTHENTICATED).
   */
  public static final String ERROR_MISSING_APP_CREDENTIAL = "ERROR_MISSING_APP_CREDENTIAL";
  /** The app credential is not one this sidecar knows (UNAUTHENTICATED). */
  public static final String ERROR_UNKNOWN_APP_CREDENTIAL = "ERROR_UNKNOWN_APP_CREDENTIAL";
  /** The client certificate is not mapped to an app (tls_client_apps) (UNAUTHENTICATED). */
  public static final String ERROR_UNKNOWN_CLIENT_CERTIFICATE = "ERROR_UNKNOWN_CLIENT_CERTIFICATE";
  /** The request is not a valid message of the method's type (INVALID_ARGUMENT). */
  public static final String ERROR_MALFORMED_REQUEST = "ERROR_MALFORMED_REQUEST";
  /**
   * The app's login rate limit was reached; RetryInfo says when the next login is admitted
   * (RESOURCE_EXHAUSTED, retry helps).
   */
  public static final String ERROR_LOGIN_RATE_LIMITED = "ERROR_LOGIN_RATE_LIMITED";
  /**
   * The app already has its maximum of calls in flight (max_calls_in_flight_per_app); RetryInfo
   * says when to try again (RESOURCE_EXHAUSTED, retry helps).
   */
  public static final String ERROR_TOO_MANY_CALLS_IN_FLIGHT = "ERROR_TOO_MANY_CALLS_IN_FLIGHT";
  /** GenerateCallToken: the session id is empty or blank (INVALID_ARGUMENT). */
  public static final String ERROR_SESSION_ID_MISSING = "ERROR_SESSION_ID_MISSING";
  /** GenerateCallToken: nobody is logged in for the app (FAILED_PRECONDITION). */
  public static final String ERROR_AUTH_TOKEN_MISSING = "ERROR_AUTH_TOKEN_MISSING";
  /**
   * GenerateCallToken: the session id is longer than 255 characters or has characters outside
   * {@code [A-Za-z0-9._:-]} (INVALID_ARGUMENT).
   */
  public static final String ERROR_INVALID_SESSION_ID = "ERROR_INVALID_SESSION_ID";
  /** GenerateCallToken: the session id is outside the app's allowed prefix (PERMISSION_DENIED). */
  public static final String ERROR_SESSION_ID_NOT_ALLOWED = "ERROR_SESSION_ID_NOT_ALLOWED";
  /**
   * GenerateCallToken: the app's call-token rate limit was reached (RESOURCE_EXHAUSTED, retry
   * helps).
   */
  public static final String ERROR_CALL_TOKEN_RATE_LIMITED = "ERROR_CALL_TOKEN_RATE_LIMITED";
  /** The app's policy does not grant this RPC (PERMISSION_DENIED). */
  public static final String ERROR_OPERATION_NOT_ALLOWED = "ERROR_OPERATION_NOT_ALLOWED";
  /** The UID is outside the app's policy patterns (PERMISSION_DENIED). */
  public static final String ERROR_UID_NOT_ALLOWED = "ERROR_UID_NOT_ALLOWED";
  /** IssueAuthToken: the new user's name is too long or has control characters (INVALID_ARGUMENT). */
  public static final String ERROR_INVALID_NAME = "ERROR_INVALID_NAME";
  /** RevokeAuthToken: the token was not issued by this app (PERMISSION_DENIED). */
  public static final String ERROR_TOKEN_NOT_ISSUED_BY_APP = "ERROR_TOKEN_NOT_ISSUED_BY_APP";
  /** CometChat could not be reached (UNAVAILABLE, retry helps). */
  public static final String UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE";
  /** CometChat did not answer in time (DEADLINE_EXCEEDED, retry helps). */
  public static final String UPSTREAM_TIMEOUT = "UPSTREAM_TIMEOUT";
  /** CometChat answered with something that is not its API envelope (UNAVAILABLE, retry helps). */
  public static final String UPSTREAM_BAD_RESPONSE = "UPSTREAM_BAD_RESPONSE";
  /**
   * CometChat failed repeatedly; calls fail fast until a probe succeeds (UNAVAILABLE, retry helps).
   */
  public static final String UPSTREAM_CIRCUIT_OPEN = "UPSTREAM_CIRCUIT_OPEN";
  /**
   * The sidecar already keeps its configured maximum of sessions (max_sessions)
   * (RESOURCE_EXHAUSTED).
   */
  public static final String ERROR_TOO_MANY_SESSIONS = "ERROR_TOO_MANY_SESSIONS";
  /** The session store could not be read or written (UNAVAILABLE, retry helps). */
  public static final String STATE_UNAVAILABLE = "STATE_UNAVAILABLE";
  /** An unexpected error inside the sidecar (INTERNAL). */
  public static final String INTERNAL = "INTERNAL";
  /** The UID does not exist in CometChat (NOT_FOUND). */
  public static final String ERR_UID_NOT_FOUND = "ERR_UID_NOT_FOUND";
  /** CometChat received no API key (UNAUTHENTICATED). */
  public static final String AUTH_ERR_EMPTY_APIKEY = "AUTH_ERR_EMPTY_APIKEY";
  /** CometChat does not know the API key (UNAUTHENTICATED). */
  public static final String AUTH_ERR_APIKEY_NOT_FOUND = "AUTH_ERR_APIKEY_NOT_FOUND";
  /**
   * The API key's scope does not allow this (an Auth Key used where a REST API key is needed)
   * (PERMISSION_DENIED).
   */
  public static final String AUTH_ERR_NO_ACCESS = "AUTH_ERR_NO_ACCESS";
  /** CometChat received no app id (FAILED_PRECONDITION). */
  public static final String AUTH_ERR_EMPTY_APPID = "AUTH_ERR_EMPTY_APPID";
  /** CometChat does not know the app id (FAILED_PRECONDITION). */
  public static final String AUTH_ERR_INVALID_APPID = "AUTH_ERR_INVALID_APPID";
  /** CometChat received no auth token (UNAUTHENTICATED). */
  public static final String AUTH_ERR_EMPTY_AUTH_TOKEN = "AUTH_ERR_EMPTY_AUTH_TOKEN";
  /** The auth token is unknown to CometChat or was revoked (UNAUTHENTICATED). */
  public static final String AUTH_ERR_AUTH_TOKEN_NOT_FOUND = "AUTH_ERR_AUTH_TOKEN_NOT_FOUND";
  /** The auth token is unknown to CometChat (NOT_FOUND). */
  public static final String ERR_AUTH_TOKEN_NOT_FOUND = "ERR_AUTH_TOKEN_NOT_FOUND";
  /** The auth token belongs to another user (PERMISSION_DENIED). */
  public static final String ERR_AUTHTOKEN_NOT_ACCESSIBLE = "ERR_AUTHTOKEN_NOT_ACCESSIBLE";
  /** CometChat rejected the request (INVALID_ARGUMENT). */
  public static final String ERR_BAD_REQUEST = "ERR_BAD_REQUEST";
  /** CometChat's rate limit for the app was reached (RESOURCE_EXHAUSTED, retry helps). */
  public static final String ERR_TOO_MANY_REQUESTS = "ERR_TOO_MANY_REQUESTS";
  /** CometChat does not know the endpoint (check the api/client host settings) (INTERNAL). */
  public static final String ERR_API_NOT_FOUND = "ERR_API_NOT_FOUND";
  /** A user with this UID already exists in CometChat (ALREADY_EXISTS). */
  public static final String ERR_UID_ALREADY_EXISTS = "ERR_UID_ALREADY_EXISTS";
  /** CometChat received no call session ID (INVALID_ARGUMENT). */
  public static final String ERR_EMPTY_CALL_SESSION_ID = "ERR_EMPTY_CALL_SESSION_ID";
  /** CometChat does not know the call session (NOT_FOUND). */
  public static final String ERR_CALL_SESSION_NOT_FOUND = "ERR_CALL_SESSION_NOT_FOUND";
}
