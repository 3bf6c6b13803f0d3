// LIVE test against a real running sidecar and CometChat emulator. Configured
// by SIDECAR_ADDRESS, SIDECAR_APP_CREDENTIAL (may be empty: dev mode),
// EMULATOR_API_URL, EMULATOR_APP_ID and EMULATOR_API_KEY; skipped when they
// are absent. EMULATOR_CALL_SESSION_PREFIX (optional) is the prefix the app's
// policy allows for call session ids. The stack must grant the app call tokens,
// token issuance and revoke_all (tests/stack.py's live stack does).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { status } from "@grpc/grpc-js";
import { Reason, type SessionEvent, SidecarClient, SidecarError } from "../src/index.js";

const REQUIRED = ["SIDECAR_ADDRESS", "EMULATOR_API_URL", "EMULATOR_APP_ID", "EMULATOR_API_KEY"] as const;
const missing = REQUIRED.filter((name) => !process.env[name]);
const skip =
  missing.length > 0
    ? `live test skipped: set ${missing.join(", ")} (and SIDECAR_APP_CREDENTIAL unless the sidecar is in dev mode) to run it against a real sidecar and emulator`
    : false;

async function rejection(p: Promise<unknown>): Promise<SidecarError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SidecarError, `expected a SidecarError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected the call to fail");
}

/** Mints an auth token for `uid` straight from the emulator's REST API. */
async function mintAuthToken(uid: string): Promise<string> {
  const base = process.env.EMULATOR_API_URL!.replace(/\/+$/, "");
  const res = await fetch(`${base}/v3.0/users/${encodeURIComponent(uid)}/auth_tokens`, {
    method: "POST",
    headers: {
      apikey: process.env.EMULATOR_API_KEY!,
      appId: process.env.EMULATOR_APP_ID!,
      "Content-Type": "application/json",
    },
    body: "{}",
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  assert.ok(res.ok, `emulator answered ${res.status}: ${text}`);
  const token = (JSON.parse(text) as { data?: { authToken?: string } }).data?.authToken;
  assert.ok(typeof token === "string" && token.length > 0, `no data.authToken in ${text}`);
  return token;
}

const prefix = process.env.EMULATOR_CALL_SESSION_PREFIX ?? "";

/** The claims of a JWT, unverified: enough to see whom and what it was made for. */
function jwtClaims(token: string): { data?: { sessionId?: string; user?: { uid?: string } } } {
  const parts = token.split(".");
  assert.equal(parts.length, 3, "a call token is a JWT");
  return JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
}

describe("live sidecar", () => {
  let client: SidecarClient;

  before(() => {
    if (skip) {
      return;
    }
    client = new SidecarClient(process.env.SIDECAR_ADDRESS!, {
      credential: process.env.SIDECAR_APP_CREDENTIAL || undefined,
    });
  });
  after(() => client?.close());

  it("walks through login, token login, logout and errors", { skip }, async () => {
    await client.waitUntilReady({ timeoutMs: 30_000 });

    const andrew = await client.login("cometchat-uid-1");
    assert.equal(andrew.uid, "cometchat-uid-1");
    assert.equal(andrew.name, "Andrew Joseph");
    assert.equal((await client.getLoggedInUser())?.uid, "cometchat-uid-1");

    const token = await mintAuthToken("cometchat-uid-2");
    const second = await client.loginWithToken(token);
    assert.equal(second.uid, "cometchat-uid-2");
    assert.equal((await client.getLoggedInUser())?.uid, "cometchat-uid-2");

    await client.logout();
    assert.equal(await client.getLoggedInUser(), undefined);

    const noUser = await rejection(client.logout());
    assert.equal(noUser.reason, "ERROR_NO_USER_LOGGED_IN", noUser.message);

    const badUid = await rejection(client.login("bad uid"));
    assert.equal(badUid.reason, "ERROR_UID_WITH_SPACE", badUid.message);
    assert.equal(badUid.code, status.INVALID_ARGUMENT);
    assert.equal(badUid.domain, "cometchat-sidecar");
  });

  it("watches the session: LOGGED_IN, then LOGGED_OUT", { skip }, async () => {
    await client.waitUntilReady({ timeoutMs: 30_000 });
    if ((await client.getLoggedInUser()) !== undefined) {
      await client.logout();
    }
    const seen: Array<[string, string | undefined]> = [];
    for await (const event of client.watchSession({ deadlineMs: 30_000 })) {
      seen.push([event.change, event.user?.uid]);
      if (event.change === "CURRENT") {
        await client.login("cometchat-uid-3");
      } else if (event.change === "LOGGED_IN") {
        await client.logout();
      } else {
        break;
      }
    }
    assert.deepEqual(seen, [
      ["CURRENT", undefined],
      ["LOGGED_IN", "cometchat-uid-3"],
      ["LOGGED_OUT", undefined],
    ]);
  });

  it("makes a call token for the logged-in session", { skip }, async () => {
    await client.waitUntilReady({ timeoutMs: 30_000 });
    const sessionId = `${prefix}room-${randomBytes(4).toString("hex")}`;
    await client.login("cometchat-uid-1");
    const token = await client.generateCallToken(sessionId);
    assert.equal(token.sessionId, sessionId);
    assert.equal(token.user.uid, "cometchat-uid-1");
    assert.ok(!inspect(token).includes(token.callToken));
    const claims = jwtClaims(token.callToken);
    assert.equal(claims.data?.sessionId, sessionId);
    assert.equal(claims.data?.user?.uid, "cometchat-uid-1");

    const blank = await rejection(client.generateCallToken(""));
    assert.equal(blank.reason, Reason.ERROR_SESSION_ID_MISSING);
    const bad = await rejection(client.generateCallToken(`${prefix}no spaces allowed`));
    assert.equal(bad.reason, Reason.ERROR_INVALID_SESSION_ID);
    await client.logout();
    const nobody = await rejection(client.generateCallToken(sessionId));
    assert.equal(nobody.reason, Reason.ERROR_AUTH_TOKEN_MISSING);
    assert.equal(nobody.code, status.FAILED_PRECONDITION);
  });

  it("logs in with an issued token, revokes it, and the watch sees it", { skip }, async () => {
    await client.waitUntilReady({ timeoutMs: 30_000 });
    if ((await client.getLoggedInUser()) !== undefined) {
      await client.logout();
    }
    const issued = await client.issueAuthToken("cometchat-uid-2");
    assert.equal(issued.uid, "cometchat-uid-2");
    assert.equal(issued.userCreated, false);
    assert.ok(!String(issued).includes(issued.authToken));

    const seen: SessionEvent[] = [];
    let ended = -1;
    for await (const event of client.watchSession({ deadlineMs: 30_000 })) {
      seen.push(event);
      if (event.change === "CURRENT") {
        assert.equal((await client.loginWithToken(issued.authToken)).uid, "cometchat-uid-2");
      } else if (event.change === "LOGGED_IN") {
        ended = await client.revokeAuthToken("cometchat-uid-2", issued.authToken);
      } else {
        break;
      }
    }
    assert.deepEqual(
      seen.map((e) => [e.change, e.user?.uid]),
      [
        ["CURRENT", undefined],
        ["LOGGED_IN", "cometchat-uid-2"],
        ["REVOKED", undefined],
      ],
    );
    assert.equal(ended, 1);
    assert.equal(await client.getLoggedInUser(), undefined);
    const stale = await rejection(client.loginWithToken(issued.authToken));
    assert.equal(stale.code, status.UNAUTHENTICATED);
    assert.ok(!stale.message.includes(issued.authToken));
    const foreign = await rejection(client.revokeAuthToken("cometchat-uid-2", await mintAuthToken("cometchat-uid-2")));
    assert.equal(foreign.reason, Reason.ERROR_TOKEN_NOT_ISSUED_BY_APP);
  });

  it("creates a missing user for a token, then revokes all its tokens", { skip }, async () => {
    await client.waitUntilReady({ timeoutMs: 30_000 });
    const uid = `live-node-${randomBytes(4).toString("hex")}`;
    const missing = await rejection(client.issueAuthToken(uid));
    assert.equal(missing.reason, Reason.ERR_UID_NOT_FOUND);
    const created = await client.issueAuthToken(uid, { createIfMissing: true, name: "Live Node" });
    assert.equal(created.uid, uid);
    assert.equal(created.userCreated, true);
    const user = await client.loginWithToken(created.authToken);
    assert.equal(user.name, "Live Node");
    assert.equal(await client.revokeAllAuthTokens(uid), 1);
    assert.equal(await client.getLoggedInUser(), undefined);
  });
});
