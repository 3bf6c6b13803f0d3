import {
  type CallOptions as GrpcCallOptions,
  type ChannelOptions,
  type ClientReadableStream,
  type ClientUnaryCall,
  credentials as grpcCredentials,
  type ChannelCredentials,
  InterceptingCall,
  type Interceptor,
  Metadata,
  type ServiceError,
  status as GrpcStatus,
} from "@grpc/grpc-js";
import { toSidecarError, SidecarError } from "./errors.js";
import {
  AuthServiceClient,
  type CallsUser,
  type GetLoggedInUserResponse,
  type LoginResponse,
  type LoginWithTokenResponse,
  type LogoutResponse,
  type WatchSessionResponse,
} from "./gen/cometchat_sidecar/auth/v1/auth.js";
import { CallsServiceService } from "./gen/cometchat_sidecar/calls/v1/calls.js";
import { AuthTokenServiceService } from "./gen/cometchat_sidecar/tokens/v1/tokens.js";
import {
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  HEALTH_CHECK_METHOD,
  type HealthCheckRequest,
  type HealthCheckResponse,
  ServingStatus,
} from "./health.js";
import { CallToken, IssuedAuthToken } from "./results.js";
import { SessionWatch } from "./watch.js";

/** The health service name the sidecar reports for AuthService. */
export const AUTH_SERVICE_NAME = "cometchat_sidecar.auth.v1.AuthService";
/** The sidecar's default address. */
export const DEFAULT_TARGET = "127.0.0.1:50051";
/** Per-call deadline used unless the caller gives one. */
export const DEFAULT_DEADLINE_MS = 10_000;
/** How long waitUntilReady waits unless the caller gives a timeout. */
export const DEFAULT_READY_TIMEOUT_MS = 10_000;

export interface SidecarClientOptions {
  /**
   * The per-app caller credential, sent on every call as
   * `authorization: Bearer <credential>`. Leave unset (or empty) in dev mode.
   */
  credential?: string;
  /** Deadline for each call in milliseconds (default 10 000). */
  defaultDeadlineMs?: number;
  /**
   * Channel credentials. Default: plaintext, which is what the sidecar serves
   * on loopback TCP and Unix sockets.
   */
  channelCredentials?: ChannelCredentials;
  /** Extra @grpc/grpc-js channel options (merged over this client's defaults). */
  channelOptions?: ChannelOptions;
}

export interface CallOptions {
  /** Deadline for this call in milliseconds (overrides defaultDeadlineMs). */
  deadlineMs?: number;
  /** Cancels the call; it then fails with a SidecarError of code CANCELLED. */
  signal?: AbortSignal;
}

export interface LoginOptions extends CallOptions {
  /**
   * A CometChat API key to log in with. Leave unset to use the key the
   * sidecar holds (recommended: the app never sees a key).
   */
  apiKey?: string;
}

export interface IssueAuthTokenOptions extends CallOptions {
  /** Create the user first when CometChat does not know it (default false). */
  createIfMissing?: boolean;
  /** The display name of a user created by `createIfMissing` (default: the UID). */
  name?: string;
}

export interface WatchSessionOptions {
  /** Ends the watch after this many milliseconds (default: no deadline). */
  deadlineMs?: number;
  /** Ends the watch; the loop over it then rejects with a CANCELLED SidecarError. */
  signal?: AbortSignal;
}

/** A unary method of a generated service definition (its path and codecs). */
interface UnaryMethod<Req, Res> {
  readonly path: string;
  readonly requestSerialize: (value: Req) => Buffer;
  readonly responseDeserialize: (value: Buffer) => Res;
}

export interface WaitUntilReadyOptions {
  /** Give up after this many milliseconds (default 10 000). */
  timeoutMs?: number;
  /** Pause between health checks in milliseconds (default 200). */
  pollIntervalMs?: number;
  /** Health service name to check (default the AuthService's name). */
  service?: string;
  /** Stops waiting; the promise then rejects with a CANCELLED SidecarError. */
  signal?: AbortSignal;
}

function bearerInterceptor(credential: string): Interceptor {
  const value = `Bearer ${credential}`;
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set("authorization", value);
        next(metadata, listener);
      },
    });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

type Callback<T> = (err: ServiceError | null, res?: T) => void;

/**
 * A client of the CometChat auth sidecar.
 *
 * ```ts
 * const sidecar = new SidecarClient("127.0.0.1:50051", { credential: process.env.SIDECAR_APP_CREDENTIAL });
 * await sidecar.waitUntilReady();
 * const user = await sidecar.login("cometchat-uid-1");
 * sidecar.close();
 * ```
 *
 * The target is any gRPC target string: `host:port`, `dns:///host:port`,
 * `unix:///path/to.sock`. Every method rejects with a {@link SidecarError}.
 */
