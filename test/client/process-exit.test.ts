/**
 * A client whose connection has ended holds nothing that keeps the process running: no
 * socket, no timer, no listener (README, "What keeps the process running"). Each script runs
 * in a child process with the default timeouts (minutes: a timer left behind would keep the
 * child alive that long, and the test's own timeout would kill it), and ends its connection
 * one way: the server hanging up in the middle of a reply or of the message, `close()` with
 * a call in flight, `quit()`, a server that stops reading the message. The child's exit by
 * itself is the check.
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import net from "node:net";
import { test } from "node:test";
import { promisify } from "node:util";
import { lineServer, type LineServer } from "../helpers/line-server.js";

const run = promisify(execFile);
const library = new URL("../../src/index.js", import.meta.url).href;

type Mode = "normal" | "half-reply" | "silent-noop" | "hang-up-in-message" | "stop-reading";

/** A {@link lineServer} that answers as `mode` says. */
function modalServer(mode: Mode): Promise<LineServer> {
  const inData = new WeakSet<net.Socket>();
  return lineServer((sock, line) => {
    if (inData.has(sock)) {
      if (line === ".") { inData.delete(sock); sock.write("250 queued\r\n"); }
      return;
    }
    const verb = line.split(" ")[0]!.toUpperCase();
    if (verb === "EHLO") sock.write("250-mx.test\r\n250 8BITMIME\r\n");
    else if (verb === "NOOP" && mode === "half-reply") sock.end("250 o");
    else if (verb === "NOOP" && mode === "silent-noop") return;
    else if (verb === "QUIT") sock.end("221 bye\r\n");
    else if (verb === "DATA") {
      inData.add(sock);
      sock.write("354 go\r\n");
      if (mode === "hang-up-in-message") setTimeout(() => sock.destroy(), 20);
      if (mode === "stop-reading") sock.pause();
    } else sock.write("250 ok\r\n");
  });
}

const BIG = `("y".repeat(998) + "\\r\\n").repeat(20000)`;

/** Each way to end: the server's mode, and the script's body after `s` is connected. */
const CASES: readonly (readonly [string, Mode, string])[] = [
  ["the server hangs up in the middle of a reply", "half-reply", "await s.noop();"],
  ["close() while a call waits for its reply", "silent-noop", "const p = s.noop(); s.close(); await p;"],
  ["quit()", "normal", `await s.sendmail("a@x.test", ["b@y.test"], "hi\\r\\n"); await s.quit(); console.log("ok");`],
  ["the server hangs up while the message is written", "hang-up-in-message", `await s.sendmail("a@x.test", ["b@y.test"], ${BIG});`],
  ["close() while the server does not read the message", "stop-reading", `const p = s.sendmail("a@x.test", ["b@y.test"], ${BIG}); setTimeout(() => s.close(), 200); await p;`],
];

for (const [name, mode, body] of CASES) {
  test(`the process exits by itself once the connection has ended: ${name}`, { timeout: 20_000 }, async (t) => {
    const server = await modalServer(mode);
    try {
      const script = `
        import { SMTP } from ${JSON.stringify(library)};
        const s = await SMTP.connect("127.0.0.1", ${server.port}, { localHostname: "client.test" });
        try { ${body} } catch (err) { console.log(err.name); }
      `;
      // Resolves only once the child has exited by itself (see test/pool/idle-exit.test.ts).
      const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { signal: t.signal });
      assert.match(stdout.trim(), mode === "normal" ? /^ok$/ : /^SMTPServerDisconnected$/);
    } finally {
      await server.close();
    }
  });
}
