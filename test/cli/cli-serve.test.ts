// The `smtplib serve` command as a child process, driven by a raw socket: its transcript and
// messages, --auth-file, TLS files, signals, a closed output and a client that disconnects.

import { describe, test } from "node:test";
import { strict as assert } from "node:assert";
import { connect } from "node:net";
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { getTestCerts, writeTestCerts } from "../helpers/certs.js";
import { children, MESSAGE, rawSession, run, Serve, tempDirs, tempFile } from "../helpers/cli-process.js";

// Side by side, a few per core (at most 4), as in cli-send.test.ts, which says why.
describe("the smtplib command", { concurrency: Math.min(4, 2 * availableParallelism()) }, () => {
  test("serve prints the transcript and the message, and exits 0 on SIGINT and SIGTERM", async () => {
    const serve = await Serve.start(["--auth", "alice:pw-123"]);
    const replies = await rawSession(serve.port, [
      "EHLO raw.example", `AUTH PLAIN ${Buffer.from("\0alice\0pw-123").toString("base64")}`,
      "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "DATA", "Subject: x\r\n\r\n..dot\r\n.", "QUIT",
    ]);
    assert.match(replies, /^235 /m);
    await serve.waitFor(/end of message 1/);
    assert.match(serve.stdout, /\] C: MAIL FROM:<a@example\.org>/);
    assert.match(serve.stdout, /MAIL FROM: <a@example\.org>\nRCPT TO: {3}<b@example\.org>\n\nSubject: x\r\n\r\n\.dot\r\n/);
    assert.match(serve.stdout, /C: AUTH PLAIN \*\*\*/);
    assert.ok(!serve.stdout.includes(Buffer.from("\0alice\0pw-123").toString("base64")) && !serve.stdout.includes("pw-123"));
    const clash = await run(["serve", "--port", String(serve.port)]);
    assert.equal(clash.code, 5);
    assert.match(clash.stderr, /cannot start: .*EADDRINUSE/);
    assert.equal(clash.stdout, "", "the error once, on stderr: not also as a transcript line on stdout");
    assert.equal(await serve.stop("SIGINT"), 0);
    const again = await Serve.start(["--quiet"]);
    assert.equal(await again.stop("SIGTERM"), 0);
    assert.doesNotMatch(again.stdout, /\] [CS]: /);
  });

  test("serve --auth-file: its users log in; their passwords are not in the process list nor in any output", async () => {
    const users = await tempFile("users.txt", "# test users\nalice:file-pw-1\n\nbob:file:pw:2\n");
    const serve = await Serve.start(["--auth-file", users, "--auth-required"]);
    const secrets = ["file-pw-1", "file:pw:2", Buffer.from("\0alice\0file-pw-1").toString("base64")];
    try {
      assert.match(serve.stdout, /AUTH for 2 user\(s\), required/);
      const cmdline = await readFile(`/proc/${serve.child.pid}/cmdline`, "utf8"); // what `ps` shows
      assert.ok(cmdline.includes(users) && !secrets.some((s) => cmdline.includes(s)), cmdline);
      const replies = await rawSession(serve.port, ["EHLO raw.example", `AUTH PLAIN ${secrets[2]}`, "QUIT"]);
      assert.match(replies, /^235 /m);
      const sent = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--user", "bob", "--password-env", "SMTPLIB_TEST_PW", "-v"], { input: MESSAGE, env: { SMTPLIB_TEST_PW: "file:pw:2" } });
      assert.equal(sent.code, 0, sent.stderr);
      assert.match(sent.stderr, /^C: AUTH /m);
      await serve.waitFor(/end of message 1/);
      assert.match(serve.stdout, /user bob\)/);
      for (const output of [sent.stdout, sent.stderr, serve.stdout, serve.stderr]) assert.ok(!secrets.some((s) => output.includes(s)), output);
    } finally {
      assert.equal(await serve.stop(), 0);
    }
  });

  test("serve --auth-file: a malformed line exits 2 naming the file and line (not the line); so do a missing file and a device", async () => {
    const bad = await tempFile("bad.txt", "alice:pw\n# comment\nbob-secret-no-colon\n");
    const r = await run(["serve", "--port", "0", "--auth-file", bad]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `smtplib: --auth-file ${bad} line 3: not user:password (the line is not shown: it may hold a password)\n`);
    assert.equal(r.stdout, "", "refused before listening");
    const missing = await run(["serve", "--port", "0", "--auth-file", "/nonexistent/users.txt"]);
    assert.equal(missing.code, 2, missing.stderr);
    assert.equal(missing.stderr, "smtplib: --auth-file /nonexistent/users.txt: cannot read it (ENOENT)\n");
    // not read until memory runs out
    const device = await run(["serve", "--port", "0", "--auth-file", "/dev/zero"]);
    assert.equal(device.code, 2, device.stderr);
    assert.equal(device.stderr, "smtplib: --auth-file /dev/zero: not a regular file (a device)\n");
  });

  // exit 141 (128 + SIGPIPE, as a shell says of `yes | head`), not 0 as before: see serve-output-pipe.test.ts
  test("serve: output that closes (serve | head) stops the server quietly, with no crash, exit 141", async () => {
    const serve = new Serve([]);
    const m = await serve.waitFor(/listening on 127\.0\.0\.1:(\d+)/);
    serve.child.stdout!.destroy(); // the reading end goes away: the next write fails with EPIPE
    const sent = await run(["send", "--server", `127.0.0.1:${m[1]}`, "--from", "a@x.test", "--to", "b@x.test"], { input: MESSAGE });
    assert.notEqual(sent.code, null);
    const [code] = await serve.closed;
    children.delete(serve.child);
    assert.equal(code, 141, serve.stderr);
    assert.doesNotMatch(serve.stderr, /EPIPE|Error|at /);
  });

  test("serve: a client that disconnects in the middle of a message is shown as such, the part received is not printed as a message", async () => {
    const serve = await Serve.start();
    try {
      const socket = connect(serve.port, "127.0.0.1");
      let received = "";
      let sent = false;
      socket.on("data", (d: Buffer) => {
        received += d.toString();
        // Once each, however the replies are split into reads.
        if (/^220 /m.test(received) && !sent) {
          sent = true;
          socket.write("EHLO raw.example\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n");
        }
        if (/^354 /m.test(received) && !socket.writableEnded) socket.end("Subject: cut\r\n\r\nhalf of a mess");
      });
      await serve.waitFor(/\* connection closed/);
      await serve.waitFor(/\* message not received in full, discarded: /);
      assert.doesNotMatch(serve.stdout, /-- message 1 /);
      // the server goes on: the next message arrives whole
      const ok = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test"], { input: MESSAGE });
      assert.equal(ok.code, 0, ok.stderr);
      await serve.waitFor(/end of message 1/);
    } finally {
      assert.equal(await serve.stop(), 0);
    }
  });

  test("serve: a --tls-cert/--tls-key that cannot be used is named in the one-line error (exit 5)", async () => {
    const files = await writeTestCerts(await getTestCerts());
    tempDirs.push(files.dir);
    const notPem = await tempFile("cert.txt", "not a certificate\n");
    const bad = await run(["serve", "--port", "0", "--tls-cert", notPem, "--tls-key", files.key]);
    assert.equal(bad.code, 5, bad.stderr);
    assert.match(bad.stderr, /^smtplib serve: cannot start: --tls-cert \S+cert\.txt, --tls-key \S+: .*PEM/);
    assert.equal(bad.stderr.split("\n").filter(Boolean).length, 1, bad.stderr);
    const missing = await run(["serve", "--port", "0", "--tls-cert", files.cert, "--tls-key", "/nonexistent/key.pem"]);
    assert.equal(missing.code, 5, missing.stderr);
    assert.match(missing.stderr, /cannot start: --tls-key \/nonexistent\/key\.pem: cannot read it \(ENOENT\)/);
  });
});
