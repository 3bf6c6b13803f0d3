package io.github.cometchatsidecar.calls.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * CallsService issues call tokens for the calling app's logged-in session.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class CallsServiceGrpc {

  private CallsServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "cometchat_sidecar.calls.v1.CallsService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<io.github.cometchatsidecar.calls.v1.GenerateCallTokenRequest,
      io.github.cometchatsidecar.calls.v1.GenerateCallTokenResponse> getGenerateCallTokenMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GenerateCallToken",
      requestType = io.github.cometchatsidecar.calls.v1.GenerateCallTokenRequest.class,
      responseType = io.github.cometchatsidecar.calls.v1.GenerateCallTokenResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<io.github.cometchatsidecar.calls.v1.GenerateCallTokenRequest,
      io.github.cometchatsidecar.calls.v1.GenerateCallTokenResponse> getGenerateCallTokenMethod() {
    io.grpc.MethodDescriptor<io.github.cometchatsidecar.calls.v1.GenerateCallTokenRequest, io.github.cometchatsidecar.calls.v1.GenerateCallTokenResponse> getGenerateCallTokenMethod;
    if ((getGenerateCallTokenMethod = CallsServiceGrpc.getGenerateCallTokenMethod) == null) {
      synchronized (CallsServiceGrpc.class) {
        if ((getGenerateCallTokenMethod = CallsServiceGrpc.getGenerateCallTokenMethod) == null) {
          CallsServiceGrpc.getGenerateCallTokenMethod = getGenerateCallTokenMethod =
              io.grpc.MethodDescriptor.<io.github.cometchatsidecar.calls.v1.GenerateCallTokenRequest, io.github.cometchatsidecar.calls.v1.GenerateCallTokenResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GenerateCallToken"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.github.cometchatsidecar.calls.v1.GenerateCallTokenRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  io.github.cometchatsidecar.calls.v1.GenerateCallTokenResponse.getDefaultInstance()))
              .setSchemaDescriptor(new CallsServiceMethodDescriptorSupplier("GenerateCallToken"))
              .build();
        }
      }
    }
    return getGenerateCallTokenMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static CallsServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<CallsServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<CallsServiceStub>() {
        @java.lang.Override
        public CallsServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new CallsServiceStub(channel, callOptions);
        }
      };
    return CallsServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static CallsServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<CallsServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<CallsServiceBlockingV2Stub>() {
        @java.lang.Override
        public CallsServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new CallsServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return CallsServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static CallsServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<CallsServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<CallsServiceBlockingStub>() {
        @java.lang.Override
        public CallsServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new CallsServiceBlockingStub(channel, callOptions);
        }
      };
    return CallsServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static CallsServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<CallsServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<CallsServiceFutureStub>() {
        @java.lang.Override
        public CallsServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new CallsServiceFutureStub(channel, callOptions);
        }
      };
    return CallsServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * CallsService issues call tokens for the calling app's logged-in session.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * GenerateCallToken returns a call token for the call session
     * `session_id`, made with the auth token of the user logged in for the
     * calling app, the way the Calls SDK's `generateToken(sessionId)` does.
     * Checks run in the Calls SDK's order, then the sidecar's own, all before
     * any network call: an empty or blank session id
     * (`ERROR_SESSION_ID_MISSING`), nobody logged in for the app
     * (`ERROR_AUTH_TOKEN_MISSING`), a session id longer than 255 characters or
     * outside `[A-Za-z0-9._:-]` (`ERROR_INVALID_SESSION_ID`), a session id
     * outside the app's allowed prefix (`ERROR_SESSION_ID_NOT_ALLOWED`), the
     * app's call-token rate (`ERROR_CALL_TOKEN_RATE_LIMITED`, with RetryInfo).
     * When CometChat answers that the auth token is unknown
     * (`AUTH_ERR_AUTH_TOKEN_NOT_FOUND`), the session was revoked: the sidecar
     * drops it and WatchSession streams see `SESSION_CHANGE_REVOKED`.
     * A call token is a secret: it probably carries the user's auth token in
     * its payload. Call tokens are never cached nor shared between apps.
     * </pre>
     */
    default void generateCallToken(io.github.cometchatsidecar.calls.v1.GenerateCallTokenRequest request,
        io.grpc.stub.StreamObserver<io.github.cometchatsidecar.calls.v1.GenerateCallTokenResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGenerateCallTokenMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service CallsService.
   * <pre>
   * CallsService issues call tokens for the calling app's logged-in session.
   * </pre>
   */
  public static abstract class CallsServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return CallsServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service CallsService.
   * <pre>
   * CallsService issues call tokens for the calling app's logged-in session.
   * </pre>
   */
  public static final class CallsServiceStub
      extends io.grpc.stub.AbstractAsyncStub<CallsServiceStub> {
    private CallsServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected CallsServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new CallsServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * GenerateCallToken returns a call token for the call session
     * `session_id`, made with the auth token of the user logged in for the
     * calling app, the way the Calls SDK's `generateToken(sessionId)` does.
     * Checks run in the Calls SDK's order, then the sidecar's own, all before
     * any network call: an empty or blank session id
     * (`ERROR_SESSION_ID_MISSING`), nobody logged in for the app
     * (`ERROR_AUTH_TOKEN_MISSING`), a session id longer than 255 characters or
     * outside `[A-Za-z0-9._:-]` (`ERROR_INVALID_SESSION_ID`), a session id
     * outside the app's allowed prefix (`ERROR_SESSION_ID_NOT_ALLOWED`), the
     * app's call-token rate (`ERROR_CALL_TOKEN_RATE_LIMITED`, with RetryInfo).
     * When CometChat answers that the auth token is unknown
     * (`AUTH_ERR_AUTH_TOKEN_NOT_FOUND`), the session was revoked: the sidecar
     * drops it and WatchSession streams see `SESSION_CHANGE_REVOKED`.
     * A call token is a secret: it probably carries the user's auth token in
     * its payload. Call tokens are never cached nor shared between apps.
     * </pre>
     */
    public void generateCallToken(io.github.cometchatsidecar.calls.v1.GenerateCallTokenRequest request,
        io.grpc.stub.StreamObserver<io.github.cometchatsidecar.calls.v1.GenerateCallTokenResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGenerateCallTokenMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service CallsService.
   * <pre>
   * CallsService issues call tokens for the calling app's logged-in session.
   * </pre>
   */
  public static final class CallsServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<CallsServiceBlockingV2Stub> {
    private CallsServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected CallsServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new CallsServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * GenerateCallToken returns a call token for the call session
     * `session_id`, made with the auth token of the user logged in for the
     * calling app, the way the Calls SDK's `generateToken(sessionId)` does.
     * Checks run in the Calls SDK's order, then the sidecar's own, all before
     * any network call: an empty or blank session id
     * (`ERROR_SESSION_ID_MISSING`), nobody logged in for the app
     * (`ERROR_AUTH_TOKEN_MISSING`), a session id longer than 255 characters or
     * outside `[A-Za-z0-9._:-]` (`ERROR_INVALID_SESSION_ID`), a session id
     * outside the app's allowed prefix (`ERROR_SESSION_ID_NOT_ALLOWED`), the
     * app's call-token rate (`ERROR_CALL_TOKEN_RATE_LIMITED`, with RetryInfo).
     * When CometChat answers that the auth token is unknown
     * (`AUTH_ERR_AUTH_TOKEN_NOT_FOUND`), the session was revoked: the sidecar
     * drops it and WatchSession streams see `SESSION_CHANGE_REVOKED`.
     * A call token is a secret: it probably carries the user's auth token in
     * its payload. Call tokens are never cached nor shared between apps.
     * </pre>
     */
    public io.github.cometchatsidecar.calls.v1.GenerateCallTokenResponse generateCallToken(io.github.cometchatsidecar.calls.v1.GenerateCallTokenRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGenerateCallTokenMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service CallsService.
   * <pre>
   * CallsService issues call tokens for the calling app's logged-in session.
   * </pre>
   */
  public static final class CallsServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<CallsServiceBlockingStub> {
    private CallsServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected CallsServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new CallsServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * GenerateCallToken returns a call token for the call session
     * `session_id`, made with the auth token of the user logged in for the
     * calling app, the way the Calls SDK's `generateToken(sessionId)` does.
     * Checks run in the Calls SDK's order, then the sidecar's own, all before
     * any network call: an empty or blank session id
     * (`ERROR_SESSION_ID_MISSING`), nobody logged in for the app
     * (`ERROR_AUTH_TOKEN_MISSING`), a session id longer than 255 characters or
     * outside `[A-Za-z0-9._:-]` (`ERROR_INVALID_SESSION_ID`), a session id
     * outside the app's allowed prefix (`ERROR_SESSION_ID_NOT_ALLOWED`), the
     * app's call-token rate (`ERROR_CALL_TOKEN_RATE_LIMITED`, with RetryInfo).
     * When CometChat answers that the auth token is unknown
     * (`AUTH_ERR_AUTH_TOKEN_NOT_FOUND`), the session was revoked: the sidecar
     * drops it and WatchSession streams see `SESSION_CHANGE_REVOKED`.
     * A call token is a secret: it probably carries the user's auth token in
     * its payload. Call tokens are never cached nor shared between apps.
     * </pre>
     */
    public io.github.cometchatsidecar.calls.v1.GenerateCallTokenResponse generateCallToken(io.github.cometchatsidecar.calls.v1.GenerateCallTokenRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGenerateCallTokenMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service CallsService.
   * <pre>
   * CallsService issues call tokens for the calling app's logged-in session.
   * </pre>
   */
  public static final class CallsServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<CallsServiceFutureStub> {
    private CallsServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected CallsServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new CallsServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * GenerateCallToken returns a call token for the call session
     * `session_id`, made with the auth token of the user logged in for the
     * calling app, the way the Calls SDK's `generateToken(sessionId)` does.
     * Checks run in the Calls SDK's order, then the sidecar's own, all before
     * any network call: an empty or blank session id
     * (`ERROR_SESSION_ID_MISSING`), nobody logged in for the app
     * (`ERROR_AUTH_TOKEN_MISSING`), a session id longer than 255 characters or
     * outside `[A-Za-z0-9._:-]` (`ERROR_INVALID_SESSION_ID`), a session id
     * outside the app's allowed prefix (`ERROR_SESSION_ID_NOT_ALLOWED`), the
     * app's call-token rate (`ERROR_CALL_TOKEN_RATE_LIMITED`, with RetryInfo).
     * When CometChat answers that the auth token is unknown
     * (`AUTH_ERR_AUTH_TOKEN_NOT_FOUND`), the session was revoked: the sidecar
     * drops it and WatchSession streams see `SESSION_CHANGE_REVOKED`.
     * A call token is a secret: it probably carries the user's auth token in
     * its payload. Call tokens are never cached nor shared between apps.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<io.github.cometchatsidecar.calls.v1.GenerateCallTokenResponse> generateCallToken(
        io.github.cometchatsidecar.calls.v1.GenerateCallTokenRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGenerateCallTokenMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_GENERATE_CALL_TOKEN = 0;

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
        case METHODID_GENERATE_CALL_TOKEN:
          serviceImpl.generateCallToken((io.github.cometchatsidecar.calls.v1.GenerateCallTokenRequest) request,
              (io.grpc.stub.StreamObserver<io.github.cometchatsidecar.calls.v1.GenerateCallTokenResponse>) responseObserver);
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
          getGenerateCallTokenMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              io.github.cometchatsidecar.calls.v1.GenerateCallTokenRequest,
              io.github.cometchatsidecar.calls.v1.GenerateCallTokenResponse>(
                service, METHODID_GENERATE_CALL_TOKEN)))
        .build();
  }

  private static abstract class CallsServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    CallsServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return io.github.cometchatsidecar.calls.v1.CallsProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("CallsService");
    }
  }

  private static final class CallsServiceFileDescriptorSupplier
      extends CallsServiceBaseDescriptorSupplier {
    CallsServiceFileDescriptorSupplier() {}
  }

  private static final class CallsServiceMethodDescriptorSupplier
      extends CallsServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    CallsServiceMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (CallsServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new CallsServiceFileDescriptorSupplier())
              .addMethod(getGenerateCallTokenMethod())
              .build();
        }
      }
    }
    return result;
  }
}
