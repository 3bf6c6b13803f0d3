// LIVE test against a real running sidecar and CometChat emulator. Configured
// by SIDECAR_ADDRESS, SIDECAR_APP_CREDENTIAL (may be empty: dev mode),
// EMULATOR_API_URL, EMULATOR_APP_ID and EMULATOR_API_KEY; skipped when they
// are absent.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import { SidecarClient, SidecarError } from "../src/index.js";

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
});
