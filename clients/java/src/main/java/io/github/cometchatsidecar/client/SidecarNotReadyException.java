package io.github.cometchatsidecar.client;

import io.grpc.Status;
import java.util.Collections;

/**
 * Thrown by {@link SidecarClient#waitUntilReady(java.time.Duration)} when the sidecar's
 * health check did not answer {@code SERVING} in time. {@link #code()} is
 * {@code DEADLINE_EXCEEDED}; the message and {@link #getCause()} tell what the last
 * health check saw.
 */
public class SidecarNotReadyException extends SidecarException {
  private static final long serialVersionUID = 1L;

  SidecarNotReadyException(String message, Throwable cause) {
    super(
        Status.DEADLINE_EXCEEDED.withDescription(message),
        "",
        "",
        Collections.emptyMap(),
        null,
        cause);
  }
}
