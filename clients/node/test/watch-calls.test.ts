// Offline tests of watchSession, call tokens and the auth-token RPCs against
// the in-process fake sidecar.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { inspect } from "node:util";
import { status } from "@grpc/grpc-js";
import {
  CallToken,
  IssuedAuthToken,
  Reason,
  type SessionEvent,
  SidecarClient,
  SidecarError,
} from "../src/index.js";
import { FakeSidecar, richError } from "./fake-sidecar.js";

async function rejection(p: Promise<unknown>): Promise<SidecarError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SidecarError, `expected a SidecarError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected the call to fail");
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const giveUpAt = Date.now() + 5_000;
  while (!condition()) {
    assert.ok(Date.now() < giveUpAt, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const uidOf = (e: SessionEvent) => [e.change, e.user?.uid];

describe("watchSession against a fake sidecar", () => {
  let fake: FakeSidecar;
  let target: string;
  let client: SidecarClient;

  before(async () => {
    fake = new FakeSidecar();
    fake.requiredCredential = "s3cret";
    target = `127.0.0.1:${await fake.listen()}`;
    client = new SidecarClient(target, { credential: "s3cret" });
  });
  after(async () => {
    client.close();
    await fake.stop();
  });
  beforeEach(() => {
    fake.loggedIn = undefined;
    fake.watchesCancelled = 0;
    fake.seen.length = 0;
  });

  it("yields the current state, then each change; break cancels the call", async () => {
    await client.login("cometchat-uid-1");
    const seen: Array<[string, string | undefined]> = [];
    for await (const event of client.watchSession()) {
      seen.push([event.change, event.user?.uid]);
      if (event.change === "CURRENT") {
        await client.logout();
      } else if (event.change === "LOGGED_OUT") {
        await client.login("cometchat-uid-2");
      } else {
        break;
      }
    }
    assert.deepEqual(seen, [
      ["CURRENT", "cometchat-uid-1"],
      ["LOGGED_OUT", undefined],
      ["LOGGED_IN", "cometchat-uid-2"],
    ]);
    await until(() => fake.watchesCancelled === 1 && fake.watchers.size === 0, "the server to see the cancel");
    assert.deepEqual(fake.seen.find((s) => s.method === "watchSession")?.authorization, ["Bearer s3cret"]);
  });

  it("sees a revocation", async () => {
    await client.login("cust-1");
    const watch = client.watchSession();
    assert.deepEqual(uidOf((await watch.next()).value!), ["CURRENT", "cust-1"]);
    assert.equal(await client.revokeAllAuthTokens("cust-1"), 1);
    assert.deepEqual((await watch.next()).value, { change: "REVOKED", user: undefined });
    watch.cancel();
    assert.deepEqual(await watch.next(), { value: undefined, done: true });
  });

  it("has no default deadline", async () => {
    const quick = new SidecarClient(target, { credential: "s3cret", defaultDeadlineMs: 200 });
    try {
      const watch = quick.watchSession();
      assert.equal((await watch.next()).value?.change, "CURRENT");
      await new Promise((r) => setTimeout(r, 500));
      await quick.login("late", { deadlineMs: 5_000 });
      assert.equal((await watch.next()).value?.change, "LOGGED_IN");
      watch.cancel();
    } finally {
      quick.close();
    }
  });

  it("ends a watch at its own deadline with a typed error", async () => {
    const watch = client.watchSession({ deadlineMs: 200 });
    assert.equal((await watch.next()).value?.change, "CURRENT");
    const err = await rejection(watch.next());
    assert.equal(err.code, status.DEADLINE_EXCEEDED);
  });

  it("cancel() ends a loop waiting for the next event", async () => {
    const watch = client.watchSession();
    const changes: string[] = [];
    const loop = (async () => {
      for await (const event of watch) {
        changes.push(event.change);
      }
    })();
    await until(() => changes.length === 1, "the first event");
    watch.cancel();
    watch.cancel();
    await loop; // ends without an error
    assert.deepEqual(changes, ["CURRENT"]);
    await until(() => fake.watchesCancelled === 1, "the server to see the cancel");
  });

  it("an AbortSignal ends the loop with a CANCELLED error", async () => {
    const ac = new AbortController();
    const watch = client.watchSession({ signal: ac.signal });
    assert.equal((await watch.next()).value?.change, "CURRENT");
    setTimeout(() => ac.abort(), 50);
    const err = await rejection(watch.next());
    assert.equal(err.code, status.CANCELLED);
    assert.deepEqual(await watch.next(), { value: undefined, done: true });
    await until(() => fake.watchesCancelled === 1, "the server to see the cancel");
  });

  it("ends when the sidecar ends the stream", async () => {
    const watch = client.watchSession();
    assert.equal((await watch.next()).value?.change, "CURRENT");
    fake.endWatches();
    assert.deepEqual(await watch.next(), { value: undefined, done: true });
  });

  it("rejects with the typed error when the stream fails", async () => {
    const watch = client.watchSession();
    assert.equal((await watch.next()).value?.change, "CURRENT");
    fake.endWatches(
      richError({
        code: status.INTERNAL,
        message: "the watch broke",
        errorInfo: { reason: "INTERNAL", domain: "cometchat-sidecar" },
      }),
    );
    const err = await rejection(watch.next());
    assert.equal(err.code, status.INTERNAL);
    assert.equal(err.reason, Reason.INTERNAL);
  });

  it("rejects a watch without the credential", async () => {
    const anonymous = new SidecarClient(target);
    try {
      const err = await rejection(anonymous.watchSession().next());
      assert.equal(err.code, status.UNAUTHENTICATED);
    } finally {
      anonymous.close();
    }
  });

  it("close() ends the client's open watches", async () => {
    const other = new SidecarClient(target, { credential: "s3cret" });
    const watch = other.watchSession();
    assert.equal((await watch.next()).value?.change, "CURRENT");
    other.close();
    assert.deepEqual(await watch.next(), { value: undefined, done: true });
    await until(() => fake.watchesCancelled === 1, "the server to see the cancel");
    assert.throws(() => other.watchSession(), SidecarError);
  });
});

describe("call tokens and auth tokens against a fake sidecar", () => {
  let fake: FakeSidecar;
  let client: SidecarClient;

  before(async () => {
    fake = new FakeSidecar();
    fake.requiredCredential = "s3cret";
    client = new SidecarClient(`127.0.0.1:${await fake.listen()}`, { credential: "s3cret" });
  });
  after(async () => {
    client.close();
    await fake.stop();
  });

  it("returns a call token for the logged-in user", async () => {
    await client.login("cometchat-uid-1");
    const token = await client.generateCallToken("app:room-1");
    assert.ok(token instanceof CallToken);
    assert.equal(token.callToken, "call-token-for-app:room-1");
    assert.equal(token.sessionId, "app:room-1");
    assert.equal(token.user.uid, "cometchat-uid-1");
    const seen = fake.seen.at(-1)!;
    assert.equal(seen.method, "generateCallToken");
    assert.deepEqual(seen.authorization, ["Bearer s3cret"]);
    assert.deepEqual(seen.request, { sessionId: "app:room-1" });
  });

  it("maps the call-token refusals to typed errors", async () => {
    await client.login("cometchat-uid-1");
    const blank = await rejection(client.generateCallToken(" "));
    assert.equal(blank.reason, Reason.ERROR_SESSION_ID_MISSING);
    assert.equal(blank.code, status.INVALID_ARGUMENT);
    const foreign = await rejection(client.generateCallToken("other:room"));
    assert.equal(foreign.reason, Reason.ERROR_SESSION_ID_NOT_ALLOWED);
    assert.equal(foreign.code, status.PERMISSION_DENIED);
    fake.next.generateCallToken = richError({
      code: status.RESOURCE_EXHAUSTED,
      message: "too many call tokens",
      errorInfo: { reason: Reason.ERROR_CALL_TOKEN_RATE_LIMITED, domain: "cometchat-sidecar" },
      retryDelay: { seconds: 0, nanos: 200_000_000 },
    });
    const limited = await rejection(client.generateCallToken("app:room"));
    assert.equal(limited.reason, "ERROR_CALL_TOKEN_RATE_LIMITED");
    assert.equal(limited.retryDelayMs, 200);
    await client.logout();
    const nobody = await rejection(client.generateCallToken("app:room"));
    assert.equal(nobody.reason, Reason.ERROR_AUTH_TOKEN_MISSING);
    assert.equal(nobody.code, status.FAILED_PRECONDITION);
  });

  it("issues a token, logs in with it and revokes it", async () => {
    const issued = await client.issueAuthToken("cust-7");
    assert.ok(issued instanceof IssuedAuthToken);
    assert.equal(issued.uid, "cust-7");
    assert.equal(issued.createdAt.toISOString(), "2023-11-14T22:13:20.000Z");
    assert.equal(issued.userCreated, false);
    assert.equal((await client.loginWithToken(issued.authToken)).uid, `for-${issued.authToken}`);
    assert.equal(await client.revokeAuthToken("cust-7", issued.authToken), 0);
    const again = await rejection(client.revokeAuthToken("cust-7", issued.authToken));
    assert.equal(again.reason, Reason.ERROR_TOKEN_NOT_ISSUED_BY_APP);
    assert.ok(!again.message.includes(issued.authToken));
  });

  it("sends createIfMissing and name, and maps a uid refusal", async () => {
    const created = await client.issueAuthToken("cust-new", { createIfMissing: true, name: "New" });
    assert.equal(created.userCreated, true);
    assert.deepEqual(fake.seen.at(-1)?.request, { uid: "cust-new", createIfMissing: true, name: "New" });
    await client.issueAuthToken("cust-x");
    assert.deepEqual(fake.seen.at(-1)?.request, { uid: "cust-x", createIfMissing: false, name: "" });
    const refused = await rejection(client.issueAuthToken("staff-1"));
    assert.equal(refused.reason, Reason.ERROR_UID_NOT_ALLOWED);
  });

  it("revokes all tokens of a user and reports the ended session", async () => {
    await client.login("cust-9");
    assert.equal(await client.revokeAllAuthTokens("cust-9"), 1);
    assert.equal(await client.getLoggedInUser(), undefined);
    fake.next.revokeAllAuthTokens = richError({
      code: status.PERMISSION_DENIED,
      message: "not granted",
      errorInfo: { reason: Reason.ERROR_OPERATION_NOT_ALLOWED, domain: "cometchat-sidecar" },
    });
    const refused = await rejection(client.revokeAllAuthTokens("cust-9"));
    assert.equal(refused.reason, "ERROR_OPERATION_NOT_ALLOWED");
  });

  it("keeps the tokens out of inspect, String() and JSON", async () => {
    await client.login("cometchat-uid-1");
    const call = await client.generateCallToken("app:room-2");
    const issued = await client.issueAuthToken("cust-3");
    for (const [value, secret] of [
      [call, call.callToken],
      [issued, issued.authToken],
    ] as const) {
      assert.ok(secret.length > 0);
      for (const shown of [inspect(value, { depth: 5, showHidden: true }), String(value), `${value}`, JSON.stringify(value)]) {
        assert.ok(!shown.includes(secret), `secret shown in: ${shown}`);
      }
    }
    assert.match(inspect(call), /app:room-2/);
    assert.match(inspect(call), /\[hidden\]/);
    assert.match(String(issued), /cust-3/);
  });
});
