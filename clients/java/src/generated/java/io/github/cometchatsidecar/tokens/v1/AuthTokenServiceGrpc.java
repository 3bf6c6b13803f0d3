package io.github.cometchatsidecar.tokens.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * AuthTokenService creates and revokes CometChat auth tokens for the calling
 * app's users.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class AuthTokenServiceGrpc {

  private AuthTokenServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "cometchat_sidecar.tokens.v1.AuthTokenService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<io.github.cometchatsidecar.tokens.v1.IssueAuthTokenRequest,
      io.github.cometchatsidecar.tokens.v1.IssueAuthTokenResponse> getIssueAuthTokenMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "IssueAuthToken",
      requestType = io.github.cometchatsidecar.tokens.v1.IssueAuthTokenRequest.class,
      responseType = io.github.cometchatsidecar.tokens.v1.IssueAuthTokenResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.github.cometchatsidecar.tokens.v1.IssueAuthTokenRequest,
      io.github.cometchatsidecar.tokens.v1.IssueAuthTokenResponse> getIssueAuthTokenMethod() {
    io.grpc.MethodDescriptor<io.github.cometchatsidecar.tokens.v1.IssueAuthTokenRequest, io.github.cometchatsidecar.tokens.v1.IssueAuthTokenResponse> getIssueAuthTokenMethod;
    if ((getIssueAuthTokenMethod = AuthTokenServiceGrpc.getIssueAuthTokenMethod) == null) {
      synchronized (AuthTokenServiceGrpc.class) {
        if ((getIssueAuthTokenMethod = AuthTokenServiceGrpc.getIssueAuthTokenMethod) == null) {
          AuthTokenServiceGrpc.getIssueAuthTokenMethod = getIssueAuthTokenMethod =
              io.grpc.MethodDescriptor.<io.github.cometchatsidecar.tokens.v1.IssueAuthTokenRequest, io.github.cometchatsidecar.tokens.v1.IssueAuthTokenResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "IssueAuthToken"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.github.cometchatsidecar.tokens.v1.IssueAuthTokenRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.github.cometchatsidecar.tokens.v1.IssueAuthTokenResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AuthTokenServiceMethodDescriptorSupplier("IssueAuthToken"))
              .build();
        }
      }
    }
    return getIssueAuthTokenMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenRequest,
      io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenResponse> getRevokeAuthTokenMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RevokeAuthToken",
      requestType = io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenRequest.class,
      responseType = io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenRequest,
      io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenResponse> getRevokeAuthTokenMethod() {
    io.grpc.MethodDescriptor<io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenRequest, io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenResponse> getRevokeAuthTokenMethod;
    if ((getRevokeAuthTokenMethod = AuthTokenServiceGrpc.getRevokeAuthTokenMethod) == null) {
      synchronized (AuthTokenServiceGrpc.class) {
        if ((getRevokeAuthTokenMethod = AuthTokenServiceGrpc.getRevokeAuthTokenMethod) == null) {
          AuthTokenServiceGrpc.getRevokeAuthTokenMethod = getRevokeAuthTokenMethod =
              io.grpc.MethodDescriptor.<io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenRequest, io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RevokeAuthToken"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AuthTokenServiceMethodDescriptorSupplier("RevokeAuthToken"))
              .build();
        }
      }
    }
    return getRevokeAuthTokenMethod;
  }

  private static volatile io.grpc.MethodDescriptor<io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensRequest,
      io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensResponse> getRevokeAllAuthTokensMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RevokeAllAuthTokens",
      requestType = io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensRequest.class,
      responseType = io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensRequest,
      io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensResponse> getRevokeAllAuthTokensMethod() {
    io.grpc.MethodDescriptor<io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensRequest, io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensResponse> getRevokeAllAuthTokensMethod;
    if ((getRevokeAllAuthTokensMethod = AuthTokenServiceGrpc.getRevokeAllAuthTokensMethod) == null) {
      synchronized (AuthTokenServiceGrpc.class) {
        if ((getRevokeAllAuthTokensMethod = AuthTokenServiceGrpc.getRevokeAllAuthTokensMethod) == null) {
          AuthTokenServiceGrpc.getRevokeAllAuthTokensMethod = getRevokeAllAuthTokensMethod =
              io.grpc.MethodDescriptor.<io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensRequest, io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RevokeAllAuthTokens"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AuthTokenServiceMethodDescriptorSupplier("RevokeAllAuthTokens"))
              .build();
        }
      }
    }
    return getRevokeAllAuthTokensMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static AuthTokenServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AuthTokenServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AuthTokenServiceStub>() {
        @java.lang.Override
        public AuthTokenServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AuthTokenServiceStub(channel, callOptions);
        }
      };
    return AuthTokenServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static AuthTokenServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AuthTokenServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AuthTokenServiceBlockingV2Stub>() {
        @java.lang.Override
        public AuthTokenServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AuthTokenServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return AuthTokenServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static AuthTokenServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AuthTokenServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AuthTokenServiceBlockingStub>() {
        @java.lang.Override
        public AuthTokenServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AuthTokenServiceBlockingStub(channel, callOptions);
        }
      };
    return AuthTokenServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static AuthTokenServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AuthTokenServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AuthTokenServiceFutureStub>() {
        @java.lang.Override
        public AuthTokenServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AuthTokenServiceFutureStub(channel, callOptions);
        }
      };
    return AuthTokenServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * AuthTokenService creates and revokes CometChat auth tokens for the calling
   * app's users.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * IssueAuthToken creates a new auth token for `uid` (CometChat's Create
     * Auth Token API with `force: true`). With `create_if_missing`, a user
     * CometChat does not know (`ERR_UID_NOT_FOUND`) is created first, named
     * `name`; a concurrent creation of the same user is not an error.
     * Refusals: the app lacks the `issue_tokens` grant
     * (`ERROR_OPERATION_NOT_ALLOWED`), the UID is outside its `issue_uids`
     * patterns (`ERROR_UID_NOT_ALLOWED`), and the UID checks of
     * AuthService.Login (`ERROR_INVALID_UID`, `ERROR_UID_WITH_SPACE`).
     * </pre>
     */
    default void issueAuthToken(io.github.cometchatsidecar.tokens.v1.IssueAuthTokenRequest request,
        io.grpc.stub.StreamObserver<io.github.cometchatsidecar.tokens.v1.IssueAuthTokenResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getIssueAuthTokenMethod(), responseObserver);
    }

    /**
     * <pre>
     * RevokeAuthToken revokes one auth token this app issued for `uid`. A
     * token the app did not issue is refused (`ERROR_TOKEN_NOT_ISSUED_BY_APP`)
     * before any network call. The app's own session holding the token is
     * dropped and its watchers see `SESSION_CHANGE_REVOKED`.
     * </pre>
     */
    default void revokeAuthToken(io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenRequest request,
        io.grpc.stub.StreamObserver<io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRevokeAuthTokenMethod(), responseObserver);
    }

    /**
     * <pre>
     * RevokeAllAuthTokens revokes every auth token of `uid` ("log this user
     * out everywhere", for example after a password reset). Needs the app's
     * `revoke_all` grant. The app's own session of that user is dropped and its
     * watchers see `SESSION_CHANGE_REVOKED`.
     * </pre>
     */
    default void revokeAllAuthTokens(io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensRequest request,
        io.grpc.stub.StreamObserver<io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRevokeAllAuthTokensMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service AuthTokenService.
   * <pre>
   * AuthTokenService creates and revokes CometChat auth tokens for the calling
   * app's users.
   * </pre>
   */
  public static abstract class AuthTokenServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return AuthTokenServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service AuthTokenService.
   * <pre>
   * AuthTokenService creates and revokes CometChat auth tokens for the calling
   * app's users.
   * </pre>
   */
  public static final class AuthTokenServiceStub
      extends io.grpc.stub.AbstractAsyncStub<AuthTokenServiceStub> {
    private AuthTokenServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AuthTokenServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AuthTokenServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * IssueAuthToken creates a new auth token for `uid` (CometChat's Create
     * Auth Token API with `force: true`). With `create_if_missing`, a user
     * CometChat does not know (`ERR_UID_NOT_FOUND`) is created first, named
     * `name`; a concurrent creation of the same user is not an error.
     * Refusals: the app lacks the `issue_tokens` grant
     * (`ERROR_OPERATION_NOT_ALLOWED`), the UID is outside its `issue_uids`
     * patterns (`ERROR_UID_NOT_ALLOWED`), and the UID checks of
     * AuthService.Login (`ERROR_INVALID_UID`, `ERROR_UID_WITH_SPACE`).
     * </pre>
     */
    public void issueAuthToken(io.github.cometchatsidecar.tokens.v1.IssueAuthTokenRequest request,
        io.grpc.stub.StreamObserver<io.github.cometchatsidecar.tokens.v1.IssueAuthTokenResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getIssueAuthTokenMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * RevokeAuthToken revokes one auth token this app issued for `uid`. A
     * token the app did not issue is refused (`ERROR_TOKEN_NOT_ISSUED_BY_APP`)
     * before any network call. The app's own session holding the token is
     * dropped and its watchers see `SESSION_CHANGE_REVOKED`.
     * </pre>
     */
    public void revokeAuthToken(io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenRequest request,
        io.grpc.stub.StreamObserver<io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRevokeAuthTokenMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * RevokeAllAuthTokens revokes every auth token of `uid` ("log this user
     * out everywhere", for example after a password reset). Needs the app's
     * `revoke_all` grant. The app's own session of that user is dropped and its
     * watchers see `SESSION_CHANGE_REVOKED`.
     * </pre>
     */
    public void revokeAllAuthTokens(io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensRequest request,
        io.grpc.stub.StreamObserver<io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRevokeAllAuthTokensMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service AuthTokenService.
   * <pre>
   * AuthTokenService creates and revokes CometChat auth tokens for the calling
   * app's users.
   * </pre>
   */
  public static final class AuthTokenServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<AuthTokenServiceBlockingV2Stub> {
    private AuthTokenServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AuthTokenServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AuthTokenServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * IssueAuthToken creates a new auth token for `uid` (CometChat's Create
     * Auth Token API with `force: true`). With `create_if_missing`, a user
     * CometChat does not know (`ERR_UID_NOT_FOUND`) is created first, named
     * `name`; a concurrent creation of the same user is not an error.
     * Refusals: the app lacks the `issue_tokens` grant
     * (`ERROR_OPERATION_NOT_ALLOWED`), the UID is outside its `issue_uids`
     * patterns (`ERROR_UID_NOT_ALLOWED`), and the UID checks of
     * AuthService.Login (`ERROR_INVALID_UID`, `ERROR_UID_WITH_SPACE`).
     * </pre>
     */
    public io.github.cometchatsidecar.tokens.v1.IssueAuthTokenResponse issueAuthToken(io.github.cometchatsidecar.tokens.v1.IssueAuthTokenRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getIssueAuthTokenMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * RevokeAuthToken revokes one auth token this app issued for `uid`. A
     * token the app did not issue is refused (`ERROR_TOKEN_NOT_ISSUED_BY_APP`)
     * before any network call. The app's own session holding the token is
     * dropped and its watchers see `SESSION_CHANGE_REVOKED`.
     * </pre>
     */
    public io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenResponse revokeAuthToken(io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getRevokeAuthTokenMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * RevokeAllAuthTokens revokes every auth token of `uid` ("log this user
     * out everywhere", for example after a password reset). Needs the app's
     * `revoke_all` grant. The app's own session of that user is dropped and its
     * watchers see `SESSION_CHANGE_REVOKED`.
     * </pre>
     */
    public io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensResponse revokeAllAuthTokens(io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getRevokeAllAuthTokensMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service AuthTokenService.
   * <pre>
   * AuthTokenService creates and revokes CometChat auth tokens for the calling
   * app's users.
   * </pre>
   */
  public static final class AuthTokenServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<AuthTokenServiceBlockingStub> {
    private AuthTokenServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AuthTokenServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AuthTokenServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * IssueAuthToken creates a new auth token for `uid` (CometChat's Create
     * Auth Token API with `force: true`). With `create_if_missing`, a user
     * CometChat does not know (`ERR_UID_NOT_FOUND`) is created first, named
     * `name`; a concurrent creation of the same user is not an error.
     * Refusals: the app lacks the `issue_tokens` grant
     * (`ERROR_OPERATION_NOT_ALLOWED`), the UID is outside its `issue_uids`
     * patterns (`ERROR_UID_NOT_ALLOWED`), and the UID checks of
     * AuthService.Login (`ERROR_INVALID_UID`, `ERROR_UID_WITH_SPACE`).
     * </pre>
     */
    public io.github.cometchatsidecar.tokens.v1.IssueAuthTokenResponse issueAuthToken(io.github.cometchatsidecar.tokens.v1.IssueAuthTokenRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getIssueAuthTokenMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * RevokeAuthToken revokes one auth token this app issued for `uid`. A
     * token the app did not issue is refused (`ERROR_TOKEN_NOT_ISSUED_BY_APP`)
     * before any network call. The app's own session holding the token is
     * dropped and its watchers see `SESSION_CHANGE_REVOKED`.
     * </pre>
     */
    public io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenResponse revokeAuthToken(io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRevokeAuthTokenMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * RevokeAllAuthTokens revokes every auth token of `uid` ("log this user
     * out everywhere", for example after a password reset). Needs the app's
     * `revoke_all` grant. The app's own session of that user is dropped and its
     * watchers see `SESSION_CHANGE_REVOKED`.
     * </pre>
     */
    public io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensResponse revokeAllAuthTokens(io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRevokeAllAuthTokensMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service AuthTokenService.
   * <pre>
   * AuthTokenService creates and revokes CometChat auth tokens for the calling
   * app's users.
   * </pre>
   */
  public static final class AuthTokenServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<AuthTokenServiceFutureStub> {
    private AuthTokenServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AuthTokenServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AuthTokenServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * IssueAuthToken creates a new auth token for `uid` (CometChat's Create
     * Auth Token API with `force: true`). With `create_if_missing`, a user
     * CometChat does not know (`ERR_UID_NOT_FOUND`) is created first, named
     * `name`; a concurrent creation of the same user is not an error.
     * Refusals: the app lacks the `issue_tokens` grant
     * (`ERROR_OPERATION_NOT_ALLOWED`), the UID is outside its `issue_uids`
     * patterns (`ERROR_UID_NOT_ALLOWED`), and the UID checks of
     * AuthService.Login (`ERROR_INVALID_UID`, `ERROR_UID_WITH_SPACE`).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<io.github.cometchatsidecar.tokens.v1.IssueAuthTokenResponse> issueAuthToken(
        io.github.cometchatsidecar.tokens.v1.IssueAuthTokenRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getIssueAuthTokenMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * RevokeAuthToken revokes one auth token this app issued for `uid`. A
     * token the app did not issue is refused (`ERROR_TOKEN_NOT_ISSUED_BY_APP`)
     * before any network call. The app's own session holding the token is
     * dropped and its watchers see `SESSION_CHANGE_REVOKED`.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenResponse> revokeAuthToken(
        io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRevokeAuthTokenMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * RevokeAllAuthTokens revokes every auth token of `uid` ("log this user
     * out everywhere", for example after a password reset). Needs the app's
     * `revoke_all` grant. The app's own session of that user is dropped and its
     * watchers see `SESSION_CHANGE_REVOKED`.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensResponse> revokeAllAuthTokens(
        io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRevokeAllAuthTokensMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_ISSUE_AUTH_TOKEN = 0;
  private static final int METHODID_REVOKE_AUTH_TOKEN = 1;
  private static final int METHODID_REVOKE_ALL_AUTH_TOKENS = 2;

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
        case METHODID_ISSUE_AUTH_TOKEN:
          serviceImpl.issueAuthToken((io.github.cometchatsidecar.tokens.v1.IssueAuthTokenRequest) request,
              (io.grpc.stub.StreamObserver<io.github.cometchatsidecar.tokens.v1.IssueAuthTokenResponse>) responseObserver);
          break;
        case METHODID_REVOKE_AUTH_TOKEN:
          serviceImpl.revokeAuthToken((io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenRequest) request,
              (io.grpc.stub.StreamObserver<io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenResponse>) responseObserver);
          break;
        case METHODID_REVOKE_ALL_AUTH_TOKENS:
          serviceImpl.revokeAllAuthTokens((io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensRequest) request,
              (io.grpc.stub.StreamObserver<io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensResponse>) responseObserver);
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
          getIssueAuthTokenMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.github.cometchatsidecar.tokens.v1.IssueAuthTokenRequest,
              io.github.cometchatsidecar.tokens.v1.IssueAuthTokenResponse>(
                service, METHODID_ISSUE_AUTH_TOKEN)))
        .addMethod(
          getRevokeAuthTokenMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenRequest,
              io.github.cometchatsidecar.tokens.v1.RevokeAuthTokenResponse>(
                service, METHODID_REVOKE_AUTH_TOKEN)))
        .addMethod(
          getRevokeAllAuthTokensMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensRequest,
              io.github.cometchatsidecar.tokens.v1.RevokeAllAuthTokensResponse>(
                service, METHODID_REVOKE_ALL_AUTH_TOKENS)))
        .build();
  }

  private static abstract class AuthTokenServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    AuthTokenServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return io.github.cometchatsidecar.tokens.v1.TokensProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("AuthTokenService");
    }
  }

  private static final class AuthTokenServiceFileDescriptorSupplier
      extends AuthTokenServiceBaseDescriptorSupplier {
    AuthTokenServiceFileDescriptorSupplier() {}
  }

  private static final class AuthTokenServiceMethodDescriptorSupplier
      extends AuthTokenServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    AuthTokenServiceMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (AuthTokenServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new AuthTokenServiceFileDescriptorSupplier())
              .addMethod(getIssueAuthTokenMethod())
              .addMethod(getRevokeAuthTokenMethod())
              .addMethod(getRevokeAllAuthTokensMethod())
              .build();
        }
      }
    }
    return result;
  }
}
