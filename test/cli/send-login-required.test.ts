// A MAIL (or RCPT) refused with 530 (RFC 4954 §6: authentication required): the line says
// what the server wants and the flags that give it (--user and --password-env, and
// --require-tls when the server offers AUTH only after STARTTLS), and what AUTH the server
// offered, rather than the server's "530 5.7.0 Authentication required" alone.

import { describe, test } from "node:test";
import { strict as assert } from "node:assert";
import type net from "node:net";
import { getTestCerts, writeTestCerts } from "../helpers/certs.js";
import { MESSAGE, run, Serve, tempDirs } from "../helpers/cli-process.js";
import { lineServer } from "../helpers/line-server.js";

/** `send`'s arguments to the server on `port`, with `extra`. */
function sendArgs(port: number, ...extra: string[]): string[] {
  return ["send", "--server", `127.0.0.1:${port}`, "--from", "a@x.test", "--to", "b@x.test", ...extra];
}

/** A server without AUTH or STARTTLS that answers MAIL with `mail` and RCPT with `rcpt`. */
async function scripted(mail: string, rcpt: string): Promise<{ port: number; close: () => Promise<void> }> {
  const replies: [RegExp, string][] = [[/^EHLO /i, "250 mx.test"], [/^MAIL /i, mail], [/^RCPT /i, rcpt], [/^RSET/i, "250 ok"], [/^QUIT/i, "221 bye"]];
  return lineServer((sock: net.Socket, line: string) => {
    const reply = replies.find(([command]) => command.test(line))?.[1] ?? "500 what";
    sock.write(`${reply}\r\n`);
    if (/^QUIT/i.test(line)) sock.end();
  });
}

describe("smtplib send: a 530 (authentication required) says how to log in", { concurrency: 1 }, () => {
  test("the server offers AUTH: give --user and --password-env, with the mechanisms it offers", async () => {
    const serve = await Serve.start(["--auth", "u:p", "--auth-required", "--quiet"]);
    try {
      const r = await run(sendArgs(serve.port), { input: MESSAGE });
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /^smtplib: sender <a@x\.test> refused: 530 .* \(the server requires a login: give --user and --password-env; it offers AUTH PLAIN LOGIN[^)]*\)\n$/);
    } finally {
      await serve.stop();
    }
  });

  test("the server in clear offers STARTTLS and AUTH only after it: give --require-tls with --user and --password-env", async () => {
    const files = await writeTestCerts(await getTestCerts());
    tempDirs.push(files.dir);
    const serve = await Serve.start(["--auth", "u:p", "--auth-required", "--tls-cert", files.cert, "--tls-key", files.key, "--quiet"]);
    try {
      const r = await run(sendArgs(serve.port), { input: MESSAGE });
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /refused: 530 .* \(the server offers STARTTLS and no AUTH before it: give --require-tls with --user and --password-env\)\n$/);
    } finally {
      await serve.stop();
    }
  });

  test("the server offers neither AUTH nor STARTTLS: says so, and where a login may be taken", async () => {
    const server = await scripted("530 5.7.0 Authentication required", "250 ok");
    try {
      const r = await run(sendArgs(server.port), { input: MESSAGE });
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /refused: 530 5\.7\.0 Authentication required \(the server requires a login but offers no AUTH and no STARTTLS on this connection: .*--user and --password-env\)\n$/);
    } finally {
      await server.close();
    }
  });

  test("every RCPT refused with 530: the same hint follows the summary line", async () => {
    const server = await scripted("250 ok", "530 5.7.1 Client was not authenticated");
    try {
      const r = await run(sendArgs(server.port), { input: MESSAGE });
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stdout, /^refused <b@x\.test>: 530 5\.7\.1 Client was not authenticated\n/);
      assert.match(r.stderr, /^smtplib: every recipient was refused \(1\) \(the server requires a login but offers no AUTH/);
    } finally {
      await server.close();
    }
  });

  test("another refusal at MAIL gets no such hint", async () => {
    const server = await scripted("550 5.7.1 Sender rejected", "250 ok");
    try {
      const r = await run(sendArgs(server.port), { input: MESSAGE });
      assert.equal(r.code, 4, r.stderr);
      assert.equal(r.stderr, "smtplib: sender <a@x.test> refused: 550 5.7.1 Sender rejected\n");
    } finally {
      await server.close();
    }
  });
});
