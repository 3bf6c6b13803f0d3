package io.github.cometchatsidecar.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A failed sidecar call, decoded from the gRPC status and its rich details.
 *
 * <p>{@link #reason()} is the stable machine-readable code from the status's
 * {@code google.rpc.ErrorInfo} detail (for example {@code ERROR_UID_WITH_SPACE} or
 * {@code ERR_UID_NOT_FOUND}; see {@link Reasons}); it is the empty string when the
 * status carried no ErrorInfo (for example a transport failure or a deadline).
 * Branch on {@code reason()} rather than on the message text.
 */
public class SidecarException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** {@link #domain()} of errors produced by the sidecar and the Calls SDK's own validation. */
  public static final String DOMAIN_SIDECAR = "cometchat-sidecar";

  /** {@link #domain()} of error codes passed through from CometChat. */
  public static final String DOMAIN_COMETCHAT_API = "cometchat-api";

  private final transient Status status;
  private final String reason;
  private final String domain;
  private final Map<String, String> metadata;
  private final Duration retryDelay;

  /**
   * Creates an exception. Most code gets one from a {@link SidecarClient} call or
   * {@link #fromThrowable(Throwable)} instead.
   */
  public SidecarException(
      Status status,
      String reason,
      String domain,
      Map<String, String> metadata,
      Duration retryDelay,
      Throwable cause) {
    super(formatMessage(status, reason), cause);
    this.status = status;
    this.reason = reason == null ? "" : reason;
    this.domain = domain == null ? "" : domain;
    this.metadata =
        metadata == null
            ? Collections.emptyMap()
            : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    this.retryDelay = retryDelay;
  }

  /**
   * Decodes a gRPC failure ({@link StatusRuntimeException}, {@link StatusException}, or
   * anything whose cause chain holds one) into a SidecarException. A failure with no
   * gRPC status becomes code {@code UNKNOWN}. A status without rich details still
   * becomes a SidecarException, with an empty {@link #reason()}.
   */
  public static SidecarException fromThrowable(Throwable t) {
    if (t instanceof SidecarException) {
      return (SidecarException) t;
    }
    Status status = Status.fromThrowable(t);
    String reason = "";
    String domain = "";
    Map<String, String> metadata = Collections.emptyMap();
    Duration retryDelay = null;
    com.google.rpc.Status rich = StatusProto.fromThrowable(t);
    if (rich != null) {
      for (Any detail : rich.getDetailsList()) {
        try {
          if (detail.is(ErrorInfo.class)) {
            ErrorInfo info = detail.unpack(ErrorInfo.class);
            reason = info.getReason();
            domain = info.getDomain();
            metadata = info.getMetadataMap();
          } else if (detail.is(RetryInfo.class)) {
            com.google.protobuf.Duration d = detail.unpack(RetryInfo.class).getRetryDelay();
            retryDelay = Duration.ofSeconds(d.getSeconds(), d.getNanos());
          }
        } catch (InvalidProtocolBufferException e) {
          // A malformed detail is ignored; the status code and message still stand.
        }
      }
    }
    return new SidecarException(status, reason, domain, metadata, retryDelay, t);
  }

  /** The gRPC status code, e.g. {@code INVALID_ARGUMENT}, {@code UNAUTHENTICATED}. */
  public Status.Code code() {
    return status.getCode();
  }

  /** The full gRPC status (code, description, cause). */
  public Status status() {
    return status;
  }

  /** The status description sent by the server, or the empty string. */
  public String description() {
    return status.getDescription() == null ? "" : status.getDescription();
  }

  /** The ErrorInfo reason (stable machine code), or the empty string if none was sent. */
  public String reason() {
    return reason;
  }

  /**
   * The ErrorInfo domain: {@value #DOMAIN_SIDECAR} or {@value #DOMAIN_COMETCHAT_API}, or
   * the empty string if no ErrorInfo was sent.
   */
  public String domain() {
    return domain;
  }

  /** The ErrorInfo metadata (unmodifiable, possibly empty). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * How long to wait before retrying, from a {@code google.rpc.RetryInfo} detail. Present
   * only where the server says a retry can help.
   */
  public Optional<Duration> retryDelay() {
    return Optional.ofNullable(retryDelay);
  }

  private static String formatMessage(Status status, String reason) {
    StringBuilder sb = new StringBuilder(status.getCode().name());
    if (reason != null && !reason.isEmpty()) {
      sb.append(" [").append(reason).append(']');
    }
    if (status.getDescription() != null && !status.getDescription().isEmpty()) {
      sb.append(": ").append(status.getDescription());
    }
    return sb.toString();
  }
}
