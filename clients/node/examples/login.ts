// Logs a user in through the sidecar, prints who is logged in, logs out.
//   SIDECAR_ADDRESS=127.0.0.1:50051 SIDECAR_APP_CREDENTIAL=... node dist/examples/login.js cometchat-uid-1
import { isSidecarError, SidecarClient } from "../src/index.js";

async function main(): Promise<void> {
  const sidecar = new SidecarClient(process.env.SIDECAR_ADDRESS ?? "127.0.0.1:50051", {
    credential: process.env.SIDECAR_APP_CREDENTIAL, // unset in dev mode
  });
  try {
    await sidecar.waitUntilReady({ timeoutMs: 15_000 });
    const user = await sidecar.login(process.argv[2] ?? "cometchat-uid-1");
    console.log(`logged in: ${user.uid} (${user.name})`);
    console.log(`sidecar says: ${(await sidecar.getLoggedInUser())?.uid ?? "nobody"}`);
    await sidecar.logout();
  } catch (err) {
    if (isSidecarError(err)) {
      // reason is the stable code (e.g. ERROR_UID_WITH_SPACE); retryDelayMs is set when a retry helps.
      const retry = err.retryDelayMs === undefined ? "" : ` (retry in ${err.retryDelayMs} ms)`;
      console.error(`failed: reason=${err.reason || "-"} code=${err.codeName}${retry}: ${err.details}`);
      process.exitCode = 1;
    } else {
      throw err;
    }
  } finally {
    sidecar.close();
  }
}

void main();
