export {
  AUTH_SERVICE_NAME,
  type CallOptions,
  DEFAULT_DEADLINE_MS,
  DEFAULT_READY_TIMEOUT_MS,
  DEFAULT_TARGET,
  type IssueAuthTokenOptions,
  type LoginOptions,
  SidecarClient,
  type SidecarClientOptions,
  type WaitUntilReadyOptions,
  type WatchSessionOptions,
} from "./client.js";
export { isSidecarError, SidecarError, type SidecarErrorInit, toSidecarError } from "./errors.js";
export { ServingStatus } from "./health.js";
export { type KnownReason, Reason } from "./reasons.js";
export { CallToken, IssuedAuthToken, type SessionChangeKind, type SessionEvent } from "./results.js";
export { SessionWatch } from "./watch.js";
export { type CallsUser, UserStatus } from "./gen/cometchat_sidecar/auth/v1/auth.js";
/** The generated messages and @grpc/grpc-js service definitions/stubs. */
export * as authv1 from "./gen/cometchat_sidecar/auth/v1/auth.js";
export * as callsv1 from "./gen/cometchat_sidecar/calls/v1/calls.js";
export * as tokensv1 from "./gen/cometchat_sidecar/tokens/v1/tokens.js";
