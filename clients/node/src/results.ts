import { inspect } from "node:util";
import { type CallsUser, SessionChange, type WatchSessionResponse } from "./gen/cometchat_sidecar/auth/v1/auth.js";
import type { IssueAuthTokenResponse } from "./gen/cometchat_sidecar/tokens/v1/tokens.js";

const HIDDEN = "[hidden]";

/**
 * A call token for one call session, made for the app's logged-in user.
 * `callToken` is a secret: it is kept in a private field, so it appears in
 * neither `util.inspect`/`console.log`, `String()` nor `JSON.stringify`; read
 * the property to hand it on.
 */
export class CallToken {
  readonly #callToken: string;
  /** The call session the token is for. */
  readonly sessionId: string;
  /** The user the token was made for. */
  readonly user: CallsUser;

  constructor(init: { callToken: string; sessionId: string; user: CallsUser }) {
    this.#callToken = init.callToken;
    this.sessionId = init.sessionId;
    this.user = init.user;
  }

  /** The token (a JWT from CometChat) for the client that joins the call. A secret. */
  get callToken(): string {
    return this.#callToken;
  }

  toString(): string {
    return `CallToken(sessionId=${this.sessionId}, user=${this.user.uid}, callToken=${HIDDEN})`;
  }

  [inspect.custom](): object {
    return { sessionId: this.sessionId, user: this.user, callToken: HIDDEN };
  }
}

/**
 * A new CometChat auth token for a user, from `issueAuthToken`. `authToken`
 * is a secret returned once, kept out of `inspect`, `String()` and JSON like
 * {@link CallToken.callToken}.
 */
export class IssuedAuthToken {
  readonly #authToken: string;
  /** The user's UID as CometChat stores it (lower-cased). */
  readonly uid: string;
  /** When CometChat created the token. */
  readonly createdAt: Date;
  /** Whether this call created the user (`createIfMissing`). */
  readonly userCreated: boolean;

  constructor(init: { uid: string; authToken: string; createdAt: Date; userCreated: boolean }) {
    this.#authToken = init.authToken;
    this.uid = init.uid;
    this.createdAt = init.createdAt;
    this.userCreated = init.userCreated;
  }

  /** @internal */
  static fromResponse(res: IssueAuthTokenResponse): IssuedAuthToken {
    return new IssuedAuthToken({ ...res, createdAt: new Date(res.createdAt * 1000) });
  }

  /** The token; the client logs in with it. A secret. */
  get authToken(): string {
    return this.#authToken;
  }

  toString(): string {
    return `IssuedAuthToken(uid=${this.uid}, createdAt=${this.createdAt.toISOString()}, authToken=${HIDDEN})`;
  }

  [inspect.custom](): object {
    return { uid: this.uid, createdAt: this.createdAt, userCreated: this.userCreated, authToken: HIDDEN };
  }
}

/** Why a {@link SessionEvent} was sent. `UNSPECIFIED`: a kind this client does not know. */
export type SessionChangeKind = "CURRENT" | "LOGGED_IN" | "LOGGED_OUT" | "REVOKED" | "UNSPECIFIED";

/** One message of a session watch: the change and the user after it. */
export interface SessionEvent {
  readonly change: SessionChangeKind;
  /** The user logged in for the app after the change; undefined when nobody is. */
  readonly user: CallsUser | undefined;
}

const KINDS: ReadonlyMap<SessionChange, SessionChangeKind> = new Map([
  [SessionChange.SESSION_CHANGE_CURRENT, "CURRENT"],
  [SessionChange.SESSION_CHANGE_LOGGED_IN, "LOGGED_IN"],
  [SessionChange.SESSION_CHANGE_LOGGED_OUT, "LOGGED_OUT"],
  [SessionChange.SESSION_CHANGE_REVOKED, "REVOKED"],
]);

/** @internal */
export function sessionEvent(message: WatchSessionResponse): SessionEvent {
  return { change: KINDS.get(message.change) ?? "UNSPECIFIED", user: message.user };
}
