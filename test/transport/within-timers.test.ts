/**
 * A connect step bounded by `within` (the name lookup with sourceAddress, a socketFactory
 * call) clears its timer once it settles: none is left to keep the process alive until
 * the connect timeout (a script that connects, sends and quits would otherwise exit only
 * minutes later).
 */

import assert from "node:assert/strict";
import net from "node:net";
import { it } from "node:test";
import { SMTP } from "../../src/index.js";
import { GREET, LOCAL } from "../helpers/client.js";
import { startScriptServer } from "../helpers/script-server.js";

/** How many timers are active now. */
const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

for (const [what, options] of [
  ["the lookup of a name with sourceAddress", (_port: number) => ({ sourceAddress: { host: "127.0.0.1" } })],
  ["a socketFactory call", (port: number) => ({ socketFactory: () => net.connect(port, "127.0.0.1") })],
] as const) {
  it(`${what}: no timer is left once connected and closed`, async () => {
    const server = await startScriptServer(`${GREET}C: QUIT\nS: 221 bye\n`);
    try {
      const before = timers();
      const client = await SMTP.connect("localhost", server.port, { localHostname: LOCAL, timeout: 600_000, diagnoseTLS: false, ...options(server.port) });
      await client.quit();
      await server.done;
      assert.equal(timers(), before);
    } finally {
      await server.close();
    }
  });
}
