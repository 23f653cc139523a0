// `smtplib send`'s summary line counts recipients as its per-recipient lines do: once each.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { run, Serve } from "../helpers/cli-process.js";

test("send: a recipient given twice is counted once in 'sent to N of M' (exit 0 reads as every recipient, not a partial delivery)", async () => {
  const serve = await Serve.start(["--refuse-recipient", "no@x.test"]);
  try {
    const server = `127.0.0.1:${serve.port}`;
    const ok = await run(["send", "--server", server, "--from", "a@x.test", "--to", "b@x.test", "--to", "b@x.test", "--subject", "s"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^sent to 1 of 1 recipient\(s\)/m);
    const none = await run(["send", "--server", server, "--from", "a@x.test", "--to", "no@x.test", "--to", "no@x.test", "--subject", "s"]);
    assert.equal(none.code, 4, none.stderr);
    assert.match(none.stdout, /^sent to 0 of 1 recipient\(s\)$/m);
  } finally {
    await serve.stop();
  }
});

test("send: every recipient refused prints each recipient's line, then the summary last, as a partial delivery does", async () => {
  const serve = await Serve.start(["--refuse-recipient", "no@x.test", "--refuse-recipient", "nay@x.test"]);
  try {
    const server = `127.0.0.1:${serve.port}`;
    const partial = await run(["send", "--server", server, "--from", "a@x.test", "--to", "b@x.test", "--to", "no@x.test", "--subject", "s"]);
    assert.equal(partial.code, 3, partial.stderr);
    assert.match(partial.stdout, /^delivered <b@x\.test>: 250 [^\n]*\nrefused <no@x\.test>: 550 [^\n]*\nsent to 1 of 2 recipient\(s\) \(\d+ bytes\)\n$/);
    const none = await run(["send", "--server", server, "--from", "a@x.test", "--to", "no@x.test", "--to", "nay@x.test", "--subject", "s"]);
    assert.equal(none.code, 4, none.stderr);
    assert.match(none.stdout, /^refused <no@x\.test>: 550 [^\n]*\nrefused <nay@x\.test>: 550 [^\n]*\nsent to 0 of 2 recipient\(s\)\n$/);
  } finally {
    await serve.stop();
  }
});

test("send: a recipient given twice gets one RCPT: over LMTP, each RCPT is answered, and may be delivered, apart", async () => {
  const serve = await Serve.start(["--lmtp", "--quiet"]);
  try {
    const done = await run(["send", "--lmtp", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--to", "c@x.test", "--to", "b@x.test", "--subject", "s", "-v"]);
    assert.equal(done.code, 0, done.stderr);
    assert.deepEqual(done.stderr.match(/^C: RCPT TO:.*$/gm), ["C: RCPT TO:<b@x.test>", "C: RCPT TO:<c@x.test>"]);
    assert.equal(done.stderr.match(/^S: 250 2\.6\.0 /gm)?.length, 2, done.stderr);
    assert.match(done.stdout, /^sent to 2 of 2 recipient\(s\)/m);
  } finally {
    await serve.stop();
  }
});

test("send: a recipient given in several forms (bare, <addr>, with a display name) is the one address: one RCPT, counted once", async () => {
  const serve = await Serve.start(["--lmtp", "--quiet"]);
  try {
    const done = await run(["send", "--lmtp", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test",
      "--to", "b@x.test", "--to", "<b@x.test>", "--to", "Bob <b@x.test>", "--to", "B@x.test", "--subject", "s", "-v"]);
    assert.equal(done.code, 0, done.stderr);
    // the local part is case-sensitive (RFC 5321 §2.4): B@x.test is another mailbox
    assert.deepEqual(done.stderr.match(/^C: RCPT TO:.*$/gm), ["C: RCPT TO:<b@x.test>", "C: RCPT TO:<B@x.test>"]);
    assert.equal(done.stdout.replace(/ \(\d+ bytes\)/, ""), [
      "delivered <b@x.test>: 250 2.6.0 OK: delivered to <b@x.test>",
      "delivered <B@x.test>: 250 2.6.0 OK: delivered to <B@x.test>",
      "sent to 2 of 2 recipient(s)",
      "",
    ].join("\n"));
  } finally {
    await serve.stop();
  }
});

test("send: a recipient whose domain is given in another case is the one address (domains are case-insensitive, RFC 5321 §2.4): one RCPT over LMTP", async () => {
  const serve = await Serve.start(["--lmtp", "--quiet"]);
  try {
    const done = await run(["send", "--lmtp", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test",
      "--to", "b@x.test", "--to", "b@X.Test", "--to", "Bob <b@X.TEST>", "--subject", "s", "-v"]);
    assert.equal(done.code, 0, done.stderr);
    assert.deepEqual(done.stderr.match(/^C: RCPT TO:.*$/gm), ["C: RCPT TO:<b@x.test>"]);
    assert.match(done.stdout, /^delivered <b@x\.test>: 250 [^\n]*\nsent to 1 of 1 recipient\(s\)/);
  } finally {
    await serve.stop();
  }
});

test("send: recipients whose quoted local parts hold '@' and differ in case are two addresses (only the domain's case does not count): two RCPTs", async () => {
  const serve = await Serve.start(["--lmtp", "--quiet"]);
  try {
    const done = await run(["send", "--lmtp", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test",
      "--to", '"b@Q"@x.test', "--to", '"b@q"@X.test', "--subject", "s", "-v"]);
    // The debugging server (smtp-server) refuses quoted local parts: what counts is the RCPTs sent.
    assert.deepEqual(done.stderr.match(/^C: RCPT TO:.*$/gm), ['C: RCPT TO:<"b@Q"@x.test>', 'C: RCPT TO:<"b@q"@X.test>'], done.stderr);
  } finally {
    await serve.stop();
  }
});
