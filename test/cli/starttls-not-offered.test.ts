// `--starttls` against a server that offers no STARTTLS (`smtplib serve` without a
// certificate): send and probe go on in clear text, saying so once on stderr, and succeed;
// `--require-tls` fails instead (exit 5).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { MESSAGE, run, Serve } from "../helpers/cli-process.js";

const WARNING = "smtplib: warning: the server does not offer STARTTLS; continuing WITHOUT encryption\n";

test("send --starttls, no STARTTLS offered: one warning on stderr, the message sent in clear text (exit 0)", async () => {
  const serve = await Serve.start([]);
  try {
    const r = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--starttls"], { input: MESSAGE });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, WARNING);
    assert.equal(r.stdout, "delivered <b@x.test>: 250 2.6.0 OK: message queued\nsent to 1 of 1 recipient(s)\n");
    await serve.waitFor(/end of message 1/);
    assert.doesNotMatch(serve.stdout, /STARTTLS|TLS established/);
  } finally {
    await serve.stop();
  }
});

test("probe --starttls, no STARTTLS offered: 'not offered', one warning on stderr, exit 0; --require-tls: exit 5", async () => {
  const serve = await Serve.start([]);
  try {
    const r = await run(["probe", `127.0.0.1:${serve.port}`, "--starttls"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, WARNING);
    assert.match(r.stdout, /^ {2}STARTTLS\+EHLO +[\d.]+ ms {2}not offered$/m);
    assert.match(r.stdout, /^TLS: not in use$/m);
    const required = await run(["probe", `127.0.0.1:${serve.port}`, "--require-tls"]);
    assert.equal(required.code, 5, required.stderr);
    assert.equal(required.stderr, "smtplib: SMTPException: the server does not offer STARTTLS and --require-tls was given: look for a port of the server that offers TLS (587 with --require-tls, or 465 with --ssl instead of --require-tls)\n");
  } finally {
    await serve.stop();
  }
});
