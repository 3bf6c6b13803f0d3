// A tiny in-process stand-in for the sidecar, for offline tests of the real
// SidecarClient: it serves the generated AuthService definition and the
// standard health service (from grpc-health-check), and answers with
// whatever each test scripts, including rich google.rpc.Status errors.
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import {
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import { HealthImplementation, type ServingStatus } from "grpc-health-check";
import {
  AuthServiceService,
  type AuthServiceServer,
  type CallsUser,
  SessionChange,
  type WatchSessionRequest,
  type WatchSessionResponse,
} from "../src/gen/cometchat_sidecar/auth/v1/auth.js";
import { CallsServiceService, type CallsServiceServer } from "../src/gen/cometchat_sidecar/calls/v1/calls.js";
import {
  AuthTokenServiceService,
  type AuthTokenServiceServer,
} from "../src/gen/cometchat_sidecar/tokens/v1/tokens.js";

/** What a scripted handler may answer: a value or a gRPC error. */
export type Answer<T> = T | ServiceError | "hang";

export interface RichError {
  code: status;
  message: string;
  errorInfo?: { reason: string; domain: string; metadata?: Record<string, string> };
  retryDelay?: { seconds: number; nanos: number };
  /** Extra raw Any details (type URL, bytes) to put before the known ones. */
  extraDetails?: Array<[string, Uint8Array]>;
}

function encodeAny(w: BinaryWriter, typeName: string, value: Uint8Array): void {
  w.tag(3, WireType.LengthDelimited).fork();
  w.tag(1, WireType.LengthDelimited).string(`type.googleapis.com/${typeName}`);
  w.tag(2, WireType.LengthDelimited).bytes(value);
  w.join();
}

/** Serializes a google.rpc.Status the way a server would. */
export function encodeRichStatus(e: RichError): Buffer {
  const w = new BinaryWriter();
  w.tag(1, WireType.Varint).int32(e.code);
  w.tag(2, WireType.LengthDelimited).string(e.message);
  for (const [type, bytes] of e.extraDetails ?? []) {
    encodeAny(w, type, bytes);
  }
  if (e.errorInfo) {
    const ei = new BinaryWriter();
    ei.tag(1, WireType.LengthDelimited).string(e.errorInfo.reason);
    ei.tag(2, WireType.LengthDelimited).string(e.errorInfo.domain);
    for (const [k, v] of Object.entries(e.errorInfo.metadata ?? {})) {
      ei.tag(3, WireType.LengthDelimited).fork();
      ei.tag(1, WireType.LengthDelimited).string(k);
      ei.tag(2, WireType.LengthDelimited).string(v);
      ei.join();
    }
    encodeAny(w, "google.rpc.ErrorInfo", ei.finish());
  }
  if (e.retryDelay) {
    const ri = new BinaryWriter();
    ri.tag(1, WireType.LengthDelimited).fork();
    ri.tag(1, WireType.Varint).int64(e.retryDelay.seconds);
    ri.tag(2, WireType.Varint).int32(e.retryDelay.nanos);
    ri.join();
    encodeAny(w, "google.rpc.RetryInfo", ri.finish());
  }
  return Buffer.from(w.finish());
}

/** A grpc-js server error carrying a rich status in its trailers. */
export function richError(e: RichError): ServiceError {
  const md = new Metadata();
  md.set("grpc-status-details-bin", encodeRichStatus(e));
  return Object.assign(new Error(e.message), { code: e.code, details: e.message, metadata: md });
}

/** A grpc-js server error with no rich details. */
export function plainError(code: status, message: string): ServiceError {
  return Object.assign(new Error(message), { code, details: message, metadata: new Metadata() });
}

/** A refusal of the sidecar's own (domain cometchat-sidecar). */
function refusal(code: status, reason: string): ServiceError {
  return richError({ code, message: `refused: ${reason}`, errorInfo: { reason, domain: "cometchat-sidecar" } });
}

export interface Seen {
  method: string;
  authorization: string[];
  request: unknown;
}

export class FakeSidecar {
  readonly server = new Server();
  readonly health = new HealthImplementation({
    "": "SERVING",
    "cometchat_sidecar.auth.v1.AuthService": "SERVING",
  });
  readonly seen: Seen[] = [];
  /** When set, AuthService calls without `authorization: Bearer <this>` are UNAUTHENTICATED. */
  requiredCredential: string | undefined;
  private user: CallsUser | undefined;
  next: { [method: string]: Answer<object> } = {};
  /** The open WatchSession streams. */
  readonly watchers = new Set<ServerWritableStream<WatchSessionRequest, WatchSessionResponse>>();
  /** How many WatchSession calls the client cancelled. */
  watchesCancelled = 0;
  /** The tokens IssueAuthToken gave out, with their uid. */
  readonly issued = new Map<string, string>();
  private pendingHangs: Array<() => void> = [];

  get loggedIn(): CallsUser | undefined {
    return this.user;
  }

  set loggedIn(user: CallsUser | undefined) {
    this.publish(user ? SessionChange.SESSION_CHANGE_LOGGED_IN : SessionChange.SESSION_CHANGE_LOGGED_OUT, user);
  }

  /** Sets the session and tells every watcher, as the sidecar's watcher hub does. */
  publish(change: SessionChange, user: CallsUser | undefined): void {
    this.user = user;
    for (const watcher of this.watchers) {
      watcher.write({ change, user });
    }
  }

  /** Ends every watch: with OK (as at a shutdown) or with `error`. */
  endWatches(error?: ServiceError): void {
    for (const watcher of this.watchers) {
      if (error) {
        watcher.emit("error", error);
      } else {
        watcher.end();
      }
    }
    this.watchers.clear();
  }

  constructor() {
    const impl: AuthServiceServer = {
      login: (call, cb) =>
        this.handle("login", call, cb, () => {
          this.loggedIn = { uid: call.request.uid, name: `User ${call.request.uid}`, avatar: "", status: 1 };
          return { user: this.loggedIn };
        }),
      loginWithToken: (call, cb) =>
        this.handle("loginWithToken", call, cb, () => {
          this.loggedIn = { uid: `for-${call.request.authToken}`, name: "T", avatar: "", status: 2 };
          return { user: this.loggedIn };
        }),
      getLoggedInUser: (call, cb) =>
        this.handle("getLoggedInUser", call, cb, () => ({ user: this.loggedIn })),
      logout: (call, cb) =>
        this.handle("logout", call, cb, () => {
          if (!this.loggedIn) {
            throw richError({
              code: status.FAILED_PRECONDITION,
              message: "no user is logged in",
              errorInfo: { reason: "ERROR_NO_USER_LOGGED_IN", domain: "cometchat-sidecar" },
            });
          }
          this.loggedIn = undefined;
          return {};
        }),
      watchSession: (call) => {
        const authorization = call.metadata.get("authorization").map(String);
        this.seen.push({ method: "watchSession", authorization, request: call.request });
        if (this.requiredCredential !== undefined && authorization[0] !== `Bearer ${this.requiredCredential}`) {
          call.emit("error", plainError(status.UNAUTHENTICATED, "missing or unknown caller credential"));
          return;
        }
        this.watchers.add(call);
        call.on("cancelled", () => {
          this.watchesCancelled += 1;
          this.watchers.delete(call);
        });
        call.write({ change: SessionChange.SESSION_CHANGE_CURRENT, user: this.loggedIn });
      },
    };
    const calls: CallsServiceServer = {
      generateCallToken: (call, cb) =>
        this.handle("generateCallToken", call, cb, () => {
          const { sessionId } = call.request;
          if (!sessionId.trim()) {
            throw refusal(status.INVALID_ARGUMENT, "ERROR_SESSION_ID_MISSING");
          }
          if (!this.loggedIn) {
            throw refusal(status.FAILED_PRECONDITION, "ERROR_AUTH_TOKEN_MISSING");
          }
          if (!sessionId.startsWith("app:")) {
            throw refusal(status.PERMISSION_DENIED, "ERROR_SESSION_ID_NOT_ALLOWED");
          }
          return { callToken: `call-token-for-${sessionId}`, sessionId, user: this.loggedIn };
        }),
    };
    const tokens: AuthTokenServiceServer = {
      issueAuthToken: (call, cb) =>
        this.handle("issueAuthToken", call, cb, () => {
          const { uid, createIfMissing, name } = call.request;
          if (!uid.startsWith("cust-")) {
            throw refusal(status.PERMISSION_DENIED, "ERROR_UID_NOT_ALLOWED");
          }
          const authToken = `${uid}_issued${this.issued.size}-${name || uid}`;
          this.issued.set(authToken, uid);
          return { uid, authToken, createdAt: 1_700_000_000, userCreated: createIfMissing };
        }),
      revokeAuthToken: (call, cb) =>
        this.handle("revokeAuthToken", call, cb, () => {
          const { uid, authToken } = call.request;
          if (this.issued.get(authToken) !== uid) {
            throw refusal(status.PERMISSION_DENIED, "ERROR_TOKEN_NOT_ISSUED_BY_APP");
          }
          this.issued.delete(authToken);
          return { sessionsEnded: this.endSessionOf(uid) };
        }),
      revokeAllAuthTokens: (call, cb) =>
        this.handle("revokeAllAuthTokens", call, cb, () => ({ sessionsEnded: this.endSessionOf(call.request.uid) })),
    };
    this.server.addService(AuthServiceService, impl);
    this.server.addService(CallsServiceService, calls);
    this.server.addService(AuthTokenServiceService, tokens);
    this.health.addToServer(this.server);
  }

  private endSessionOf(uid: string): number {
    if (this.loggedIn?.uid !== uid) {
      return 0;
    }
    this.publish(SessionChange.SESSION_CHANGE_REVOKED, undefined);
    return 1;
  }

  setHealth(service: string, s: ServingStatus): void {
    this.health.setStatus(service, s);
  }

  private handle<Req, Res>(
    method: string,
    call: ServerUnaryCall<Req, Res>,
    cb: sendUnaryData<Res>,
    normal: () => Res,
  ): void {
    const authorization = call.metadata.get("authorization").map(String);
    this.seen.push({ method, authorization, request: call.request });
    if (this.requiredCredential !== undefined && authorization[0] !== `Bearer ${this.requiredCredential}`) {
      cb(plainError(status.UNAUTHENTICATED, "missing or unknown caller credential"));
      return;
    }
    const scripted = this.next[method];
    if (scripted !== undefined) {
      delete this.next[method];
      if (scripted === "hang") {
        // Never answer; the client's deadline must end the call.
        this.pendingHangs.push(() => cb(plainError(status.ABORTED, "shutting down")));
        return;
      }
      if (scripted instanceof Error) {
        cb(scripted as ServiceError);
      } else {
        cb(null, scripted as Res);
      }
      return;
    }
    try {
      cb(null, normal());
    } catch (err) {
      cb(err as ServiceError);
    }
  }

  /** Binds to `address` (e.g. "127.0.0.1:0" or "unix:///tmp/x.sock"); resolves with the port. */
  listen(address = "127.0.0.1:0"): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      );
    });
  }

  stop(): Promise<void> {
    for (const release of this.pendingHangs.splice(0)) {
      release();
    }
    this.endWatches();
    this.server.forceShutdown();
    return Promise.resolve();
  }
}
