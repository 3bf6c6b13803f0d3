package io.github.cometchatsidecar.client;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
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
import io.github.cometchatsidecar.auth.v1.SessionChange;
import io.github.cometchatsidecar.auth.v1.UserStatus;
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
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A tiny stand-in for the sidecar, served over a real gRPC server by the tests. It answers
 * the way the real one does on the wire: rich statuses with ErrorInfo/RetryInfo details,
 * UNAUTHENTICATED for a wrong credential, an absent user when nobody is logged in, session
 * changes streamed to watchers, call tokens for session ids starting with {@code app:}, and
 * auth tokens it issued ({@code token-for-<uid>}, which its loginWithToken accepts) that a
 * revocation ends the session of.
 */
final class FakeSidecar extends AuthServiceGrpc.AuthServiceImplBase {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  static final Context.Key<String> AUTH_HEADER = Context.key("authorization");

  /** Every authorization header value seen, in call order ("" for none). */
  final List<String> authHeaders = new CopyOnWriteArrayList<>();
  /** Every call's deadline as the server saw it (null for none). */
  final List<Deadline> deadlines = new CopyOnWriteArrayList<>();
  final HealthStatusManager health = new HealthStatusManager();
  /** The call token every GenerateCallToken answers: no printed form may show it. */
  static final String CALL_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzZXNzaW9uSWQiOiJhcHA6cm9vbSJ9.call-token-secret";

  private final AtomicReference<CallsUser> loggedIn = new AtomicReference<>();
  /** The auth token of the logged-in session, when it logged in with one. */
  private final AtomicReference<String> sessionToken = new AtomicReference<>();
  private volatile String requiredCredential = "";

  /** Open WatchSession streams; every send to them holds this object's lock. */
  private final Set<ServerCallStreamObserver<WatchSessionResponse>> watchers = ConcurrentHashMap.newKeySet();
  /** "cancelled" each time a client cancels a watch. */
  final BlockingQueue<String> watchCancels = new LinkedBlockingQueue<>();
  /** When set, WatchSession sends nothing (not even the current state). */
  volatile boolean holdWatch;
  /** When set, WatchSession fails with it at once. */
  volatile RuntimeException watchRefusal;
  /** Whether this app may revoke all of a user's tokens. */
  volatile boolean revokeAllGranted;
  /** The tokens this app issued and did not revoke. */
  final Set<String> issued = ConcurrentHashMap.newKeySet();
  /** The last request each of the calls and tokens services received. */
  final List<Object> requests = new CopyOnWriteArrayList<>();

  void requireCredential(String credential) {
    this.requiredCredential = credential;
  }

