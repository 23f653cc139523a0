// A message with 8-bit bytes (a file or a pipe: the CLI sends bytes as given) may go only to
// a server that offers 8BITMIME (or SMTPUTF8), declared with BODY=8BITMIME (RFC 6152 §3):
// one without it would take and pass on bytes it may strip or mangle. send sent it all the
// same, undeclared, and exited 0.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { run, Serve, tempFile } from "../helpers/cli-process.js";

const EIGHT_BIT = Buffer.from("From: a@x.test\r\nSubject: caf\xe9\r\n\r\nh\xe9llo\r\n", "latin1");
const SEVEN_BIT = "From: a@x.test\r\nSubject: cafe\r\n\r\nhello\r\n";

test("send: an 8-bit message to a server without 8BITMIME is refused before MAIL (file) or before its end (pipe), exit 4, nobody gets it", async () => {
  const serve = await Serve.start(["--hide", "8bitmime,smtputf8", "--quiet"]);
  try {
    const base = ["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test"];
    const file = await tempFile("8bit.eml", EIGHT_BIT);
    const fromFile = await run([...base, "--file", file, "-v"]);
    assert.equal(fromFile.code, 4, fromFile.stderr);
    assert.match(fromFile.stderr, /smtplib: the message has 8-bit bytes \(the first at offset 28\) and the server offers neither 8BITMIME nor SMTPUTF8/);
    assert.doesNotMatch(fromFile.stderr, /C: MAIL/, "refused before MAIL");
    // exit 4, nobody got it: said on stdout as every refusal is (send-stdout-outcomes.test.ts)
    assert.equal(fromFile.stdout, "sent to 0 of 1 recipient(s)\n");
    const piped = await run(base, { input: EIGHT_BIT.toString("latin1") });
    assert.equal(piped.code, 4, piped.stderr);
    assert.match(piped.stderr, /the message has 8-bit bytes .*nobody got it/);
    assert.equal(piped.stdout, "sent to 0 of 1 recipient(s)\n");
    // a 7-bit message still goes
    const plain = await run([...base, "--file", await tempFile("7bit.eml", SEVEN_BIT)]);
    assert.equal(plain.code, 0, plain.stderr);
    await serve.waitFor(/end of message 1 -/);
    assert.doesNotMatch(serve.stdout, /message 2/, "no 8-bit message was delivered");
  } finally {
    await serve.stop();
  }
});

test("send: an 8-bit file to a server that offers 8BITMIME goes with BODY=8BITMIME (a 7-bit one without; a pipe as before)", async () => {
  const serve = await Serve.start(["--quiet"]);
  try {
    const base = ["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test"];
    const sent = await run([...base, "--file", await tempFile("8bit.eml", EIGHT_BIT)]);
    assert.equal(sent.code, 0, sent.stderr);
    await serve.waitFor(/end of message 1 -/);
    assert.match(serve.stdout, /MAIL FROM: <a@x\.test> SIZE=40 BODY=8BITMIME\n/);
    const plain = await run([...base, "--file", await tempFile("7bit.eml", SEVEN_BIT)]);
    assert.equal(plain.code, 0, plain.stderr);
    await serve.waitFor(/end of message 2 -/);
    assert.doesNotMatch(serve.stdout.slice(serve.stdout.indexOf("message 2")), /BODY=/);
    // from a pipe, its bytes unknown before MAIL, it goes as before (8-bit bytes may go there)
    const piped = await run(base, { input: EIGHT_BIT.toString("latin1") });
    assert.equal(piped.code, 0, piped.stderr);
    await serve.waitFor(/end of message 3 -/);
  } finally {
    await serve.stop();
  }
});
