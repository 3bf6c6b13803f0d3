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
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Client for the CometChat auth sidecar ({@code cometchat_sidecar.auth.v1.AuthService}).
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
 * otherwise). Every failure is a {@link SidecarException} carrying the gRPC code and the
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

  private SidecarClient(
      String target, ManagedChannel managedChannel, Channel channel, Duration timeout) {
    this.target = target;
    this.managedChannel = managedChannel;
    this.channel = channel;
    this.timeout = timeout;
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
    return new SidecarClient(target, null, channel, checkTimeout(timeout));
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
   * Shuts the connection down, waiting up to five seconds for calls in flight. A client made
   * by {@link #withTimeout(Duration)} or on a caller's channel closes nothing.
   */
  @Override
  public void close() {
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
      return new SidecarClient(name, owned ? base : null, intercepted, timeout);
    }
  }
}
