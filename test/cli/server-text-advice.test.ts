// The CLI words the library's advice as its flags (cliWording: "use SMTP_SSL" is "use --ssl",
// "tls.ca" is "--ca-file", the timeout hint goes), and fits it to the TLS flag given ("use
// --ssl instead of --starttls"). Those rewrites ran over the whole line, the server's reply
// text in it included: a 530 saying "Must use SMTP_SSL" was printed as the server saying
// "Must use --ssl instead of --starttls", advice the server never gave, put in its mouth. The
// server's words are now kept as they came; the library's around them are still reworded.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { describeError } from "../../src/cli/connect.js";
import { closedBy421, SMTPAuthenticationError, SMTPConnectError, SMTPDataError, SMTPHeloError, SMTPResponseException, SMTPSenderRefused } from "../../src/errors.js";
import { timeoutUnitHint } from "../../src/error-text.js";
import { implicitTLSPortMessage } from "../../src/transport/tls-diagnostics.js";
import { run } from "../helpers/cli-process.js";
import { lineServer, type LineServer } from "../helpers/line-server.js";

/** Server text that holds every phrase the CLI rewrites in the library's words. */
const SAID = `5.7.0 Must use SMTP_SSL, or use --ssl; requireTLS is set; tls.ca; localHostname${timeoutUnitHint(5)}`;
const MODES = [undefined, "none", "starttls", "require-tls", "ssl"] as const;

test("a reply's text is printed as the server sent it, whatever the TLS flag: no advice made of it, none put in it", () => {
  const errors = [
    new SMTPSenderRefused(530, SAID, "a@x.test", { command: "MAIL FROM:<a@x.test>" }),
    new SMTPDataError(554, SAID, { command: "DATA" }),
    new SMTPHeloError(554, SAID, { command: "EHLO x.test" }),
    new SMTPAuthenticationError(535, SAID, { command: "AUTH PLAIN" }),
    new SMTPResponseException(454, SAID, { command: "STARTTLS" }),
    new SMTPResponseException(421, SAID, { command: "MAIL FROM:<a@x.test>" }),
    closedBy421({ message: SAID }),
    // a 2yz before the server had all of the message: said as the error's message, which escapes control characters
    new SMTPDataError(250, `${SAID}\r\nmore\t`, { command: "DATA", delivery: "unknown", cause: new Error("closed") }),
  ];
  for (const err of errors) {
    for (const mode of MODES) {
      const said = describeError(err, false, mode);
      assert.ok(said.includes(SAID), `${err.name} ${mode}: ${said}`);
      assert.doesNotMatch(said, /instead of/, `${err.name} ${mode}: ${said}`);
    }
  }
});

test("a challenge the library gave up on: its words reworded (the timeout hint goes), the server's after them kept", () => {
  const err = new SMTPAuthenticationError(334, `AUTH LOGIN cancelled: no answer to the server's challenge came within 5 ms (the command timeout)${timeoutUnitHint(5)}; server: ${SAID}`);
  for (const mode of MODES) {
    const said = describeError(err, false, mode);
    assert.equal(said, `SMTPAuthenticationError: 334 AUTH LOGIN cancelled: no answer to the server's challenge came within 5 ms (the command timeout); server: ${SAID}`, `${mode}`);
  }
});

test("the library's own advice is still reworded and fitted to the flag given", () => {
  const err = new SMTPConnectError(-1, implicitTLSPortMessage("127.0.0.1", 465), { command: "the greeting" });
  assert.match(describeError(err, false, "none"), /: use --ssl$/);
  assert.match(describeError(err, false, "starttls"), /: use --ssl instead of --starttls$/);
  assert.match(describeError(err, false, "require-tls"), /: use --ssl instead of --require-tls$/);
  const lmtp = new SMTPConnectError(-1, implicitTLSPortMessage("127.0.0.1", 465, true), { command: "the greeting" });
  assert.match(describeError(lmtp, true, "starttls"), /, with --require-tls \(instead of --starttls\)$/);
});

/** A lock-step server without STARTTLS that refuses MAIL with `reply`. */
function refusingServer(reply: string): Promise<LineServer> {
  return lineServer((sock, line) => {
    const word = line.split(" ")[0]!.toUpperCase();
    if (word === "MAIL") sock.write(reply);
    else if (word === "QUIT") sock.end("221 bye\r\n");
    else sock.write(word === "EHLO" ? "250 mx.test\r\n" : "250 ok\r\n");
  });
}

test("send --starttls: a sender refused with a 530 that says 'use SMTP_SSL' prints the server's words as they came", async () => {
  const server = await refusingServer("530 5.7.0 Must use SMTP_SSL\r\n");
  try {
    const r = await run(["send", "--starttls", "--server", `127.0.0.1:${server.port}`, "--from", "a@x.test", "--to", "b@x.test", "--subject", "s"]);
    assert.equal(r.code, 4, r.stderr);
    // (the CLI's own hint follows: a 530 asks for a login)
    assert.ok(r.stderr.includes("smtplib: sender <a@x.test> refused: 530 5.7.0 Must use SMTP_SSL (the server requires a login"), r.stderr);
    assert.doesNotMatch(r.stderr, /Must use --ssl/, r.stderr);
  } finally {
    await server.close();
  }
});
