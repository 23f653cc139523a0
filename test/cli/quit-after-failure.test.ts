// RFC 5321 §4.1.1.10: "The sender MUST NOT intentionally close the transmission channel until
// it sends a QUIT command ... (even if there was an error response to a previous command)".
// send and probe QUIT after success; after a refusal (of the sender, of every recipient, of
// the login, of EHLO and HELO) or a missing STARTTLS with --require-tls, the session is still
// open and they used to drop it, which the server logs as a lost connection (Postfix: "lost
// connection after RSET"). A server that closed with 421 gets nothing more.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { lineServer } from "../helpers/line-server.js";
import { run } from "../helpers/cli-process.js";

/** A server answering by `answer` (undefined: 250), QUIT with 221; records the commands. */
async function recordingServer(answer: (line: string) => string | undefined): Promise<{ port: number; lines: string[]; close(): Promise<void> }> {
  const lines: string[] = [];
  let inData = false;
  const server = await lineServer((sock, line) => {
    // the message's lines get no reply; its end (".") gets `answer(".")`
    if (inData && line !== ".") return;
    inData = /^DATA/i.test(line);
    lines.push(line.split(" ").slice(0, 2).join(" "));
    if (/^QUIT/i.test(line)) {
      sock.end("221 2.0.0 Bye\r\n");
      return;
    }
    const reply = answer(line) ?? "250 2.0.0 Ok";
    if (reply.startsWith("421")) sock.end(`${reply}\r\n`);
    else sock.write(`${reply}\r\n`);
  });
  return { port: server.port, lines, close: () => server.close() };
}

const ENVELOPE = ["--from", "a@x.test", "--to", "b@x.test", "--subject", "s"];

const CASES: { name: string; answer: (line: string) => string | undefined; args: string[]; code: number; quit: boolean }[] = [
  { name: "send, sender refused (exit 4)", answer: (l) => (/^MAIL/i.test(l) ? "550 5.7.1 sender refused" : undefined), args: ["send", ...ENVELOPE], code: 4, quit: true },
  { name: "send, every recipient refused (exit 4)", answer: (l) => (/^RCPT/i.test(l) ? "550 5.1.1 no such user" : undefined), args: ["send", ...ENVELOPE], code: 4, quit: true },
  { name: "send, the data refused (exit 4)", answer: (l) => (l === "." ? "554 5.6.0 refused" : /^DATA/i.test(l) ? "354 go on" : undefined), args: ["send", ...ENVELOPE, "--no-pipelining"], code: 4, quit: true },
  {
    name: "send, login refused (exit 6)",
    answer: (l) => (/^EHLO/i.test(l) ? "250-mx.test\r\n250 AUTH PLAIN" : /^AUTH/i.test(l) ? "535 5.7.8 bad credentials" : undefined),
    args: ["send", ...ENVELOPE, "--user", "u", "--password-env", "SMTPLIB_TEST_PW", "--auth-mech", "PLAIN"], code: 6, quit: true,
  },
  { name: "send --require-tls, no STARTTLS offered (exit 5)", answer: () => undefined, args: ["send", ...ENVELOPE, "--require-tls"], code: 5, quit: true },
  { name: "probe, EHLO and HELO refused (exit 5)", answer: (l) => (/^(EHLO|HELO)/i.test(l) ? "502 5.5.1 not implemented" : undefined), args: ["probe"], code: 5, quit: true },
  { name: "probe --require-tls, no STARTTLS offered (exit 5)", answer: () => undefined, args: ["probe", "--require-tls"], code: 5, quit: true },
  { name: "send, 421 at MAIL: the server has closed, nothing more is sent (exit 5)", answer: (l) => (/^MAIL/i.test(l) ? "421 4.3.2 going down" : undefined), args: ["send", ...ENVELOPE], code: 5, quit: false },
];

for (const c of CASES) {
  test(`QUIT after a failure that leaves the session open: ${c.name}`, async () => {
    const server = await recordingServer(c.answer);
    try {
      const where = `127.0.0.1:${server.port}`;
      const args = c.args[0] === "probe" ? [...c.args, where] : [...c.args, "--server", where];
      const r = await run(args, { env: { SMTPLIB_TEST_PW: "pw" } });
      assert.equal(r.code, c.code, r.stdout + r.stderr);
      assert.equal(r.stderr.split("\n").filter((l) => l.startsWith("smtplib: ") && !l.startsWith("smtplib: warning")).length, 1, r.stderr);
      assert.equal(server.lines.at(-1) === "QUIT", c.quit, server.lines.join(" | "));
      assert.equal(server.lines.filter((l) => l === "QUIT").length, c.quit ? 1 : 0, server.lines.join(" | "));
    } finally {
      await server.close();
    }
  });
}
