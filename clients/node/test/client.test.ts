// Offline tests of SidecarClient against an in-process fake sidecar.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Server, ServerCredentials, status } from "@grpc/grpc-js";
import { isSidecarError, SidecarClient, SidecarError, toSidecarError, UserStatus } from "../src/index.js";
import { FakeSidecar, plainError, richError } from "./fake-sidecar.js";

async function rejection(p: Promise<unknown>): Promise<SidecarError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SidecarError, `expected a SidecarError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected the call to fail");
}

/** A loopback port with nothing listening on it. */
async function freePort(): Promise<number> {
  const s = new Server();
  const port = await new Promise<number>((res, rej) =>
    s.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  s.forceShutdown();
  return port;
}

describe("SidecarClient against a fake sidecar", () => {
  let fake: FakeSidecar;
  let target: string;
  let client: SidecarClient;

  before(async () => {
    fake = new FakeSidecar();
    target = `127.0.0.1:${await fake.listen()}`;
    client = new SidecarClient(target);
  });
  after(async () => {
    client.close();
    await fake.stop();
  });

  it("logs in, reports the user and logs out", async () => {
    const user = await client.login("alice");
    assert.deepEqual(user, { uid: "alice", name: "User alice", avatar: "", status: UserStatus.USER_STATUS_ONLINE });
    assert.equal((await client.getLoggedInUser())?.uid, "alice");
    assert.equal((await client.loginWithToken("tok")).uid, "for-tok");
    await client.logout();
    assert.equal(await client.getLoggedInUser(), undefined);
  });

  it("sends an empty api_key unless one is given", async () => {
    fake.seen.length = 0;
    await client.login("bob");
    await client.login("bob", { apiKey: "k-123" });
    assert.deepEqual(
      fake.seen.map((s) => s.request),
      [
        { uid: "bob", apiKey: "" },
        { uid: "bob", apiKey: "k-123" },
      ],
    );
    await client.logout();
  });

  it("sends no authorization header in dev mode", async () => {
    fake.seen.length = 0;
    await client.getLoggedInUser();
    assert.deepEqual(fake.seen[0]?.authorization, []);
  });

  it("decodes ErrorInfo and RetryInfo from the status details", async () => {
    fake.next.login = richError({
      code: status.UNAVAILABLE,
      message: "CometChat is unreachable",
      errorInfo: {
        reason: "UPSTREAM_UNAVAILABLE",
        domain: "cometchat-sidecar",
        metadata: { upstream: "api", attempt: "3" },
      },
      retryDelay: { seconds: 1, nanos: 500_000_000 },
      extraDetails: [["google.rpc.DebugInfo", new Uint8Array([0x0a, 0x01, 0x78])]],
    });
    const err = await rejection(client.login("carol"));
    assert.equal(err.code, status.UNAVAILABLE);
    assert.equal(err.codeName, "UNAVAILABLE");
    assert.equal(err.reason, "UPSTREAM_UNAVAILABLE");
    assert.equal(err.domain, "cometchat-sidecar");
    assert.deepEqual(err.metadata, { upstream: "api", attempt: "3" });
    assert.equal(err.retryDelayMs, 1500);
    assert.equal(err.details, "CometChat is unreachable");
    assert.equal(err.name, "SidecarError");
    assert.match(err.message, /UNAVAILABLE \(UPSTREAM_UNAVAILABLE\): CometChat is unreachable/);
    assert.ok(err instanceof Error);
    assert.ok(isSidecarError(err, "UPSTREAM_UNAVAILABLE"));
    assert.ok(!isSidecarError(err, "ERROR_INVALID_UID"));
  });

  it("decodes a validation error without RetryInfo", async () => {
    fake.next.login = richError({
      code: status.INVALID_ARGUMENT,
      message: "UID must not contain spaces",
      errorInfo: { reason: "ERROR_UID_WITH_SPACE", domain: "cometchat-sidecar" },
    });
    const err = await rejection(client.login("bad uid"));
    assert.equal(err.code, status.INVALID_ARGUMENT);
    assert.equal(err.reason, "ERROR_UID_WITH_SPACE");
    assert.deepEqual(err.metadata, {});
    assert.equal(err.retryDelayMs, undefined);
  });

  it("passes cometchat-api errors through with their domain", async () => {
    fake.next.loginWithToken = richError({
      code: status.UNAUTHENTICATED,
      message: "The auth token does not exist",
      errorInfo: { reason: "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", domain: "cometchat-api", metadata: { status: "401" } },
    });
    const err = await rejection(client.loginWithToken("nope"));
    assert.equal(err.reason, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND");
    assert.equal(err.domain, "cometchat-api");
    assert.equal(err.metadata.status, "401");
  });

  it("turns a status without details into a typed error with an empty reason", async () => {
    fake.next.getLoggedInUser = plainError(status.INTERNAL, "boom");
    const err = await rejection(client.getLoggedInUser());
    assert.equal(err.code, status.INTERNAL);
    assert.equal(err.reason, "");
    assert.equal(err.domain, "");
    assert.equal(err.retryDelayMs, undefined);
    assert.equal(err.details, "boom");
  });

  it("keeps the plain status when the details are malformed", async () => {
    const bad = plainError(status.NOT_FOUND, "gone");
    bad.metadata.set("grpc-status-details-bin", Buffer.from([0x1a, 0xff, 0xff, 0x01]));
    fake.next.getLoggedInUser = bad;
    const err = await rejection(client.getLoggedInUser());
    assert.equal(err.code, status.NOT_FOUND);
    assert.equal(err.reason, "");
  });

  it("reports the server's Logout error for nobody logged in", async () => {
    const err = await rejection(client.logout());
    assert.equal(err.reason, "ERROR_NO_USER_LOGGED_IN");
    assert.equal(err.code, status.FAILED_PRECONDITION);
  });

  it("ends a call at the default deadline", async () => {
    const quick = new SidecarClient(target, { defaultDeadlineMs: 150 });
    try {
      fake.next.getLoggedInUser = "hang";
      const started = Date.now();
      const err = await rejection(quick.getLoggedInUser());
      assert.equal(err.code, status.DEADLINE_EXCEEDED);
      assert.equal(err.reason, "");
      assert.ok(Date.now() - started < 5_000);
    } finally {
      quick.close();
    }
  });

  it("lets a call override the deadline", async () => {
    fake.next.getLoggedInUser = "hang";
    const started = Date.now();
    const err = await rejection(client.getLoggedInUser({ deadlineMs: 100 }));
    assert.equal(err.code, status.DEADLINE_EXCEEDED);
    assert.ok(Date.now() - started < 5_000);
  });

  it("cancels a call through an AbortSignal", async () => {
    fake.next.getLoggedInUser = "hang";
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const err = await rejection(client.getLoggedInUser({ signal: ac.signal }));
    assert.equal(err.code, status.CANCELLED);
    const err2 = await rejection(client.getLoggedInUser({ signal: ac.signal }));
    assert.equal(err2.code, status.CANCELLED);
  });

  it("is ready when the health service says SERVING", async () => {
    await client.waitUntilReady({ timeoutMs: 2_000 });
    assert.equal((await client.checkHealth("")).status, 1);
  });

  it("waits while NOT_SERVING and resolves once SERVING", async () => {
    const svc = "cometchat_sidecar.auth.v1.AuthService";
    fake.setHealth(svc, "NOT_SERVING");
    setTimeout(() => fake.setHealth(svc, "SERVING"), 300);
    const started = Date.now();
    await client.waitUntilReady({ timeoutMs: 5_000, pollIntervalMs: 50 });
    assert.ok(Date.now() - started >= 250);
  });

  it("times out clearly while NOT_SERVING", async () => {
    fake.setHealth("", "NOT_SERVING");
    try {
      // Long enough for a health check to be answered even on a loaded machine.
      const err = await rejection(client.waitUntilReady({ service: "", timeoutMs: 2000, pollIntervalMs: 50 }));
      assert.equal(err.code, status.DEADLINE_EXCEEDED);
      assert.match(err.message, /not SERVING .* within 2000 ms; last: health status NOT_SERVING/);
    } finally {
      fake.setHealth("", "SERVING");
    }
  });
});

describe("SidecarClient with a caller credential", () => {
  let fake: FakeSidecar;
  let target: string;

  before(async () => {
    fake = new FakeSidecar();
    fake.requiredCredential = "s3cret";
    target = `127.0.0.1:${await fake.listen()}`;
  });
  after(() => fake.stop());

  it("sends `authorization: Bearer <credential>` on every call", async () => {
    const client = new SidecarClient(target, { credential: "s3cret" });
    try {
      await client.waitUntilReady({ timeoutMs: 2_000 });
      await client.login("dave");
      await client.getLoggedInUser();
      await client.logout();
      const auth = fake.seen.map((s) => s.authorization);
      assert.deepEqual(auth, [["Bearer s3cret"], ["Bearer s3cret"], ["Bearer s3cret"]]);
    } finally {
      client.close();
    }
  });

  it("surfaces UNAUTHENTICATED without or with a wrong credential", async () => {
    for (const credential of [undefined, "wrong"]) {
      const client = new SidecarClient(target, { credential });
      try {
        const err = await rejection(client.getLoggedInUser());
        assert.equal(err.code, status.UNAUTHENTICATED);
        assert.equal(err.reason, "");
      } finally {
        client.close();
      }
    }
  });
});

describe("SidecarClient targets and lifecycle", () => {
  it("talks over a Unix domain socket", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sidecar-client-"));
    const fake = new FakeSidecar();
    const client = new SidecarClient(`unix://${join(dir, "sidecar.sock")}`);
    try {
      await fake.listen(`unix://${join(dir, "sidecar.sock")}`);
      await client.waitUntilReady({ timeoutMs: 2_000 });
      assert.equal((await client.login("erin")).uid, "erin");
    } finally {
      client.close();
      await fake.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("waits for a sidecar that starts late", async () => {
    const port = await freePort();
    const client = new SidecarClient(`127.0.0.1:${port}`);
    const fake = new FakeSidecar();
    try {
      const ready = client.waitUntilReady({ timeoutMs: 8_000, pollIntervalMs: 50 });
      await new Promise((r) => setTimeout(r, 400));
      await fake.listen(`127.0.0.1:${port}`);
      await ready;
    } finally {
      client.close();
      await fake.stop();
    }
  });

  it("gives up with a clear error when nothing listens", async () => {
    const port = await freePort();
    const client = new SidecarClient(`127.0.0.1:${port}`);
    try {
      const started = Date.now();
      const err = await rejection(client.waitUntilReady({ timeoutMs: 500, pollIntervalMs: 50 }));
      const took = Date.now() - started;
      assert.equal(err.code, status.DEADLINE_EXCEEDED);
      assert.match(err.message, new RegExp(`sidecar at 127.0.0.1:${port} was not SERVING`));
      assert.match(err.message, /last: UNAVAILABLE/);
      assert.ok(took >= 450 && took < 3_000, `took ${took} ms`);
    } finally {
      client.close();
    }
  });

  it("rejects calls after close, and close is idempotent", async () => {
    const fake = new FakeSidecar();
    const client = new SidecarClient(`127.0.0.1:${await fake.listen()}`);
    try {
      await client.getLoggedInUser();
      client.close();
      client.close();
      const err = await rejection(client.getLoggedInUser());
      assert.ok(err instanceof SidecarError);
    } finally {
      await fake.stop();
    }
  });

  it("rejects a non-positive default deadline", () => {
    assert.throws(() => new SidecarClient("127.0.0.1:1", { defaultDeadlineMs: 0 }), RangeError);
  });

  it("wraps arbitrary failures as SidecarError", () => {
    const e = toSidecarError(new Error("x"));
    assert.equal(e.code, status.UNKNOWN);
    assert.equal(e.reason, "");
  });
});
