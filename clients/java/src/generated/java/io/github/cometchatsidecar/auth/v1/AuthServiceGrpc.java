package io.github.cometchatsidecar.auth.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * AuthService logs the calling app's user in to and out of CometChat.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class AuthServiceGrpc {

  private AuthServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "cometchat_sidecar.auth.v1.AuthService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<io.github.cometchatsidecar.auth.v1.LoginRequest,
      io.github.cometchatsidecar.auth.v1.LoginResponse> getLoginMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Login",
      requestType = io.github.cometchatsidecar.auth.v1.LoginRequest.class,
      responseType = io.github.cometchatsidecar.auth.v1.LoginResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.github.cometchatsidecar.auth.v1.LoginRequest,
      io.github.cometchatsidecar.auth.v1.LoginResponse> getLoginMethod() {
    io.grpc.MethodDescriptor<io.github.cometchatsidecar.auth.v1.LoginRequest, io.github.cometchatsidecar.auth.v1.LoginResponse> getLoginMethod;
    if ((getLoginMethod = AuthServiceGrpc.getLoginMethod) == null) {
      synchronized (AuthServiceGrpc.class) {
        if ((getLoginMethod = AuthServiceGrpc.getLoginMethod) == null) {
          AuthServiceGrpc.getLoginMethod = getLoginMethod =
              io.grpc.MethodDescriptor.<io.github.cometchatsidecar.auth.v1.LoginRequest, io.github.cometchatsidecar.auth.v1.LoginResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Login"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.github.cometchatsidecar.auth.v1.LoginRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.github.cometchatsidecar.auth.v1.LoginResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AuthServiceMethodDescriptorSupplier("Login"))
              .build();
        }
      }
    }
    return getLoginMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.github.cometchatsidecar.auth.v1.LoginWithTokenRequest,
      io.github.cometchatsidecar.auth.v1.LoginWithTokenResponse> getLoginWithTokenMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "LoginWithToken",
      requestType = io.github.cometchatsidecar.auth.v1.LoginWithTokenRequest.class,
      responseType = io.github.cometchatsidecar.auth.v1.LoginWithTokenResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.github.cometchatsidecar.auth.v1.LoginWithTokenRequest,
      io.github.cometchatsidecar.auth.v1.LoginWithTokenResponse> getLoginWithTokenMethod() {
    io.grpc.MethodDescriptor<io.github.cometchatsidecar.auth.v1.LoginWithTokenRequest, io.github.cometchatsidecar.auth.v1.LoginWithTokenResponse> getLoginWithTokenMethod;
    if ((getLoginWithTokenMethod = AuthServiceGrpc.getLoginWithTokenMethod) == null) {
      synchronized (AuthServiceGrpc.class) {
        if ((getLoginWithTokenMethod = AuthServiceGrpc.getLoginWithTokenMethod) == null) {
          AuthServiceGrpc.getLoginWithTokenMethod = getLoginWithTokenMethod =
              io.grpc.MethodDescriptor.<io.github.cometchatsidecar.auth.v1.LoginWithTokenRequest, io.github.cometchatsidecar.auth.v1.LoginWithTokenResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "LoginWithToken"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.github.cometchatsidecar.auth.v1.LoginWithTokenRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.github.cometchatsidecar.auth.v1.LoginWithTokenResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AuthServiceMethodDescriptorSupplier("LoginWithToken"))
              .build();
        }
      }
    }
    return getLoginWithTokenMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.github.cometchatsidecar.auth.v1.GetLoggedInUserRequest,
      io.github.cometchatsidecar.auth.v1.GetLoggedInUserResponse> getGetLoggedInUserMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetLoggedInUser",
      requestType = io.github.cometchatsidecar.auth.v1.GetLoggedInUserRequest.class,
      responseType = io.github.cometchatsidecar.auth.v1.GetLoggedInUserResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.github.cometchatsidecar.auth.v1.GetLoggedInUserRequest,
      io.github.cometchatsidecar.auth.v1.GetLoggedInUserResponse> getGetLoggedInUserMethod() {
    io.grpc.MethodDescriptor<io.github.cometchatsidecar.auth.v1.GetLoggedInUserRequest, io.github.cometchatsidecar.auth.v1.GetLoggedInUserResponse> getGetLoggedInUserMethod;
    if ((getGetLoggedInUserMethod = AuthServiceGrpc.getGetLoggedInUserMethod) == null) {
      synchronized (AuthServiceGrpc.class) {
        if ((getGetLoggedInUserMethod = AuthServiceGrpc.getGetLoggedInUserMethod) == null) {
          AuthServiceGrpc.getGetLoggedInUserMethod = getGetLoggedInUserMethod =
              io.grpc.MethodDescriptor.<io.github.cometchatsidecar.auth.v1.GetLoggedInUserRequest, io.github.cometchatsidecar.auth.v1.GetLoggedInUserResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetLoggedInUser"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.github.cometchatsidecar.auth.v1.GetLoggedInUserRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.github.cometchatsidecar.auth.v1.GetLoggedInUserResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AuthServiceMethodDescriptorSupplier("GetLoggedInUser"))
              .build();
        }
      }
    }
    return getGetLoggedInUserMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.github.cometchatsidecar.auth.v1.LogoutRequest,
      io.github.cometchatsidecar.auth.v1.LogoutResponse> getLogoutMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Logout",
      requestType = io.github.cometchatsidecar.auth.v1.LogoutRequest.class,
      responseType = io.github.cometchatsidecar.auth.v1.LogoutResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.github.cometchatsidecar.auth.v1.LogoutRequest,
      io.github.cometchatsidecar.auth.v1.LogoutResponse> getLogoutMethod() {
    io.grpc.MethodDescriptor<io.github.cometchatsidecar.auth.v1.LogoutRequest, io.github.cometchatsidecar.auth.v1.LogoutResponse> getLogoutMethod;
    if ((getLogoutMethod = AuthServiceGrpc.getLogoutMethod) == null) {
      synchronized (AuthServiceGrpc.class) {
        if ((getLogoutMethod = AuthServiceGrpc.getLogoutMethod) == null) {
          AuthServiceGrpc.getLogoutMethod = getLogoutMethod =
              io.grpc.MethodDescriptor.<io.github.cometchatsidecar.auth.v1.LogoutRequest, io.github.cometchatsidecar.auth.v1.LogoutResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Logout"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.github.cometchatsidecar.auth.v1.LogoutRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.github.cometchatsidecar.auth.v1.LogoutResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AuthServiceMethodDescriptorSupplier("Logout"))
              .build();
        }
      }
    }
    return getLogoutMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.github.cometchatsidecar.auth.v1.WatchSessionRequest,
      io.github.cometchatsidecar.auth.v1.WatchSessionResponse> getWatchSessionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "WatchSession",
      requestType = io.github.cometchatsidecar.auth.v1.WatchSessionRequest.class,
      responseType = io.github.cometchatsidecar.auth.v1.WatchSessionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<io.github.cometchatsidecar.auth.v1.WatchSessionRequest,
      io.github.cometchatsidecar.auth.v1.WatchSessionResponse> getWatchSessionMethod() {
    io.grpc.MethodDescriptor<io.github.cometchatsidecar.auth.v1.WatchSessionRequest, io.github.cometchatsidecar.auth.v1.WatchSessionResponse> getWatchSessionMethod;
    if ((getWatchSessionMethod = AuthServiceGrpc.getWatchSessionMethod) == null) {
      synchronized (AuthServiceGrpc.class) {
        if ((getWatchSessionMethod = AuthServiceGrpc.getWatchSessionMethod) == null) {
          AuthServiceGrpc.getWatchSessionMethod = getWatchSessionMethod =
              io.grpc.MethodDescriptor.<io.github.cometchatsidecar.auth.v1.WatchSessionRequest, io.github.cometchatsidecar.auth.v1.WatchSessionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "WatchSession"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.github.cometchatsidecar.auth.v1.WatchSessionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.github.cometchatsidecar.auth.v1.WatchSessionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AuthServiceMethodDescriptorSupplier("WatchSession"))
              .build();
        }
      }
    }
    return getWatchSessionMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static AuthServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AuthServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AuthServiceStub>() {
        @java.lang.Override
        public AuthServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AuthServiceStub(channel, callOptions);
        }
      };
    return AuthServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static AuthServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AuthServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AuthServiceBlockingV2Stub>() {
        @java.lang.Override
        public AuthServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AuthServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return AuthServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static AuthServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AuthServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AuthServiceBlockingStub>() {
        @java.lang.Override
        public AuthServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AuthServiceBlockingStub(channel, callOptions);
        }
      };
    return AuthServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static AuthServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AuthServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AuthServiceFutureStub>() {
        @java.lang.Override
        public AuthServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AuthServiceFutureStub(channel, callOptions);
        }
      };
    return AuthServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * AuthService logs the calling app's user in to and out of CometChat.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Login logs a user in by UID, the way the Calls SDK's `login(uid, apiKey)`
     * does: the sidecar creates an auth token for the user with the API key,
     * then opens a CometChat session with it.
     * Validation runs first, in the Calls SDK's order, before any network call:
     * a login already running for this app (`ERROR_LOGIN_IN_PROGRESS`), an empty
     * or blank UID (`ERROR_INVALID_UID`), a UID with a space
     * (`ERROR_UID_WITH_SPACE`), no API key in the request nor held by the
     * sidecar (`ERROR_API_KEY_NOT_FOUND`).
     * If the same UID is already logged in for this app, the cached user is
     * returned with no call to CometChat. If another user is logged in, that
     * session is logged out first.
     * </pre>
     */
    default void login(io.github.cometchatsidecar.auth.v1.LoginRequest request,
        io.grpc.stub.StreamObserver<io.github.cometchatsidecar.auth.v1.LoginResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getLoginMethod(), responseObserver);
    }

    /**
     * <pre>
     * LoginWithToken logs a user in with an auth token that was created
     * elsewhere (for example by the app's backend), the way the Calls SDK's
     * `login(authToken)` does.
     * Validation: an empty or blank token (`ERROR_BLANK_AUTHTOKEN`), a token
     * with a space (`ERROR_AUTHTOKEN_WITH_SPACE`).
     * If the same token is already logged in for this app, the cached user is
     * returned with no call to CometChat. If another session is logged in, it
     * is logged out first.
     * </pre>
     */
    default void loginWithToken(io.github.cometchatsidecar.auth.v1.LoginWithTokenRequest request,
        io.grpc.stub.StreamObserver<io.github.cometchatsidecar.auth.v1.LoginWithTokenResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getLoginWithTokenMethod(), responseObserver);
    }

    /**
     * <pre>
     * GetLoggedInUser returns the user logged in for the calling app. It is
     * answered from the sidecar's own state and never calls CometChat. Nobody
     * being logged in is a normal answer (the `user` field is absent), not an
     * error.
     * </pre>
     */
    default void getLoggedInUser(io.github.cometchatsidecar.auth.v1.GetLoggedInUserRequest request,
        io.grpc.stub.StreamObserver<io.github.cometchatsidecar.auth.v1.GetLoggedInUserResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetLoggedInUserMethod(), responseObserver);
    }

    /**
     * <pre>
     * Logout ends the calling app's session. It fails with
     * `ERROR_NO_USER_LOGGED_IN` when nobody is logged in. Otherwise the sidecar
     * ends the CometChat session and clears its own state whatever CometChat
     * answers, so the app is always logged out afterwards.
     * </pre>
     */
    default void logout(io.github.cometchatsidecar.auth.v1.LogoutRequest request,
        io.grpc.stub.StreamObserver<io.github.cometchatsidecar.auth.v1.LogoutResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getLogoutMethod(), responseObserver);
    }

    /**
     * <pre>
     * WatchSession streams the calling app's session state, so the app learns of
     * a change (above all a revocation) without polling. The first message is
     * the current state (`SESSION_CHANGE_CURRENT`); then one message follows per
     * change: a user logged in, the user logged out, or the session was revoked
     * (CometChat answered that its auth token is unknown or revoked, either on
     * the sidecar's background check or on any call made with the token). Every
     * message carries the state after the change, so a watcher that misses
     * messages under load still ends at the right state.
     * The stream never calls CometChat. It ends with `OK` when the sidecar shuts
     * down; the app should then reconnect (the clients' readiness wait helps).
     * </pre>
     */
    default void watchSession(io.github.cometchatsidecar.auth.v1.WatchSessionRequest request,
        io.grpc.stub.StreamObserver<io.github.cometchatsidecar.auth.v1.WatchSessionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getWatchSessionMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service AuthService.
   * <pre>
   * AuthService logs the calling app's user in to and out of CometChat.
   * </pre>
   */
  public static abstract class AuthServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return AuthServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service AuthService.
   * <pre>
   * AuthService logs the calling app's user in to and out of CometChat.
   * </pre>
   */
  public static final class AuthServiceStub
      extends io.grpc.stub.AbstractAsyncStub<AuthServiceStub> {
    private AuthServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AuthServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AuthServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Login logs a user in by UID, the way the Calls SDK's `login(uid, apiKey)`
     * does: the sidecar creates an auth token for the user with the API key,
     * then opens a CometChat session with it.
     * Validation runs first, in the Calls SDK's order, before any network call:
     * a login already running for this app (`ERROR_LOGIN_IN_PROGRESS`), an empty
     * or blank UID (`ERROR_INVALID_UID`), a UID with a space
     * (`ERROR_UID_WITH_SPACE`), no API key in the request nor held by the
     * sidecar (`ERROR_API_KEY_NOT_FOUND`).
     * If the same UID is already logged in for this app, the cached user is
     * returned with no call to CometChat. If another user is logged in, that
     * session is logged out first.
     * </pre>
     */
    public void login(io.github.cometchatsidecar.auth.v1.LoginRequest request,
        io.grpc.stub.StreamObserver<io.github.cometchatsidecar.auth.v1.LoginResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getLoginMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * LoginWithToken logs a user in with an auth token that was created
     * elsewhere (for example by the app's backend), the way the Calls SDK's
     * `login(authToken)` does.
     * Validation: an empty or blank token (`ERROR_BLANK_AUTHTOKEN`), a token
     * with a space (`ERROR_AUTHTOKEN_WITH_SPACE`).
     * If the same token is already logged in for this app, the cached user is
     * returned with no call to CometChat. If another session is logged in, it
     * is logged out first.
     * </pre>
     */
    public void loginWithToken(io.github.cometchatsidecar.auth.v1.LoginWithTokenRequest request,
        io.grpc.stub.StreamObserver<io.github.cometchatsidecar.auth.v1.LoginWithTokenResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getLoginWithTokenMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * GetLoggedInUser returns the user logged in for the calling app. It is
     * answered from the sidecar's own state and never calls CometChat. Nobody
     * being logged in is a normal answer (the `user` field is absent), not an
     * error.
     * </pre>
     */
    public void getLoggedInUser(io.github.cometchatsidecar.auth.v1.GetLoggedInUserRequest request,
        io.grpc.stub.StreamObserver<io.github.cometchatsidecar.auth.v1.GetLoggedInUserResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetLoggedInUserMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Logout ends the calling app's session. It fails with
     * `ERROR_NO_USER_LOGGED_IN` when nobody is logged in. Otherwise the sidecar
     * ends the CometChat session and clears its own state whatever CometChat
     * answers, so the app is always logged out afterwards.
     * </pre>
     */
    public void logout(io.github.cometchatsidecar.auth.v1.LogoutRequest request,
        io.grpc.stub.StreamObserver<io.github.cometchatsidecar.auth.v1.LogoutResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getLogoutMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * WatchSession streams the calling app's session state, so the app learns of
     * a change (above all a revocation) without polling. The first message is
     * the current state (`SESSION_CHANGE_CURRENT`); then one message follows per
     * change: a user logged in, the user logged out, or the session was revoked
     * (CometChat answered that its auth token is unknown or revoked, either on
     * the sidecar's background check or on any call made with the token). Every
     * message carries the state after the change, so a watcher that misses
     * messages under load still ends at the right state.
     * The stream never calls CometChat. It ends with `OK` when the sidecar shuts
     * down; the app should then reconnect (the clients' readiness wait helps).
     * </pre>
     */
    public void watchSession(io.github.cometchatsidecar.auth.v1.WatchSessionRequest request,
        io.grpc.stub.StreamObserver<io.github.cometchatsidecar.auth.v1.WatchSessionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getWatchSessionMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service AuthService.
   * <pre>
   * AuthService logs the calling app's user in to and out of CometChat.
   * </pre>
   */
  public static final class AuthServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<AuthServiceBlockingV2Stub> {
    private AuthServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AuthServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AuthServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * Login logs a user in by UID, the way the Calls SDK's `login(uid, apiKey)`
     * does: the sidecar creates an auth token for the user with the API key,
     * then opens a CometChat session with it.
     * Validation runs first, in the Calls SDK's order, before any network call:
     * a login already running for this app (`ERROR_LOGIN_IN_PROGRESS`), an empty
     * or blank UID (`ERROR_INVALID_UID`), a UID with a space
     * (`ERROR_UID_WITH_SPACE`), no API key in the request nor held by the
     * sidecar (`ERROR_API_KEY_NOT_FOUND`).
     * If the same UID is already logged in for this app, the cached user is
     * returned with no call to CometChat. If another user is logged in, that
     * session is logged out first.
     * </pre>
     */
    public io.github.cometchatsidecar.auth.v1.LoginResponse login(io.github.cometchatsidecar.auth.v1.LoginRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getLoginMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * LoginWithToken logs a user in with an auth token that was created
     * elsewhere (for example by the app's backend), the way the Calls SDK's
     * `login(authToken)` does.
     * Validation: an empty or blank token (`ERROR_BLANK_AUTHTOKEN`), a token
     * with a space (`ERROR_AUTHTOKEN_WITH_SPACE`).
     * If the same token is already logged in for this app, the cached user is
     * returned with no call to CometChat. If another session is logged in, it
     * is logged out first.
     * </pre>
     */
    public io.github.cometchatsidecar.auth.v1.LoginWithTokenResponse loginWithToken(io.github.cometchatsidecar.auth.v1.LoginWithTokenRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getLoginWithTokenMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * GetLoggedInUser returns the user logged in for the calling app. It is
     * answered from the sidecar's own state and never calls CometChat. Nobody
     * being logged in is a normal answer (the `user` field is absent), not an
     * error.
     * </pre>
     */
    public io.github.cometchatsidecar.auth.v1.GetLoggedInUserResponse getLoggedInUser(io.github.cometchatsidecar.auth.v1.GetLoggedInUserRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetLoggedInUserMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Logout ends the calling app's session. It fails with
     * `ERROR_NO_USER_LOGGED_IN` when nobody is logged in. Otherwise the sidecar
     * ends the CometChat session and clears its own state whatever CometChat
     * answers, so the app is always logged out afterwards.
     * </pre>
     */
    public io.github.cometchatsidecar.auth.v1.LogoutResponse logout(io.github.cometchatsidecar.auth.v1.LogoutRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getLogoutMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * WatchSession streams the calling app's session state, so the app learns of
     * a change (above all a revocation) without polling. The first message is
     * the current state (`SESSION_CHANGE_CURRENT`); then one message follows per
     * change: a user logged in, the user logged out, or the session was revoked
     * (CometChat answered that its auth token is unknown or revoked, either on
     * the sidecar's background check or on any call made with the token). Every
     * message carries the state after the change, so a watcher that misses
     * messages under load still ends at the right state.
     * The stream never calls CometChat. It ends with `OK` when the sidecar shuts
     * down; the app should then reconnect (the clients' readiness wait helps).
     * </pre>
     */
    @io.grpc.ExperimentalApi("https://github.com/grpc/grpc-java/issues/10918")
    public io.grpc.stub.BlockingClientCall<?, io.github.cometchatsidecar.auth.v1.WatchSessionResponse>
        watchSession(io.github.cometchatsidecar.auth.v1.WatchSessionRequest request) {
      return io.grpc.stub.ClientCalls.blockingV2ServerStreamingCall(
          getChannel(), getWatchSessionMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service AuthService.
   * <pre>
   * AuthService logs the calling app's user in to and out of CometChat.
   * </pre>
   */
  public static final class AuthServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<AuthServiceBlockingStub> {
    private AuthServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AuthServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AuthServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Login logs a user in by UID, the way the Calls SDK's `login(uid, apiKey)`
     * does: the sidecar creates an auth token for the user with the API key,
     * then opens a CometChat session with it.
     * Validation runs first, in the Calls SDK's order, before any network call:
     * a login already running for this app (`ERROR_LOGIN_IN_PROGRESS`), an empty
     * or blank UID (`ERROR_INVALID_UID`), a UID with a space
     * (`ERROR_UID_WITH_SPACE`), no API key in the request nor held by the
     * sidecar (`ERROR_API_KEY_NOT_FOUND`).
     * If the same UID is already logged in for this app, the cached user is
     * returned with no call to CometChat. If another user is logged in, that
     * session is logged out first.
     * </pre>
     */
    public io.github.cometchatsidecar.auth.v1.LoginResponse login(io.github.cometchatsidecar.auth.v1.LoginRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getLoginMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * LoginWithToken logs a user in with an auth token that was created
     * elsewhere (for example by the app's backend), the way the Calls SDK's
     * `login(authToken)` does.
     * Validation: an empty or blank token (`ERROR_BLANK_AUTHTOKEN`), a token
     * with a space (`ERROR_AUTHTOKEN_WITH_SPACE`).
     * If the same token is already logged in for this app, the cached user is
     * returned with no call to CometChat. If another session is logged in, it
     * is logged out first.
     * </pre>
     */
    public io.github.cometchatsidecar.auth.v1.LoginWithTokenResponse loginWithToken(io.github.cometchatsidecar.auth.v1.LoginWithTokenRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getLoginWithTokenMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * GetLoggedInUser returns the user logged in for the calling app. It is
     * answered from the sidecar's own state and never calls CometChat. Nobody
     * being logged in is a normal answer (the `user` field is absent), not an
     * error.
     * </pre>
     */
    public io.github.cometchatsidecar.auth.v1.GetLoggedInUserResponse getLoggedInUser(io.github.cometchatsidecar.auth.v1.GetLoggedInUserRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetLoggedInUserMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Logout ends the calling app's session. It fails with
     * `ERROR_NO_USER_LOGGED_IN` when nobody is logged in. Otherwise the sidecar
     * ends the CometChat session and clears its own state whatever CometChat
     * answers, so the app is always logged out afterwards.
     * </pre>
     */
    public io.github.cometchatsidecar.auth.v1.LogoutResponse logout(io.github.cometchatsidecar.auth.v1.LogoutRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getLogoutMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * WatchSession streams the calling app's session state, so the app learns of
     * a change (above all a revocation) without polling. The first message is
     * the current state (`SESSION_CHANGE_CURRENT`); then one message follows per
     * change: a user logged in, the user logged out, or the session was revoked
     * (CometChat answered that its auth token is unknown or revoked, either on
     * the sidecar's background check or on any call made with the token). Every
     * message carries the state after the change, so a watcher that misses
     * messages under load still ends at the right state.
     * The stream never calls CometChat. It ends with `OK` when the sidecar shuts
     * down; the app should then reconnect (the clients' readiness wait helps).
     * </pre>
     */
    public java.util.Iterator<io.github.cometchatsidecar.auth.v1.WatchSessionResponse> watchSession(
        io.github.cometchatsidecar.auth.v1.WatchSessionRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getWatchSessionMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service AuthService.
   * <pre>
   * AuthService logs the calling app's user in to and out of CometChat.
   * </pre>
   */
  public static final class AuthServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<AuthServiceFutureStub> {
    private AuthServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AuthServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AuthServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Login logs a user in by UID, the way the Calls SDK's `login(uid, apiKey)`
     * does: the sidecar creates an auth token for the user with the API key,
     * then opens a CometChat session with it.
     * Validation runs first, in the Calls SDK's order, before any network call:
     * a login already running for this app (`ERROR_LOGIN_IN_PROGRESS`), an empty
     * or blank UID (`ERROR_INVALID_UID`), a UID with a space
     * (`ERROR_UID_WITH_SPACE`), no API key in the request nor held by the
     * sidecar (`ERROR_API_KEY_NOT_FOUND`).
     * If the same UID is already logged in for this app, the cached user is
     * returned with no call to CometChat. If another user is logged in, that
     * session is logged out first.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<io.github.cometchatsidecar.auth.v1.LoginResponse> login(
        io.github.cometchatsidecar.auth.v1.LoginRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getLoginMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * LoginWithToken logs a user in with an auth token that was created
     * elsewhere (for example by the app's backend), the way the Calls SDK's
     * `login(authToken)` does.
     * Validation: an empty or blank token (`ERROR_BLANK_AUTHTOKEN`), a token
     * with a space (`ERROR_AUTHTOKEN_WITH_SPACE`).
     * If the same token is already logged in for this app, the cached user is
     * returned with no call to CometChat. If another session is logged in, it
     * is logged out first.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<io.github.cometchatsidecar.auth.v1.LoginWithTokenResponse> loginWithToken(
        io.github.cometchatsidecar.auth.v1.LoginWithTokenRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getLoginWithTokenMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * GetLoggedInUser returns the user logged in for the calling app. It is
     * answered from the sidecar's own state and never calls CometChat. Nobody
     * being logged in is a normal answer (the `user` field is absent), not an
     * error.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<io.github.cometchatsidecar.auth.v1.GetLoggedInUserResponse> getLoggedInUser(
        io.github.cometchatsidecar.auth.v1.GetLoggedInUserRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetLoggedInUserMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Logout ends the calling app's session. It fails with
     * `ERROR_NO_USER_LOGGED_IN` when nobody is logged in. Otherwise the sidecar
     * ends the CometChat session and clears its own state whatever CometChat
     * answers, so the app is always logged out afterwards.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<io.github.cometchatsidecar.auth.v1.LogoutResponse> logout(
        io.github.cometchatsidecar.auth.v1.LogoutRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getLogoutMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_LOGIN = 0;
  private static final int METHODID_LOGIN_WITH_TOKEN = 1;
  private static final int METHODID_GET_LOGGED_IN_USER = 2;
  private static final int METHODID_LOGOUT = 3;
  private static final int METHODID_WATCH_SESSION = 4;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final AsyncService serviceImpl;
    private final int methodId;

    MethodHandlers(AsyncService serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_LOGIN:
          serviceImpl.login((io.github.cometchatsidecar.auth.v1.LoginRequest) request,
              (io.grpc.stub.StreamObserver<io.github.cometchatsidecar.auth.v1.LoginResponse>) responseObserver);
          break;
        case METHODID_LOGIN_WITH_TOKEN:
          serviceImpl.loginWithToken((io.github.cometchatsidecar.auth.v1.LoginWithTokenRequest) request,
              (io.grpc.stub.StreamObserver<io.github.cometchatsidecar.auth.v1.LoginWithTokenResponse>) responseObserver);
          break;
        case METHODID_GET_LOGGED_IN_USER:
          serviceImpl.getLoggedInUser((io.github.cometchatsidecar.auth.v1.GetLoggedInUserRequest) request,
              (io.grpc.stub.StreamObserver<io.github.cometchatsidecar.auth.v1.GetLoggedInUserResponse>) responseObserver);
          break;
        case METHODID_LOGOUT:
          serviceImpl.logout((io.github.cometchatsidecar.auth.v1.LogoutRequest) request,
              (io.grpc.stub.StreamObserver<io.github.cometchatsidecar.auth.v1.LogoutResponse>) responseObserver);
          break;
        case METHODID_WATCH_SESSION:
          serviceImpl.watchSession((io.github.cometchatsidecar.auth.v1.WatchSessionRequest) request,
              (io.grpc.stub.StreamObserver<io.github.cometchatsidecar.auth.v1.WatchSessionResponse>) responseObserver);
          break;
        default:
          throw new AssertionError();
      }
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public io.grpc.stub.StreamObserver<Req> invoke(
        io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        default:
          throw new AssertionError();
      }
    }
  }

  public static final io.grpc.ServerServiceDefinition bindService(AsyncService service) {
    return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
        .addMethod(
          getLoginMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.github.cometchatsidecar.auth.v1.LoginRequest,
              io.github.cometchatsidecar.auth.v1.LoginResponse>(
                service, METHODID_LOGIN)))
        .addMethod(
          getLoginWithTokenMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.github.cometchatsidecar.auth.v1.LoginWithTokenRequest,
              io.github.cometchatsidecar.auth.v1.LoginWithTokenResponse>(
                service, METHODID_LOGIN_WITH_TOKEN)))
        .addMethod(
          getGetLoggedInUserMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.github.cometchatsidecar.auth.v1.GetLoggedInUserRequest,
              io.github.cometchatsidecar.auth.v1.GetLoggedInUserResponse>(
                service, METHODID_GET_LOGGED_IN_USER)))
        .addMethod(
          getLogoutMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.github.cometchatsidecar.auth.v1.LogoutRequest,
              io.github.cometchatsidecar.auth.v1.LogoutResponse>(
                service, METHODID_LOGOUT)))
        .addMethod(
          getWatchSessionMethod(),
          io.grpc.stub.ServerCalls.asyncServerStreamingCall(
            new MethodHandlers<
              io.github.cometchatsidecar.auth.v1.WatchSessionRequest,
              io.github.cometchatsidecar.auth.v1.WatchSessionResponse>(
                service, METHODID_WATCH_SESSION)))
        .build();
  }

  private static abstract class AuthServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    AuthServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return io.github.cometchatsidecar.auth.v1.AuthProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("AuthService");
    }
  }

  private static final class AuthServiceFileDescriptorSupplier
      extends AuthServiceBaseDescriptorSupplier {
    AuthServiceFileDescriptorSupplier() {}
  }

  private static final class AuthServiceMethodDescriptorSupplier
      extends AuthServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    AuthServiceMethodDescriptorSupplier(java.lang.String methodName) {
      this.methodName = methodName;
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.MethodDescriptor getMethodDescriptor() {
      return getServiceDescriptor().findMethodByName(methodName);
    }
  }

  private static volatile io.grpc.ServiceDescriptor serviceDescriptor;

  public static io.grpc.ServiceDescriptor getServiceDescriptor() {
    io.grpc.ServiceDescriptor result = serviceDescriptor;
    if (result == null) {
      synchronized (AuthServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new AuthServiceFileDescriptorSupplier())
              .addMethod(getLoginMethod())
              .addMethod(getLoginWithTokenMethod())
              .addMethod(getGetLoggedInUserMethod())
              .addMethod(getLogoutMethod())
              .addMethod(getWatchSessionMethod())
              .build();
        }
      }
    }
    return result;
  }
}
