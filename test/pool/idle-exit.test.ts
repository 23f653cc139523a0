/**
 * SMTPPool: a pool that is never closed does not keep the process running once its
 * connections have been idle for `idleTimeout` (README, "What keeps the process running"):
 * a script that sends and forgets `close()` ends by itself. Run in a child process, whose
 * exit is the check.
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";
import { acceptingServer } from "../helpers/line-server.js";

const run = promisify(execFile);
const library = new URL("../../src/index.js", import.meta.url).href;

test("a pool never closed lets the process exit once its connection has been idle for idleTimeout", { timeout: 20_000 }, async (t) => {
  const server = await acceptingServer();
  try {
    const script = `
      import { SMTPPool } from ${JSON.stringify(library)};
      const pool = new SMTPPool({ host: "127.0.0.1", port: ${server.port}, idleTimeout: 200, localHostname: "pool.test" });
      await pool.sendmail("a@x.test", ["b@y.test"], "hi\\r\\n");
      process.on("exit", () => console.log("exit, pool size " + pool.size));
    `;
    // Resolves only once the child has exited by itself: a handle left open would keep it
    // running, and the test would time out (its signal then kills the child).
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { signal: t.signal });
    assert.equal(stdout.trim(), "exit, pool size 0");
    assert.equal(server.mails.length, 1);
    assert.equal(server.connections(), 1);
  } finally {
    await server.close();
  }
});
