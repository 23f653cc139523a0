// A scripted refusal's reply code: 4xx or 5xx. A 250 "refusal" told the client the recipient
// was taken while the message went without it; 99 or 1000 made a malformed reply.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { startDebugServer } from "../../src/server/debug-server.js";
import type { DebugServerOptions } from "../../src/server/options.js";

for (const code of [250, 354, 99, 1000, 421.5, 600]) {
  for (const list of ["refuseSenders", "refuseRecipients", "refuseAfterData"] as const) {
    test(`${list} with code ${code}: startDebugServer rejects with a RangeError`, async () => {
      const options: DebugServerOptions = { [list]: ["ok@example.org", { address: "b@example.org", code }] };
      let started: Awaited<ReturnType<typeof startDebugServer>> | undefined;
      await assert.rejects(async () => {
        started = await startDebugServer(options);
      }, { name: "RangeError", message: `${list}: the code of a refusal must be a 4xx or 5xx reply code, got ${code} for b@example.org` });
      await started?.close();
    });
  }
}

test("refusal codes 400 to 599 are taken", async () => {
  const server = await startDebugServer({ refuseSenders: [{ address: "a@example.org", code: 421 }], refuseRecipients: [{ address: "b@example.org", code: 599 }], refuseAfterData: [{ address: "c@example.org", code: 400 }] });
  await server.close();
});