  /** The AuthService with the credential check, plus the health service. */
  Server addTo(io.grpc.ServerBuilder<?> builder) {
    ServerInterceptor recordAndCheck =
        new ServerInterceptor() {
          @Override
          public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
              ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
            String auth = headers.get(AUTHORIZATION);
            authHeaders.add(auth == null ? "" : auth);
            deadlines.add(Context.current().getDeadline());
            if (!requiredCredential.isEmpty()
                && !("Bearer " + requiredCredential).equals(auth)) {
              com.google.rpc.Status rich =
                  richStatus(
                      Code.UNAUTHENTICATED,
                      "unknown app credential",
                      auth == null ? "ERROR_MISSING_APP_CREDENTIAL" : "ERROR_UNKNOWN_APP_CREDENTIAL",
                      SidecarException.DOMAIN_SIDECAR,
                      Map.of());
              Status s = Status.fromCodeValue(rich.getCode()).withDescription(rich.getMessage());
              call.close(s, StatusProto.toStatusRuntimeException(rich).getTrailers());
              return new ServerCall.Listener<ReqT>() {};
            }
            return next.startCall(call, headers);
          }
        };
    return builder
        .addService(ServerInterceptors.intercept(this, recordAndCheck))
        .addService(ServerInterceptors.intercept(new Calls(), recordAndCheck))
        .addService(ServerInterceptors.intercept(new Tokens(), recordAndCheck))
        .addService(health.getHealthService())
        .build();
  }

  void setServing(ServingStatus status) {
    health.setStatus("", status);
    health.setStatus(SidecarClient.HEALTH_SERVICE, status);
  }

  @Override
  public void login(LoginRequest request, StreamObserver<LoginResponse> out) {
    String uid = request.getUid();
    if (uid.isBlank()) {
      out.onError(error(Code.INVALID_ARGUMENT, "uid is blank", "ERROR_INVALID_UID",
          SidecarException.DOMAIN_SIDECAR, Map.of()));
      return;
    }
    if (uid.contains(" ")) {
      out.onError(error(Code.INVALID_ARGUMENT, "uid has a space", "ERROR_UID_WITH_SPACE",
          SidecarException.DOMAIN_SIDECAR, Map.of("uid", uid)));
      return;
    }
    switch (uid) {
      case "missing-user":
        out.onError(error(Code.NOT_FOUND, "The UID missing-user does not exist",
            "ERR_UID_NOT_FOUND", SidecarException.DOMAIN_COMETCHAT_API,
            Map.of("uid", "missing-user")));
        return;
      case "flaky-upstream": {
        com.google.rpc.Status rich =
            richStatus(Code.UNAVAILABLE, "CometChat is unreachable", "UPSTREAM_UNAVAILABLE",
                    SidecarException.DOMAIN_SIDECAR, Map.of())
                .toBuilder()
                .addDetails(Any.pack(RetryInfo.newBuilder()
                    .setRetryDelay(com.google.protobuf.Duration.newBuilder()
                        .setSeconds(2).setNanos(500_000_000))
                    .build()))
                .build();
        out.onError(StatusProto.toStatusRuntimeException(rich));
        return;
      }
      case "plain-error":
        out.onError(Status.INTERNAL.withDescription("no details here").asRuntimeException());
        return;
      case "slow":
        try {
          TimeUnit.SECONDS.sleep(3);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        break;
      default:
        break;
    }
    CallsUser user = CallsUser.newBuilder()
        .setUid(uid.toLowerCase())
        .setName("Name of " + uid)
        .setStatus(UserStatus.USER_STATUS_ONLINE)
        .build();
    loggedIn(user, null);
    out.onNext(LoginResponse.newBuilder().setUser(user).build());
    out.onCompleted();
  }

  @Override
  public void loginWithToken(LoginWithTokenRequest request, StreamObserver<LoginWithTokenResponse> out) {
    String token = request.getAuthToken();
    if (token.isBlank()) {
      out.onError(error(Code.INVALID_ARGUMENT, "blank token", "ERROR_BLANK_AUTHTOKEN",
          SidecarException.DOMAIN_SIDECAR, Map.of()));
      return;
    }
    if (!token.startsWith("token-for-")) {
      out.onError(error(Code.UNAUTHENTICATED, "unknown auth token",
          "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", SidecarException.DOMAIN_COMETCHAT_API, Map.of()));
      return;
    }
    CallsUser user = CallsUser.newBuilder().setUid(token.substring("token-for-".length())).build();
    loggedIn(user, token);
    out.onNext(LoginWithTokenResponse.newBuilder().setUser(user).build());
    out.onCompleted();
  }

  @Override
  public void getLoggedInUser(GetLoggedInUserRequest request, StreamObserver<GetLoggedInUserResponse> out) {
    GetLoggedInUserResponse.Builder response = GetLoggedInUserResponse.newBuilder();
    CallsUser user = loggedIn.get();
    if (user != null) {
      response.setUser(user);
    }
    out.onNext(response.build());
    out.onCompleted();
  }

  @Override
  public void logout(LogoutRequest request, StreamObserver<LogoutResponse> out) {
    if (!endSession(SessionChange.SESSION_CHANGE_LOGGED_OUT)) {
      out.onError(error(Code.FAILED_PRECONDITION, "no user is logged in",
          "ERROR_NO_USER_LOGGED_IN", SidecarException.DOMAIN_SIDECAR, Map.of()));
      return;
    }
    out.onNext(LogoutResponse.getDefaultInstance());
    out.onCompleted();
  }

  /** A login replaces the session: LOGGED_OUT for the one before, then LOGGED_IN. */
  private synchronized void loggedIn(CallsUser user, String token) {
    if (loggedIn.getAndSet(user) != null) {
      publish(SessionChange.SESSION_CHANGE_LOGGED_OUT, null);
    }
    sessionToken.set(token);
    publish(SessionChange.SESSION_CHANGE_LOGGED_IN, user);
  }

  private synchronized boolean endSession(SessionChange change) {
    sessionToken.set(null);
    if (loggedIn.getAndSet(null) == null) {
      return false;
    }
    publish(change, null);
    return true;
  }

  @Override
  public void watchSession(WatchSessionRequest request, StreamObserver<WatchSessionResponse> out) {
    ServerCallStreamObserver<WatchSessionResponse> stream = (ServerCallStreamObserver<WatchSessionResponse>) out;
    stream.setOnCancelHandler(() -> {
      watchers.remove(stream);
      watchCancels.add("cancelled");
    });
    if (watchRefusal != null) {
      stream.onError(watchRefusal);
      return;
    }
    if (holdWatch) {
      return; // the stream stays open, silent, until the client cancels it
    }
    synchronized (this) {
      stream.onNext(message(SessionChange.SESSION_CHANGE_CURRENT, loggedIn.get()));
      watchers.add(stream);
    }
  }

  /** Sends one change to every open watch. */
  synchronized void publish(SessionChange change, CallsUser user) {
    for (ServerCallStreamObserver<WatchSessionResponse> stream : watchers) {
      stream.onNext(message(change, user));
    }
  }

  /** Ends every open watch with OK, as the sidecar does when it shuts down. */
  synchronized void endWatches() {
    for (ServerCallStreamObserver<WatchSessionResponse> stream : watchers) {
      stream.onCompleted();
    }
    watchers.clear();
  }

  /** Fails every open watch. */
  synchronized void failWatches(RuntimeException error) {
    for (ServerCallStreamObserver<WatchSessionResponse> stream : watchers) {
      stream.onError(error);
    }
    watchers.clear();
  }

  private static WatchSessionResponse message(SessionChange change, CallsUser user) {
    WatchSessionResponse.Builder message = WatchSessionResponse.newBuilder().setChange(change);
    if (user != null) {
      message.setUser(user);
    }
    return message.build();
  }

  /** CallsService: call tokens for session ids starting with "app:". */
  private final class Calls extends CallsServiceGrpc.CallsServiceImplBase {
    @Override
    public void generateCallToken(
        GenerateCallTokenRequest request, StreamObserver<GenerateCallTokenResponse> out) {
      requests.add(request);
      String sessionId = request.getSessionId();
      CallsUser user = loggedIn.get();
      if (sessionId.isBlank()) {
        out.onError(error(Code.INVALID_ARGUMENT, "Session ID cannot be empty",
            "ERROR_SESSION_ID_MISSING", SidecarException.DOMAIN_SIDECAR, Map.of()));
      } else if (user == null) {
        out.onError(error(Code.FAILED_PRECONDITION, "Auth token is required. Please login first",
            "ERROR_AUTH_TOKEN_MISSING", SidecarException.DOMAIN_SIDECAR, Map.of()));
      } else if (sessionId.equals("app:too-fast")) {
        com.google.rpc.Status rich =
            richStatus(Code.RESOURCE_EXHAUSTED, "call-token rate limit", "ERROR_CALL_TOKEN_RATE_LIMITED",
                    SidecarException.DOMAIN_SIDECAR, Map.of())
                .toBuilder()
                .addDetails(Any.pack(RetryInfo.newBuilder()
                    .setRetryDelay(com.google.protobuf.Duration.newBuilder().setNanos(200_000_000))
                    .build()))
                .build();
        out.onError(StatusProto.toStatusRuntimeException(rich));
      } else if (!sessionId.startsWith("app:")) {
        out.onError(error(Code.PERMISSION_DENIED, "session id outside the app's prefix",
            "ERROR_SESSION_ID_NOT_ALLOWED", SidecarException.DOMAIN_SIDECAR, Map.of()));
      } else {
        out.onNext(GenerateCallTokenResponse.newBuilder()
            .setCallToken(CALL_TOKEN).setSessionId(sessionId).setUser(user).build());
        out.onCompleted();
      }
    }
  }

  /** AuthTokenService: issues token-for-<uid>; any UID but "admin". */
  private final class Tokens extends AuthTokenServiceGrpc.AuthTokenServiceImplBase {
    @Override
    public void issueAuthToken(IssueAuthTokenRequest request, StreamObserver<IssueAuthTokenResponse> out) {
      requests.add(request);
      if (request.getUid().equals("admin")) {
        out.onError(error(Code.PERMISSION_DENIED, "uid not allowed for this app",
            "ERROR_UID_NOT_ALLOWED", SidecarException.DOMAIN_SIDECAR, Map.of()));
        return;
      }
      String token = "token-for-" + request.getUid().toLowerCase();
      issued.add(token);
      out.onNext(IssueAuthTokenResponse.newBuilder()
          .setUid(request.getUid().toLowerCase())
          .setAuthToken(token)
          .setCreatedAt(1_700_000_000L)
          .setUserCreated(request.getCreateIfMissing())
          .build());
      out.onCompleted();
    }

    @Override
    public void revokeAuthToken(RevokeAuthTokenRequest request, StreamObserver<RevokeAuthTokenResponse> out) {
      requests.add(request);
      if (!issued.remove(request.getAuthToken())) {
        out.onError(error(Code.PERMISSION_DENIED, "the token was not issued by this app",
            "ERROR_TOKEN_NOT_ISSUED_BY_APP", SidecarException.DOMAIN_SIDECAR, Map.of()));
        return;
      }
      int ended = 0;
      synchronized (FakeSidecar.this) {
        if (request.getAuthToken().equals(sessionToken.get())) {
          endSession(SessionChange.SESSION_CHANGE_REVOKED);
          ended = 1;
        }
      }
      out.onNext(RevokeAuthTokenResponse.newBuilder().setSessionsEnded(ended).build());
      out.onCompleted();
    }

    @Override
    public void revokeAllAuthTokens(
        RevokeAllAuthTokensRequest request, StreamObserver<RevokeAllAuthTokensResponse> out) {
      requests.add(request);
      if (!revokeAllGranted) {
        out.onError(error(Code.PERMISSION_DENIED, "revoke_all is not granted",
            "ERROR_OPERATION_NOT_ALLOWED", SidecarException.DOMAIN_SIDECAR, Map.of()));
        return;
      }
      int ended = 0;
      synchronized (FakeSidecar.this) {
        CallsUser user = loggedIn.get();
        if (user != null && user.getUid().equals(request.getUid())) {
          endSession(SessionChange.SESSION_CHANGE_REVOKED);
          ended = 1;
        }
      }
      out.onNext(RevokeAllAuthTokensResponse.newBuilder().setSessionsEnded(ended).build());
      out.onCompleted();
    }
  }

  static com.google.rpc.Status richStatus(
      Code code, String message, String reason, String domain, Map<String, String> metadata) {
    return com.google.rpc.Status.newBuilder()
        .setCode(code.getNumber())
        .setMessage(message)
        .addDetails(Any.pack(ErrorInfo.newBuilder()
            .setReason(reason).setDomain(domain).putAllMetadata(metadata).build()))
        .build();
  }

  static RuntimeException error(
      Code code, String message, String reason, String domain, Map<String, String> metadata) {
    return StatusProto.toStatusRuntimeException(richStatus(code, message, reason, domain, metadata));
  }
}
