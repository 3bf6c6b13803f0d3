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
} from "../src/gen/cometchat_sidecar/auth/v1/auth.js";

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
  loggedIn: CallsUser | undefined;
  next: { [method: string]: Answer<object> } = {};
  private pendingHangs: Array<() => void> = [];

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
      // The wrapper does not call WatchSession yet: the current state, then the end.
      watchSession: (call) => {
        this.seen.push({ method: "watchSession", authorization: call.metadata.get("authorization").map(String), request: call.request });
        call.write({ change: SessionChange.SESSION_CHANGE_CURRENT, user: this.loggedIn });
        call.end();
      },
    };
    this.server.addService(AuthServiceService, impl);
    this.health.addToServer(this.server);
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
    this.server.forceShutdown();
    return Promise.resolve();
  }
}