export class SidecarClient {
  readonly target: string;
  /** The generated @grpc/grpc-js stub, for anything the wrapper does not cover. */
  readonly stub: AuthServiceClient;
  private readonly defaultDeadlineMs: number;
  private readonly watches = new Set<SessionWatch>();
  private closed = false;

  constructor(target: string = DEFAULT_TARGET, options: SidecarClientOptions = {}) {
    this.target = target;
    this.defaultDeadlineMs = options.defaultDeadlineMs ?? DEFAULT_DEADLINE_MS;
    if (!(this.defaultDeadlineMs > 0)) {
      throw new RangeError(`defaultDeadlineMs must be > 0, got ${options.defaultDeadlineMs}`);
    }
    const interceptors: Interceptor[] = [];
    if (options.credential) {
      interceptors.push(bearerInterceptor(options.credential));
    }
    this.stub = new AuthServiceClient(
      target,
      options.channelCredentials ?? grpcCredentials.createInsecure(),
      {
        // The sidecar is local: reconnect quickly when it (re)starts.
        "grpc.initial_reconnect_backoff_ms": 100,
        "grpc.max_reconnect_backoff_ms": 2_000,
        ...options.channelOptions,
        interceptors,
      },
    );
  }

  /**
   * Logs a user in by UID. With no `apiKey` the sidecar uses the key it holds.
   * Resolves with the logged-in user.
   */
  async login(uid: string, options: LoginOptions = {}): Promise<CallsUser> {
    const res = await this.unary<LoginResponse>(options, (md, o, cb) =>
      this.stub.login({ uid, apiKey: options.apiKey ?? "" }, md, o, cb),
    );
    return this.requireUser(res.user, "Login");
  }

  /** Logs a user in with an auth token created elsewhere. */
  async loginWithToken(authToken: string, options: CallOptions = {}): Promise<CallsUser> {
    const res = await this.unary<LoginWithTokenResponse>(options, (md, o, cb) =>
      this.stub.loginWithToken({ authToken }, md, o, cb),
    );
    return this.requireUser(res.user, "LoginWithToken");
  }

  /** The user logged in for this app, or undefined when nobody is. */
  async getLoggedInUser(options: CallOptions = {}): Promise<CallsUser | undefined> {
    const res = await this.unary<GetLoggedInUserResponse>(options, (md, o, cb) =>
      this.stub.getLoggedInUser({}, md, o, cb),
    );
    return res.user;
  }

  /**
   * Ends this app's session. Rejects with reason `ERROR_NO_USER_LOGGED_IN`
   * when nobody is logged in.
   */
  async logout(options: CallOptions = {}): Promise<void> {
    await this.unary<LogoutResponse>(options, (md, o, cb) => this.stub.logout({}, md, o, cb));
  }

  /**
   * Watches this app's session: an async iterable of {@link SessionEvent}s,
   * first the current state (`CURRENT`), then one per change (`LOGGED_IN`,
   * `LOGGED_OUT`, `REVOKED`). No deadline unless `deadlineMs` is given.
   * Throws a SidecarError at once when the call cannot start (a closed client).
   *
   * ```ts
   * for await (const event of sidecar.watchSession()) {
   *   console.log(event.change, event.user?.uid);
   *   if (event.change === "REVOKED") break; // break cancels the call
   * }
   * ```
   */
  watchSession(options: WatchSessionOptions = {}): SessionWatch {
    const callOptions = options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
    let call: ClientReadableStream<WatchSessionResponse>;
    try {
      call = this.stub.watchSession({}, new Metadata(), callOptions);
    } catch (err) {
      throw toSidecarError(err); // e.g. the client was closed
    }
    const watch = new SessionWatch(call, options.signal, (ended) => this.watches.delete(ended));
    this.watches.add(watch);
    return watch;
  }

  /** A call token for call session `sessionId`, made for this app's logged-in user. */
  async generateCallToken(sessionId: string, options: CallOptions = {}): Promise<CallToken> {
    const res = await this.call(CallsServiceService.generateCallToken, { sessionId }, options);
    const user = this.requireUser(res.user, "GenerateCallToken");
    return new CallToken({ callToken: res.callToken, sessionId: res.sessionId, user });
  }

  /**
   * A new CometChat auth token for `uid` (the app needs the `issue_tokens`
   * grant). With `createIfMissing` a user CometChat does not know is created
   * first, named `name`.
   */
  async issueAuthToken(uid: string, options: IssueAuthTokenOptions = {}): Promise<IssuedAuthToken> {
    const request = { uid, createIfMissing: options.createIfMissing ?? false, name: options.name ?? "" };
    return IssuedAuthToken.fromResponse(await this.call(AuthTokenServiceService.issueAuthToken, request, options));
  }

