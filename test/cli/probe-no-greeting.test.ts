// `smtplib probe` (and `send`) against a server that takes the connection but never greets:
// --timeout bounds the wait (by default 30 s for probe, RFC 5321's 5 minutes for send), and
// the error says that no greeting came within it, exit 5.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { lineServer } from "../helpers/line-server.js";
import { run } from "../helpers/cli-process.js";

const NO_GREETING = "smtplib: SMTPTimeoutError: the server sent no greeting within 0.3 s (--timeout sets the limit, in ms)\n";

for (const lmtp of [false, true]) {
  test(`probe${lmtp ? " --lmtp" : ""} --timeout 300 to a server that never greets: exit 5, no greeting within 0.3 s; nothing sent`, async () => {
    const lines: string[] = [];
    const server = await lineServer((_sock, line) => void lines.push(line), Infinity);
    try {
      const r = await run(["probe", `127.0.0.1:${server.port}`, "--timeout", "300", ...(lmtp ? ["--lmtp"] : [])]);
      assert.equal(r.code, 5, r.stdout + r.stderr);
      assert.equal(r.stdout, `probe 127.0.0.1:${server.port} (plain text${lmtp ? ", LMTP" : ""})\n`);
      assert.equal(r.stderr, NO_GREETING);
      assert.deepEqual(lines, []);
      assert.equal(server.connections(), 1);
    } finally {
      await server.close();
    }
  });
}

test("send --timeout 300 to a server that never greets: exit 5 with the same message", async () => {
  const server = await lineServer(() => undefined, Infinity);
  try {
    const r = await run(["send", "--server", `127.0.0.1:${server.port}`, "--timeout", "300", "--from", "a@example.org", "--to", "b@example.org", "--subject", "t"]);
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.equal(r.stderr, NO_GREETING);
  } finally {
    await server.close();
  }
});
