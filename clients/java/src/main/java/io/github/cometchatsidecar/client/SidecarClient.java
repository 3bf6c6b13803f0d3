package io.github.cometchatsidecar.client;

import io.github.cometchatsidecar.auth.v1.AuthServiceGrpc;
import io.github.cometchatsidecar.auth.v1.CallsUser;
import io.github.cometchatsidecar.auth.v1.GetLoggedInUserRequest;
import io.github.cometchatsidecar.auth.v1.GetLoggedInUserResponse;
import io.github.cometchatsidecar.auth.v1.LoginRequest;
import io.github.cometchatsidecar.auth.v1.LoginResponse;
import io.github.cometchatsidecar.auth.v1.LoginWithTokenRequest;
import io.github.cometchatsidecar.auth.v1.LoginWithTokenResponse;
import io.github.cometchatsidecar.auth.v1.LogoutRequest;
import io.github.cometchatsidecar.auth.v1.LogoutResponse;
import io.github.cometchatsidecar.auth.v1.WatchSessionRequest;
import io.github.cometchatsidecar.auth.v1.WatchSessionResponse;
import io.github.cometchatsidecar.calls.v1.CallsServiceGrpc;
import io.github.cometchatsidecar.calls.v1.GenerateCallTokenRequest;
import io.github.cometchatsidecar.calls.v1.GenerateCallTokenResponse;
import io.github.cometchatsidecar.tokens.v1.AuthTokenServiceGrpc;
import io.github.cometchatsidecar.tokens.v1.IssueAuthTokenRequest;
import io.github.cometchatsidecar.tokens.v1.IssueAuthTokenResponse;
import io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensRequest;
import io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensResponse;
import io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenRequest;
import io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Client for the CometChat auth sidecar: its {@code cometchat_sidecar.auth.v1.AuthService}
 * (log in, who is logged in, log out, watch the session), {@code
 * cometchat_sidecar.calls.v1.CallsService} (call tokens) and {@code
 * cometchat_sidecar.tokens.v1.AuthTokenService} (issue and revoke auth tokens).
 *
 * <pre>{@code
 * try (SidecarClient sidecar = SidecarClient.builder()
 *     .target("127.0.0.1:50051")          // or "unix:///run/sidecar/grpc.sock"
 *     .credential(System.getenv("SIDECAR_APP_CREDENTIAL"))
 *     .build()) {
 *   sidecar.waitUntilReady(Duration.ofSeconds(30));
 *   CallsUser user = sidecar.login("cometchat-uid-1");
 * } catch (SidecarException e) {
 *   if (Reasons.ERR_UID_NOT_FOUND.equals(e.reason())) { ... }
 * }
 * }</pre>
 *
 * <p>Every call carries the app credential as {@code authorization: Bearer <credential>}
 * (none when no credential is configured, as in the sidecar's dev mode) and a deadline
 * ({@link #DEFAULT_TIMEOUT} unless the builder or {@link #withTimeout(Duration)} says
 * otherwise; a session watch has none, it is meant to stay open). Every failure is a
 * {@link SidecarException} carrying the gRPC code and the
 * {@code google.rpc.ErrorInfo} reason, domain and metadata, and the
 * {@code google.rpc.RetryInfo} delay where the sidecar sent one.
 *
 * <p>A client is thread-safe; share one per process and {@link #close()} it at shutdown.
 */
public final class SidecarClient implements AutoCloseable {
  /** The sidecar's default address. */
  public static final String DEFAULT_TARGET = "127.0.0.1:50051";

  /** The deadline each call gets unless told otherwise. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  /** The service name the health check asks about. */
  public static final String HEALTH_SERVICE = AuthServiceGrpc.SERVICE_NAME;

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final String target;
  private final ManagedChannel managedChannel; // null when not owned
  private final Channel channel;
  private final Duration timeout;
  /** The open watches of this client and its views, cancelled by close(). */
  private final Set<OpenWatch> openWatches;
  private final boolean view;

  private SidecarClient(
      String target,
      ManagedChannel managedChannel,
      Channel channel,
      Duration timeout,
      Set<OpenWatch> openWatches,
      boolean view) {
    this.target = target;
    this.managedChannel = managedChannel;
    this.channel = channel;
    this.timeout = timeout;
    this.openWatches = openWatches;
    this.view = view;
  }

  /** Starts building a client. */
  public static Builder builder() {
    return new Builder();
  }

  /** The gRPC target this client talks to. */
  public String target() {
    return target;
  }

  /** The deadline each call of this client gets. */
  public Duration timeout() {
    return timeout;
  }

  /**
   * A view of this client whose calls get {@code timeout} as their deadline. It shares this
   * client's connection; closing the view does nothing, close the original.
   */
  public SidecarClient withTimeout(Duration timeout) {
    return new SidecarClient(target, null, channel, checkTimeout(timeout), openWatches, true);
  }

  /**
   * Logs a user in by UID with the API key the sidecar holds (the recommended set-up: the
   * app never sees a key).
   *
   * @return the logged-in user
   * @throws SidecarException e.g. {@code ERROR_UID_WITH_SPACE} (INVALID_ARGUMENT),
   *     {@code ERR_UID_NOT_FOUND}, {@code ERROR_API_KEY_NOT_FOUND}
   */
  public CallsUser login(String uid) {
    return login(uid, "");
  }

  /**
   * Logs a user in by UID with the given CometChat API key (empty: the sidecar's own key).
   */
  public CallsUser login(String uid, String apiKey) {
    LoginRequest request = loginRequest(uid, apiKey);
    try {
      return blockingStub().login(request).getUser();
    } catch (StatusRuntimeException e) {
      throw SidecarException.fromThrowable(e);
    }
  }

  /**
   * Logs a user in with an auth token created elsewhere (for example by the app's backend).
   *
   * @throws SidecarException e.g. {@code ERROR_BLANK_AUTHTOKEN},
   *     {@code AUTH_ERR_AUTH_TOKEN_NOT_FOUND}
   */
  public CallsUser loginWithToken(String authToken) {
    LoginWithTokenRequest request = loginWithTokenRequest(authToken);
    try {
      return blockingStub().loginWithToken(request).getUser();
    } catch (StatusRuntimeException e) {
      throw SidecarException.fromThrowable(e);
    }
  }

  /** The user logged in for this app, or empty when nobody is logged in. */
  public Optional<CallsUser> getLoggedInUser() {
    try {
      return userOf(blockingStub().getLoggedInUser(GetLoggedInUserRequest.getDefaultInstance()));
    } catch (StatusRuntimeException e) {
      throw SidecarException.fromThrowable(e);
    }
  }

  /**
   * Ends this app's session.
   *
   * @throws SidecarException {@code ERROR_NO_USER_LOGGED_IN} when nobody is logged in
   */
  public void logout() {
    try {
      blockingStub().logout(LogoutRequest.getDefaultInstance());
    } catch (StatusRuntimeException e) {
      throw SidecarException.fromThrowable(e);
    }
  }

  /** {@link #login(String)} without blocking; fails with a {@link SidecarException}. */
  public CompletableFuture<CallsUser> loginAsync(String uid) {
    return loginAsync(uid, "");
  }

  /** {@link #login(String, String)} without blocking; fails with a {@link SidecarException}. */
  public CompletableFuture<CallsUser> loginAsync(String uid, String apiKey) {
    CompletableFuture<LoginResponse> f = new CompletableFuture<>();
    asyncStub().login(loginRequest(uid, apiKey), observer(f));
    return f.thenApply(LoginResponse::getUser);
  }

  /** {@link #loginWithToken(String)} without blocking; fails with a {@link SidecarException}. */
  public CompletableFuture<CallsUser> loginWithTokenAsync(String authToken) {
    CompletableFuture<LoginWithTokenResponse> f = new CompletableFuture<>();
    asyncStub().loginWithToken(loginWithTokenRequest(authToken), observer(f));
    return f.thenApply(LoginWithTokenResponse::getUser);
  }

  /** {@link #getLoggedInUser()} without blocking; fails with a {@link SidecarException}. */
  public CompletableFuture<Optional<CallsUser>> getLoggedInUserAsync() {
    CompletableFuture<GetLoggedInUserResponse> f = new CompletableFuture<>();
    asyncStub().getLoggedInUser(GetLoggedInUserRequest.getDefaultInstance(), observer(f));
    return f.thenApply(SidecarClient::userOf);
  }

  /** {@link #logout()} without blocking; fails with a {@link SidecarException}. */
  public CompletableFuture<Void> logoutAsync() {
    CompletableFuture<LogoutResponse> f = new CompletableFuture<>();
    asyncStub().logout(LogoutRequest.getDefaultInstance(), observer(f));
    return f.thenApply(r -> null);
  }

  /**
   * Returns a call token for the call session {@code sessionId}, made with the auth token of
   * the user logged in for this app (the Calls SDK's {@code generateToken(sessionId)}). The auth
   * token itself never leaves the sidecar; hand the call token to the client that joins the
   * call.
   *
   * @throws SidecarException {@code ERROR_SESSION_ID_MISSING}, {@code ERROR_AUTH_TOKEN_MISSING}
   *     (nobody logged in), {@code ERROR_INVALID_SESSION_ID}, {@code
   *     ERROR_SESSION_ID_NOT_ALLOWED} (outside the app's prefix), {@code
   *     ERROR_OPERATION_NOT_ALLOWED} (not granted by the app's policy), {@code
   *     ERROR_CALL_TOKEN_RATE_LIMITED} (with a retry delay), {@code
   *     AUTH_ERR_AUTH_TOKEN_NOT_FOUND} (the session was revoked), CometChat's codes
   */
  public CallToken generateCallToken(String sessionId) {
    GenerateCallTokenRequest request = callTokenRequest(sessionId);
    try {
      return callTokenOf(callsBlocking().generateCallToken(request));
    } catch (StatusRuntimeException e) {
      throw SidecarException.fromThrowable(e);
    }
  }

  /**
   * {@link #generateCallToken(String)} without blocking; fails with a {@link SidecarException}.
   */
  public CompletableFuture<CallToken> generateCallTokenAsync(String sessionId) {
    CompletableFuture<GenerateCallTokenResponse> f = new CompletableFuture<>();
    callsAsync().generateCallToken(callTokenRequest(sessionId), observer(f));
    return f.thenApply(SidecarClient::callTokenOf);
  }

  /**
   * Creates a new CometChat auth token for an existing user with the REST API key the sidecar
   * holds, so the app's backend never holds the key. Same as {@code issueAuthToken(uid,
   * IssueOptions.defaults())}.
   */
  public IssuedAuthToken issueAuthToken(String uid) {
    return issueAuthToken(uid, IssueOptions.defaults());
  }

  /**
   * Creates a new CometChat auth token for {@code uid} with the REST API key the sidecar holds;
   * with {@link IssueOptions#createIfMissing(String)} a user CometChat does not know is created
   * first. The token is returned once: the sidecar keeps only a fingerprint.
   *
   * @throws SidecarException {@code ERROR_OPERATION_NOT_ALLOWED} (the app's policy does not
   *     grant {@code issue_tokens}), {@code ERROR_UID_NOT_ALLOWED} (outside its {@code
   *     issue_uids}), the UID checks of {@link #login(String)}, {@code ERR_UID_NOT_FOUND}
   */
  public IssuedAuthToken issueAuthToken(String uid, IssueOptions options) {
    IssueAuthTokenRequest request = issueRequest(uid, options);
    try {
      return issuedOf(tokensBlocking().issueAuthToken(request));
    } catch (StatusRuntimeException e) {
      throw SidecarException.fromThrowable(e);
    }
  }

  /**
   * {@link #issueAuthToken(String, IssueOptions)} without blocking; fails with a {@link
   * SidecarException}.
   */
  public CompletableFuture<IssuedAuthToken> issueAuthTokenAsync(String uid, IssueOptions options) {
    CompletableFuture<IssueAuthTokenResponse> f = new CompletableFuture<>();
    tokensAsync().issueAuthToken(issueRequest(uid, options), observer(f));
    return f.thenApply(SidecarClient::issuedOf);
  }

  /**
   * Revokes one auth token this app issued for {@code uid} (for example at sign-out). The app's
   * session holding the token is ended and its watchers see {@code SESSION_CHANGE_REVOKED}.
   *
   * @return how many of the app's sessions held the token and were ended (0 or 1)
   * @throws SidecarException {@code ERROR_TOKEN_NOT_ISSUED_BY_APP} for a token this app did not
   *     issue, {@code ERROR_OPERATION_NOT_ALLOWED}
   */
  public int revokeAuthToken(String uid, String authToken) {
    RevokeAuthTokenRequest request = revokeRequest(uid, authToken);
    try {
      return tokensBlocking().revokeAuthToken(request).getSessionsEnded();
    } catch (StatusRuntimeException e) {
      throw SidecarException.fromThrowable(e);
    }
  }

  /**
   * {@link #revokeAuthToken(String, String)} without blocking; fails with a {@link
   * SidecarException}.
   */
  public CompletableFuture<Integer> revokeAuthTokenAsync(String uid, String authToken) {
    CompletableFuture<RevokeAuthTokenResponse> f = new CompletableFuture<>();
    tokensAsync().revokeAuthToken(revokeRequest(uid, authToken), observer(f));
    return f.thenApply(RevokeAuthTokenResponse::getSessionsEnded);
  }

  /**
   * Revokes every auth token of {@code uid} ("log this user out everywhere", for example after a
   * password reset). Needs the app's {@code revoke_all} grant.
   *
   * @return how many of the app's sessions were of this user and were ended (0 or 1)
   * @throws SidecarException {@code ERROR_OPERATION_NOT_ALLOWED} without the grant
   */
  public int revokeAllAuthTokens(String uid) {
    RevokeAllAuthTokensRequest request = revokeAllRequest(uid);
    try {
      return tokensBlocking().revokeAllAuthTokens(request).getSessionsEnded();
    } catch (StatusRuntimeException e) {
      throw SidecarException.fromThrowable(e);
    }
  }

  /**
   * {@link #revokeAllAuthTokens(String)} without blocking; fails with a {@link
   * SidecarException}.
   */
  public CompletableFuture<Integer> revokeAllAuthTokensAsync(String uid) {
    CompletableFuture<RevokeAllAuthTokensResponse> f = new CompletableFuture<>();
    tokensAsync().revokeAllAuthTokens(revokeAllRequest(uid), observer(f));
    return f.thenApply(RevokeAllAuthTokensResponse::getSessionsEnded);
  }

  /**
   * Watches this app's session, so the app learns of a change (above all a revocation) without
   * polling: the first event is the current state ({@code SESSION_CHANGE_CURRENT}), then one
   * event follows per change ({@code LOGGED_IN}, {@code LOGGED_OUT}, {@code REVOKED}).
   *
   * <p>Returns once the sidecar has sent the current state, waiting at most this client's
   * timeout for it, so a refused call throws here. The watch has no deadline: iterate it, and
   * close it (or the client) to cancel the call. See {@link SessionWatch}.
   *
   * @throws SidecarException when the call is refused or fails before the current state came
   *     ({@code DEADLINE_EXCEEDED} when it did not come in time)
   */
  public SessionWatch watchSession() {
    SessionWatch watch = new SessionWatch(openWatches);
    AuthServiceGrpc.newStub(channel)
        .watchSession(WatchSessionRequest.getDefaultInstance(), watch.observer());
    watch.awaitFirst(timeout);
    return watch;
  }

  /**
   * Watches this app's session without blocking a thread: {@code listener} gets each event
   * (the first is the current state), then {@link SessionListener#onCompleted()} when the
   * sidecar ends the watch or {@link SessionListener#onError(SidecarException)} when it fails.
   * Close the returned subscription (or the client) to cancel the call.
   */
  public SessionSubscription watchSession(SessionListener listener) {
    Objects.requireNonNull(listener, "listener");
    SessionSubscription subscription = new SessionSubscription(openWatches);
    AuthServiceGrpc.newStub(channel)
        .watchSession(
            WatchSessionRequest.getDefaultInstance(),
            new ClientResponseObserver<WatchSessionRequest, WatchSessionResponse>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<WatchSessionRequest> call) {
                subscription.started(call);
              }

              @Override
              public void onNext(WatchSessionResponse message) {
                if (!subscription.isClosed()) {
                  listener.onEvent(SessionEvent.of(message));
                }
              }

              @Override
              public void onError(Throwable t) {
                subscription.ended();
                if (!subscription.isClosed()) {
                  listener.onError(SidecarException.fromThrowable(t));
                }
              }

              @Override
              public void onCompleted() {
                subscription.ended();
                if (!subscription.isClosed()) {
                  listener.onCompleted();
                }
              }
            });
    return subscription;
  }

  /**
   * Blocks until the sidecar's gRPC health check ({@code grpc.health.v1.Health/Check} for
   * {@value #HEALTH_SERVICE}) answers {@code SERVING}, polling with a short back-off. Use it
   * at start-up, when the app may come up before its sidecar.
   *
   * @throws SidecarNotReadyException if it did not answer {@code SERVING} within
   *     {@code timeout}; the message says what the last check saw
   */
  public void waitUntilReady(Duration timeout) {
    checkTimeout(timeout);
    long deadline = System.nanoTime() + timeout.toNanos();
    long backoffMillis = 50;
    String lastSeen = "no answer yet";
    Throwable lastError = null;
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
    HealthCheckRequest request = HealthCheckRequest.newBuilder().setService(HEALTH_SERVICE).build();
    while (true) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        break;
      }
      boolean cutShort = remaining < TimeUnit.SECONDS.toNanos(2);
      try {
        HealthCheckResponse response =
            health
                .withDeadlineAfter(Math.min(remaining, TimeUnit.SECONDS.toNanos(2)), TimeUnit.NANOSECONDS)
                .check(request);
        if (response.getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
          return;
        }
        lastSeen = "health status " + response.getStatus();
        lastError = null;
      } catch (StatusRuntimeException e) {
        Status s = e.getStatus();
        // A check cut short by the end of the wait says nothing new: keep the last answer.
        boolean answeredBefore = lastSeen.startsWith("health status");
        if (cutShort && answeredBefore && s.getCode() == Status.Code.DEADLINE_EXCEEDED) {
          continue;
        }
        lastSeen = s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
        lastError = e;
      }
      long sleepNanos = Math.min(TimeUnit.MILLISECONDS.toNanos(backoffMillis), deadline - System.nanoTime());
      if (sleepNanos <= 0) {
        break;
      }
      try {
        TimeUnit.NANOSECONDS.sleep(sleepNanos);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SidecarNotReadyException(
            "interrupted while waiting for the sidecar at " + target + " (last: " + lastSeen + ")",
            e);
      }
      backoffMillis = Math.min(backoffMillis * 2, 500);
    }
    throw new SidecarNotReadyException(
        "sidecar at " + target + " was not SERVING within " + timeout + " (last: " + lastSeen + ")",
        lastError);
  }

  /**
   * Cancels this client's open session watches (theirs and its views': they end as if closed),
   * then shuts the connection down, waiting up to five seconds for calls in flight. A client
   * made by {@link #withTimeout(Duration)} closes nothing; one on a caller's channel that it
   * does not own cancels its watches and leaves the channel open.
   */
  @Override
  public void close() {
    if (view) {
      return;
    }
    for (OpenWatch watch : openWatches) {
      watch.close();
    }
    if (managedChannel == null) {
      return;
    }
    managedChannel.shutdown();
    try {
      if (!managedChannel.awaitTermination(5, TimeUnit.SECONDS)) {
        managedChannel.shutdownNow();
      }
    } catch (InterruptedException e) {
      managedChannel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private AuthServiceGrpc.AuthServiceBlockingStub blockingStub() {
    return AuthServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private AuthServiceGrpc.AuthServiceStub asyncStub() {
    return AuthServiceGrpc.newStub(channel).withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private <S extends AbstractStub<S>> S deadline(S stub) {
    return stub.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private CallsServiceGrpc.CallsServiceBlockingStub callsBlocking() {
    return deadline(CallsServiceGrpc.newBlockingStub(channel));
  }

  private CallsServiceGrpc.CallsServiceStub callsAsync() {
    return deadline(CallsServiceGrpc.newStub(channel));
  }

  private AuthTokenServiceGrpc.AuthTokenServiceBlockingStub tokensBlocking() {
    return deadline(AuthTokenServiceGrpc.newBlockingStub(channel));
  }

  private AuthTokenServiceGrpc.AuthTokenServiceStub tokensAsync() {
    return deadline(AuthTokenServiceGrpc.newStub(channel));
  }

  private static GenerateCallTokenRequest callTokenRequest(String sessionId) {
    return GenerateCallTokenRequest.newBuilder()
        .setSessionId(Objects.requireNonNull(sessionId, "sessionId"))
        .build();
  }

  private static CallToken callTokenOf(GenerateCallTokenResponse response) {
    return new CallToken(response.getCallToken(), response.getSessionId(), response.getUser());
  }

  private static IssueAuthTokenRequest issueRequest(String uid, IssueOptions options) {
    Objects.requireNonNull(options, "options");
    return IssueAuthTokenRequest.newBuilder()
        .setUid(Objects.requireNonNull(uid, "uid"))
        .setCreateIfMissing(options.isCreateIfMissing())
        .setName(options.name())
        .build();
  }

  private static IssuedAuthToken issuedOf(IssueAuthTokenResponse response) {
    return new IssuedAuthToken(
        response.getUid(),
        response.getAuthToken(),
        Instant.ofEpochSecond(response.getCreatedAt()),
        response.getUserCreated());
  }

  private static RevokeAuthTokenRequest revokeRequest(String uid, String authToken) {
    return RevokeAuthTokenRequest.newBuilder()
        .setUid(Objects.requireNonNull(uid, "uid"))
        .setAuthToken(Objects.requireNonNull(authToken, "authToken"))
        .build();
  }

  private static RevokeAllAuthTokensRequest revokeAllRequest(String uid) {
    return RevokeAllAuthTokensRequest.newBuilder()
        .setUid(Objects.requireNonNull(uid, "uid"))
        .build();
  }

  private static LoginRequest loginRequest(String uid, String apiKey) {
    return LoginRequest.newBuilder()
        .setUid(Objects.requireNonNull(uid, "uid"))
        .setApiKey(apiKey == null ? "" : apiKey)
        .build();
  }

  private static LoginWithTokenRequest loginWithTokenRequest(String authToken) {
    return LoginWithTokenRequest.newBuilder()
        .setAuthToken(Objects.requireNonNull(authToken, "authToken"))
        .build();
  }

  private static Optional<CallsUser> userOf(GetLoggedInUserResponse response) {
    return response.hasUser() ? Optional.of(response.getUser()) : Optional.empty();
  }

  private static <T> StreamObserver<T> observer(CompletableFuture<T> future) {
    return new StreamObserver<T>() {
      private T value;

      @Override
      public void onNext(T v) {
        value = v;
      }

      @Override
      public void onError(Throwable t) {
        future.completeExceptionally(SidecarException.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        future.complete(value);
      }
    };
  }

  private static Duration checkTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    return timeout;
  }

  /** Adds {@code authorization: Bearer <credential>} to every call. */
  private static final class BearerInterceptor implements ClientInterceptor {
    private final String headerValue;

    BearerInterceptor(String credential) {
      this.headerValue = "Bearer " + credential;
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<ReqT, RespT>(
          next.newCall(method, callOptions)) {
        @Override
        public void start(Listener<RespT> responseListener, Metadata headers) {
          headers.put(AUTHORIZATION, headerValue);
          super.start(responseListener, headers);
        }
      };
    }
  }

  /** Builds a {@link SidecarClient}. */
  public static final class Builder {
    private String target = DEFAULT_TARGET;
    private String credential = "";
    private Duration timeout = DEFAULT_TIMEOUT;
    private ChannelCredentials channelCredentials = InsecureChannelCredentials.create();
    private ManagedChannel channel;
    private boolean ownChannel;

    private Builder() {}

    /**
     * Any gRPC target string: {@code host:port} (default {@value #DEFAULT_TARGET}),
     * {@code dns:///host:port}, or {@code unix:///path/to.sock}.
     */
    public Builder target(String target) {
      Objects.requireNonNull(target, "target");
      if (target.isBlank()) {
        throw new IllegalArgumentException("target must not be blank");
      }
      this.target = target;
      return this;
    }

    /** Talks to the sidecar over the Unix domain socket at {@code path}. */
    public Builder socketPath(String path) {
      Objects.requireNonNull(path, "path");
      return target("unix://" + (path.startsWith("/") ? path : "/" + path));
    }

    /**
     * The per-app credential sent on every call as {@code authorization: Bearer
     * <credential>}. Null or empty sends none (the sidecar's dev mode).
     */
    public Builder credential(String credential) {
      this.credential = credential == null ? "" : credential.strip();
      return this;
    }

    /** The deadline each call gets (default {@link #DEFAULT_TIMEOUT}). */
    public Builder timeout(Duration timeout) {
      this.timeout = checkTimeout(timeout);
      return this;
    }

    /**
     * Transport security for the connection (default plaintext, which is what the sidecar
     * serves on loopback and on its Unix socket).
     */
    public Builder channelCredentials(ChannelCredentials channelCredentials) {
      this.channelCredentials = Objects.requireNonNull(channelCredentials, "channelCredentials");
      return this;
    }

    /**
     * Uses a channel the caller built (e.g. an in-process channel) instead of one made from
     * {@link #target(String)}. {@code closeOnClose} says whether {@link SidecarClient#close()}
     * shuts it down.
     */
    public Builder channel(ManagedChannel channel, boolean closeOnClose) {
      this.channel = Objects.requireNonNull(channel, "channel");
      this.ownChannel = closeOnClose;
      return this;
    }

    /** Creates the client. Connecting is lazy: nothing is dialled until the first call. */
    public SidecarClient build() {
      ManagedChannel base;
      boolean owned;
      String name;
      if (channel != null) {
        base = channel;
        owned = ownChannel;
        name = channel.authority();
      } else {
        base = Grpc.newChannelBuilder(target, channelCredentials).build();
        owned = true;
        name = target;
      }
      Channel intercepted =
          credential.isEmpty() ? base : ClientInterceptors.intercept(base, new BearerInterceptor(credential));
      return new SidecarClient(
          name, owned ? base : null, intercepted, timeout, ConcurrentHashMap.newKeySet(), false);
    }
  }
}