  /**
   * Revokes one auth token this app issued for `uid`. Resolves with how many
   * of this app's sessions held it and were ended (0 or 1).
   */
  async revokeAuthToken(uid: string, authToken: string, options: CallOptions = {}): Promise<number> {
    const res = await this.call(AuthTokenServiceService.revokeAuthToken, { uid, authToken }, options);
    return res.sessionsEnded;
  }

  /**
   * Revokes every auth token of `uid` (the app needs the `revoke_all` grant).
   * Resolves with how many of this app's sessions were of this user and ended.
   */
  async revokeAllAuthTokens(uid: string, options: CallOptions = {}): Promise<number> {
    const res = await this.call(AuthTokenServiceService.revokeAllAuthTokens, { uid }, options);
    return res.sessionsEnded;
  }

  /**
   * Polls the standard gRPC health service until it reports SERVING, or
   * rejects with a SidecarError (code DEADLINE_EXCEEDED) naming the last
   * answer seen once `timeoutMs` has passed.
   */
  async waitUntilReady(options: WaitUntilReadyOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const pollMs = options.pollIntervalMs ?? 200;
    const service = options.service ?? AUTH_SERVICE_NAME;
    const giveUpAt = Date.now() + timeoutMs;
    let last = "no answer yet";
    for (;;) {
      if (options.signal?.aborted) {
        throw new SidecarError({
          code: GrpcStatus.CANCELLED,
          details: `waiting for the sidecar at ${this.target} was cancelled (last: ${last})`,
        });
      }
      const remaining = giveUpAt - Date.now();
      if (remaining <= 0) {
        throw new SidecarError({
          code: GrpcStatus.DEADLINE_EXCEEDED,
          details:
            `sidecar at ${this.target} was not SERVING (health service "${service}") ` +
            `within ${timeoutMs} ms; last: ${last}`,
        });
      }
      const attemptMs = Math.min(remaining, 2_000);
      try {
        const res = await this.checkHealth(service, { deadlineMs: attemptMs, signal: options.signal });
        if (res.status === ServingStatus.SERVING) {
          return;
        }
        last = `health status ${ServingStatus[res.status] ?? res.status}`;
      } catch (err) {
        const e = toSidecarError(err);
        // A check cut short by the end of the wait says nothing new: keep the last answer.
        const cutShort = e.code === GrpcStatus.DEADLINE_EXCEEDED && attemptMs < 2_000;
        if (!cutShort || last === "no answer yet") {
          last = `${e.codeName}: ${e.details}`;
        }
      }
      await sleep(Math.min(pollMs, Math.max(0, giveUpAt - Date.now())), options.signal);
    }
  }

  /** One grpc.health.v1.Health/Check call. */
  checkHealth(service = "", options: CallOptions = {}): Promise<HealthCheckResponse> {
    return this.unary<HealthCheckResponse>(options, (md, o, cb) =>
      this.stub.makeUnaryRequest<HealthCheckRequest, HealthCheckResponse>(
        HEALTH_CHECK_METHOD,
        encodeHealthCheckRequest,
        decodeHealthCheckResponse,
        { service },
        md,
        o,
        cb,
      ),
    );
  }

  /** Closes the channel and ends open watches. Calls made afterwards fail. Safe to call twice. */
  close(): void {
    if (!this.closed) {
      this.closed = true;
      for (const watch of [...this.watches]) {
        watch.cancel();
      }
      this.stub.close();
    }
  }

  private requireUser(user: CallsUser | undefined, method: string): CallsUser {
    if (user === undefined) {
      throw new SidecarError({
        code: GrpcStatus.INTERNAL,
        details: `${method} answered OK without a user`,
      });
    }
    return user;
  }

  /** A unary call of another service of the sidecar, on this client's channel. */
  private call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, options: CallOptions): Promise<Res> {
    return this.unary<Res>(options, (md, o, cb) =>
      this.stub.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, request, md, o, cb),
    );
  }

  private unary<T>(
    options: CallOptions,
    start: (metadata: Metadata, opts: Partial<GrpcCallOptions>, cb: Callback<T>) => ClientUnaryCall,
  ): Promise<T> {
    const deadlineMs = options.deadlineMs ?? this.defaultDeadlineMs;
    const { signal } = options;
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new SidecarError({ code: GrpcStatus.CANCELLED, details: "cancelled before start" }));
        return;
      }
      let call: ClientUnaryCall | undefined;
      const onAbort = () => call?.cancel();
      try {
        call = start(new Metadata(), { deadline: Date.now() + deadlineMs }, (err, res) => {
          signal?.removeEventListener("abort", onAbort);
          if (err) {
            reject(SidecarError.fromServiceError(err));
          } else {
            resolve(res as T);
          }
        });
      } catch (err) {
        // e.g. the channel was already closed.
        reject(toSidecarError(err));
        return;
      }
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
