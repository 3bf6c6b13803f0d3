import { Metadata, status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import {
  anyTypeName,
  decodeErrorInfo,
  decodeRetryInfo,
  decodeRpcStatus,
  ERROR_INFO_TYPE,
  RETRY_INFO_TYPE,
} from "./rpc-status.js";

const STATUS_DETAILS_KEY = "grpc-status-details-bin";

/** Fields a SidecarError is built from. */
export interface SidecarErrorInit {
  code: GrpcStatus;
  details: string;
  reason?: string;
  domain?: string;
  metadata?: Record<string, string>;
  retryDelayMs?: number;
  cause?: unknown;
}

/**
 * A failed sidecar call. `reason` is the stable machine-readable code from the
 * `google.rpc.ErrorInfo` detail (for example `ERROR_UID_WITH_SPACE`), or `""`
 * when the status carried no ErrorInfo (transport failures, deadlines, ...).
 * Branch on `reason` first and on the gRPC `code` second.
 */
export class SidecarError extends Error {
  /** The gRPC status code (compare with `status` from @grpc/grpc-js). */
  readonly code: GrpcStatus;
  /** The gRPC status code's name, e.g. `INVALID_ARGUMENT`. */
  readonly codeName: string;
  /** ErrorInfo.reason: the stable error code; `""` when absent. */
  readonly reason: string;
  /** ErrorInfo.domain: `cometchat-sidecar` or `cometchat-api`; `""` when absent. */
  readonly domain: string;
  /** ErrorInfo.metadata; empty when absent. */
  readonly metadata: Readonly<Record<string, string>>;
  /** RetryInfo.retry_delay in milliseconds; undefined when a retry will not help. */
  readonly retryDelayMs: number | undefined;
  /** The human-readable status message the server sent. */
  readonly details: string;

  constructor(init: SidecarErrorInit) {
    const codeName = GrpcStatus[init.code] ?? `CODE_${init.code}`;
    const reason = init.reason ?? "";
    super(
      `${codeName}${reason ? ` (${reason})` : ""}: ${init.details || "no details"}`,
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.name = "SidecarError";
    this.code = init.code;
    this.codeName = codeName;
    this.reason = reason;
    this.domain = init.domain ?? "";
    this.metadata = Object.freeze({ ...(init.metadata ?? {}) });
    this.retryDelayMs = init.retryDelayMs;
    this.details = init.details;
  }

  /**
   * Builds a SidecarError from a @grpc/grpc-js ServiceError, decoding the
   * rich details in the `grpc-status-details-bin` trailer if present. Never
   * throws: undecodable details are ignored (reason stays empty).
   */
  static fromServiceError(err: ServiceError): SidecarError {
    const init: SidecarErrorInit = {
      code: err.code ?? GrpcStatus.UNKNOWN,
      details: err.details ?? err.message,
      cause: err,
    };
    const raw = err.metadata instanceof Metadata ? err.metadata.get(STATUS_DETAILS_KEY) : [];
    const bin = raw.find((v): v is Buffer => Buffer.isBuffer(v));
    if (bin !== undefined) {
      try {
        const st = decodeRpcStatus(bin);
        if (!init.details && st.message) {
          init.details = st.message;
        }
        for (const any of st.details) {
          const type = anyTypeName(any);
          if (type === ERROR_INFO_TYPE && init.reason === undefined) {
            const info = decodeErrorInfo(any.value);
            init.reason = info.reason;
            init.domain = info.domain;
            init.metadata = info.metadata;
          } else if (type === RETRY_INFO_TYPE && init.retryDelayMs === undefined) {
            init.retryDelayMs = decodeRetryInfo(any.value).retryDelayMs;
          }
        }
      } catch {
        // Malformed details: keep the plain status.
      }
    }
    return new SidecarError(init);
  }
}

/** Type guard: `err` is a SidecarError (optionally with the given reason). */
export function isSidecarError(err: unknown, reason?: string): err is SidecarError {
  return err instanceof SidecarError && (reason === undefined || err.reason === reason);
}

/** Converts anything a grpc-js call rejects with into a SidecarError. */
export function toSidecarError(err: unknown): SidecarError {
  if (err instanceof SidecarError) {
    return err;
  }
  if (err instanceof Error && typeof (err as Partial<ServiceError>).code === "number") {
    return SidecarError.fromServiceError(err as ServiceError);
  }
  return new SidecarError({
    code: GrpcStatus.UNKNOWN,
    details: err instanceof Error ? err.message : String(err),
    cause: err,
  });
}
