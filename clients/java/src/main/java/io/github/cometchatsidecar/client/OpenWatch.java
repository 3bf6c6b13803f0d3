package io.github.cometchatsidecar.client;

/** A session watch still open, which {@link SidecarClient#close()} cancels. */
interface OpenWatch extends AutoCloseable {
  /** Cancels the watch; idempotent. */
  @Override
  void close();
}
