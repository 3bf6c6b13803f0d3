export {
  AUTH_SERVICE_NAME,
  type CallOptions,
  DEFAULT_DEADLINE_MS,
  DEFAULT_READY_TIMEOUT_MS,
  DEFAULT_TARGET,
  type LoginOptions,
  SidecarClient,
  type SidecarClientOptions,
  type WaitUntilReadyOptions,
} from "./client.js";
export { isSidecarError, SidecarError, type SidecarErrorInit, toSidecarError } from "./errors.js";
export { ServingStatus } from "./health.js";
export { type CallsUser, UserStatus } from "./gen/cometchat_sidecar/auth/v1/auth.js";
/** The generated messages and @grpc/grpc-js service definition/stub. */
export * as authv1 from "./gen/cometchat_sidecar/auth/v1/auth.js";
