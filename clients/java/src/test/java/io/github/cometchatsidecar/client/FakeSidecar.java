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
import io.github.cometchatsidecar.auth.v1.UserStatus;
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
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A tiny stand-in for the sidecar, served over a real gRPC server by the tests. It answers
 * the way the real one does on the wire: rich statuses with ErrorInfo/RetryInfo details,
 * UNAUTHENTICATED for a wrong credential, an absent user when nobody is logged in.
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
  private final AtomicReference<CallsUser> loggedIn = new AtomicReference<>();
  private volatile String requiredCredential = "";

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
    loggedIn.set(user);
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
    loggedIn.set(user);
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
    if (loggedIn.getAndSet(null) == null) {
      out.onError(error(Code.FAILED_PRECONDITION, "no user is logged in",
          "ERROR_NO_USER_LOGGED_IN", SidecarException.DOMAIN_SIDECAR, Map.of()));
      return;
    }
    out.onNext(LogoutResponse.getDefaultInstance());
    out.onCompleted();
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
