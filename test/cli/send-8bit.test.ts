// A message with 8-bit bytes (a file or a pipe: the CLI sends bytes as given) may go only to
// a server that offers 8BITMIME (or SMTPUTF8), declared with BODY=8BITMIME (RFC 6152 §3):
// one without it would take and pass on bytes it may strip or mangle. send sent it all the
// same, undeclared, and exited 0.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { run, Serve, tempFile } from "../helpers/cli-process.js";

const EIGHT_BIT = Buffer.from("From: a@x.test\r\nSubject: caf\xe9\r\n\r\nh\xe9llo\r\n", "latin1");
const SEVEN_BIT = "From: a@x.test\r\nSubject: cafe\r\n\r\nhello\r\n";

test("send: an 8-bit message to a server without 8BITMIME is refused before MAIL (a file, a pipe's first MiB read ahead) or before its end (a pipe's later bytes), exit 4, nobody gets it", async () => {
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
    // a pipe's first MiB is read ahead before MAIL: a message that fits is refused as a file is
    const piped = await run([...base, "-v"], { input: EIGHT_BIT.toString("latin1") });
    assert.equal(piped.code, 4, piped.stderr);
    assert.match(piped.stderr, /smtplib: the message has 8-bit bytes \(the first at offset 28\) and the server offers neither 8BITMIME nor SMTPUTF8 \(RFC 6152\): it was not sent;/);
    assert.doesNotMatch(piped.stderr, /C: MAIL/, "refused before MAIL");
    assert.equal(piped.stdout, "sent to 0 of 1 recipient(s)\n");
    // one longer than what is read ahead, with an 8-bit byte within it: refused before MAIL too
    const tail = `${"x".repeat(76)}\r\n`.repeat(15_000);
    const early = await run([...base, "-v"], { input: `${EIGHT_BIT.toString("latin1")}${tail}` });
    assert.equal(early.code, 4, early.stderr);
    assert.match(early.stderr, /the message has 8-bit bytes \(the first at offset 28\) .*: it was not sent;/);
    assert.doesNotMatch(early.stderr, /C: MAIL/, "refused before MAIL");
    assert.equal(early.stdout, "sent to 0 of 1 recipient(s)\n");
    // one whose first 8-bit byte comes past what is read ahead is stopped there as it goes
    const long = `${SEVEN_BIT}${`${"x".repeat(76)}\r\n`.repeat(15_000)}`;
    const late = await run(base, { input: `${long}h\u00e9llo\r\n` });
    assert.equal(late.code, 4, late.stderr);
    assert.match(late.stderr, new RegExp(`the message has 8-bit bytes \\(the first at offset ${long.length + 1}\\) .*: sending stopped there, and nobody got it`));
    assert.equal(late.stdout, "sent to 0 of 1 recipient(s)\n");
    // a 7-bit message still goes
    const plain = await run([...base, "--file", await tempFile("7bit.eml", SEVEN_BIT)]);
    assert.equal(plain.code, 0, plain.stderr);
    await serve.waitFor(/end of message 1 -/);
    assert.doesNotMatch(serve.stdout, /message 2/, "no 8-bit message was delivered");
  } finally {
    await serve.stop();
  }
});

test("send: an 8-bit file or pipe to a server that offers 8BITMIME goes with BODY=8BITMIME (a 7-bit one without; a pipe longer than what is read ahead, with it)", async () => {
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
    // from a pipe, its first MiB read ahead before MAIL: it was sent undeclared
    const piped = await run(base, { input: EIGHT_BIT.toString("latin1") });
    assert.equal(piped.code, 0, piped.stderr);
    await serve.waitFor(/end of message 3 -/);
    assert.match(serve.stdout.slice(serve.stdout.indexOf("message 3")), /\nMAIL FROM: <a@x\.test> BODY=8BITMIME\n/);
    const pipedPlain = await run(base, { input: SEVEN_BIT });
    assert.equal(pipedPlain.code, 0, pipedPlain.stderr);
    await serve.waitFor(/end of message 4 -/);
    assert.doesNotMatch(serve.stdout.slice(serve.stdout.indexOf("message 4")), /BODY=/);
    // past what is read ahead, its bytes unknown before MAIL: declared (RFC 6152 allows a 7-bit body so)
    const pipedLong = await run(base, { input: `${SEVEN_BIT}${`${"x".repeat(76)}\r\n`.repeat(15_000)}` });
    assert.equal(pipedLong.code, 0, pipedLong.stderr);
    await serve.waitFor(/end of message 5 -/);
    assert.match(serve.stdout.slice(serve.stdout.indexOf("message 5")), /\nMAIL FROM: <a@x\.test> BODY=8BITMIME\n/);
  } finally {
    await serve.stop();
  }
});
