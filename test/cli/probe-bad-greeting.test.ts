// `smtplib probe` and `send` against a server that hangs up before greeting (a blocklist,
// a connection limit) or greets in another protocol (SSH on the port): the error names the
// server and says what happened at the greeting, exit 5.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { startScriptServer } from "../helpers/script-server.js";
import { run } from "../helpers/cli-process.js";

const SEND = ["--from", "a@example.org", "--to", "b@example.org", "--subject", "t"];

for (const command of ["probe", "send"]) {
  test(`${command}: a server that closes the connection before greeting: exit 5, the error names it and says no greeting came`, async () => {
    const server = await startScriptServer("-- close\n");
    try {
      const where = `127.0.0.1:${server.port}`;
      const r = await run(command === "probe" ? ["probe", where] : ["send", "--server", where, ...SEND]);
      assert.equal(r.code, 5, r.stdout + r.stderr);
      assert.equal(r.stderr, `smtplib: SMTPServerDisconnected: Connection unexpectedly closed: ${where} closed the connection before its greeting\n`);
      assert.equal(server.received(), "");
    } finally {
      await server.close();
    }
  });

  test(`${command}: a server that greets in another protocol (SSH): exit 5, its line quoted once, no "-1" code`, async () => {
    const server = await startScriptServer("S: SSH-2.0-OpenSSH_9.6\n-- wait 2000\n");
    try {
      const where = `127.0.0.1:${server.port}`;
      const r = await run(command === "probe" ? ["probe", where] : ["send", "--server", where, ...SEND]);
      assert.equal(r.code, 5, r.stdout + r.stderr);
      assert.equal(r.stderr, `smtplib: SMTPConnectError: Invalid greeting from ${where}: Malformed reply line "SSH-2.0-OpenSSH_9.6"\n`);
    } finally {
      await server.close();
    }
  });
}
