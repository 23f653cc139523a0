// The `smtplib send` command as a child process against `smtplib serve`: partial delivery,
// STARTTLS and AUTH, LMTP, bad files, signals while it waits, and exit codes.

import { describe, test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { once } from "node:events";
import { open } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { getTestCerts, writeTestCerts } from "../helpers/certs.js";
import { onLines } from "../helpers/lines.js";
import { children, ended, LIMIT_MS, MAIN, MESSAGE, run, Serve, tempDirs, tempFile, whenOutput } from "../helpers/cli-process.js";

// Each test has its own servers, ports and files, so they run side by side: their time is
// child processes starting (about 0.2 s of CPU each) and waiting. A few per core keep the
// cores busy; all at once would only stretch each child towards LIMIT_MS on a loaded machine
// (at most 4: a container may show many cores but allow few).
describe("the smtplib command", { concurrency: Math.min(4, 2 * availableParallelism()) }, () => {
  // First: most of its time is the 5 s an unanswered QUIT is waited for, idle time that the
  // tests after it fill.
  test("send: once the server accepted the message, a Ctrl-C while QUIT waits exits with that outcome (0), not 130", async () => {
    const quitless = createServer((sock) => {
      sock.on("error", () => undefined);
      sock.write("220 mx.test ESMTP\r\n");
      let inData = false;
      onLines(sock, (line) => {
        if (inData) {
          if (line === ".") { inData = false; sock.write("250 queued\r\n"); }
          return;
        }
        const verb = line.split(" ")[0]!.toUpperCase();
        if (verb === "DATA") { inData = true; sock.write("354 go\r\n"); }
        else if (verb !== "QUIT") sock.write(verb === "EHLO" ? "250 mx.test\r\n" : "250 ok\r\n"); // QUIT: no answer
      });
    });
    await new Promise<void>((resolve) => quitless.listen(0, "127.0.0.1", resolve));
    const port = (quitless.address() as { port: number }).port;
    try {
      // Without a signal, the unanswered QUIT holds the command for a few seconds, not minutes
      // (that one runs meanwhile: its wait is idle time).
      const waiting = run(["send", "--server", `127.0.0.1:${port}`, "--from", "a@x.test", "--to", "b@x.test"], { input: MESSAGE });
      const child = spawn(process.execPath, [MAIN, "send", "--server", `127.0.0.1:${port}`, "--from", "a@x.test", "--to", "b@x.test"], { stdio: ["pipe", "pipe", "pipe"] });
      children.add(child);
      let stdout = "";
      let stderr = "";
      child.stdout!.on("data", (d: Buffer) => { stdout += d.toString(); });
      child.stderr!.on("data", (d: Buffer) => { stderr += d.toString(); });
      child.stdin!.end(MESSAGE);
      // (bounded by LIMIT_MS, not a shorter wait: a child slow to start on a loaded machine
      // would otherwise be signalled before the server's answer and exit 130)
      await whenOutput(child.stdout!, () => stdout.includes("sent to 1 of 1"), LIMIT_MS, () => `send did not report the delivery:\n${stdout}\n${stderr}`);
      child.kill("SIGINT");
      const [code] = await ended(child);
      children.delete(child);
      assert.equal(code, 0, stderr);
      assert.doesNotMatch(stderr, /did not confirm/);
      const waited = await waiting;
      assert.equal(waited.code, 0, waited.stderr);
    } finally {
      quitless.close();
    }
  });

  test("send -> serve: partial delivery exits 3, lists the refused recipient; -v shows the transcript", async () => {
    const serve = await Serve.start(["--refuse-recipient", "nobody@example.net"]);
    try {
      const file = await tempFile("msg.eml", MESSAGE);
      const r = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@example.org", "--to", "b@example.org", "--to", "nobody@example.net", "--file", file, "-v"]);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stdout, /sent to 1 of 2 recipient/);
      assert.match(r.stdout, /refused <nobody@example\.net>: 550 /);
      assert.match(r.stderr, /^C: MAIL FROM:<a@example\.org>/m);
      assert.match(r.stderr, /^S: 250/m);
      await serve.waitFor(/end of message 1/);
      assert.match(serve.stdout, /RCPT TO: {3}<b@example\.org>\n\nFrom: a@example\.org\r\n[^]*\r\nhello\r\n\.dotted line\r\n/);
      const none = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@example.org", "--to", "nobody@example.net"], { input: MESSAGE });
      assert.equal(none.code, 4, none.stderr);
      assert.match(none.stdout, /refused <nobody@example\.net>: 550/);
    } finally {
      assert.equal(await serve.stop(), 0);
    }
    const missing = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@example.org", "--to", "b@example.org", "--file", "/nonexistent/msg.eml"]);
    assert.equal(missing.code, 7, missing.stderr);
    assert.match(missing.stderr, /cannot read the message/);
    const gone = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@example.org", "--to", "b@example.org", "--timeout", "3000"], { input: MESSAGE });
    assert.equal(gone.code, 5, gone.stderr);
  });

  test("send over STARTTLS with AUTH from stdin; --require-tls without STARTTLS exits 5; a wrong password exits 6", async () => {
    const files = await writeTestCerts(await getTestCerts());
    tempDirs.push(files.dir);
    const serve = await Serve.start(["--tls-cert", files.cert, "--tls-key", files.key, "--auth", "alice:pw-123", "--auth-required"]);
    const plain = await Serve.start([]);
    try {
      const base = ["--from", "alice@example.org", "--to", "b@example.org", "--require-tls", "--ca-file", files.ca, "--user", "alice", "--password-env", "SMTPLIB_TEST_PW"];
      const ok = await run(["send", "--server", `127.0.0.1:${serve.port}`, ...base], { input: MESSAGE, env: { SMTPLIB_TEST_PW: "pw-123" } });
      assert.equal(ok.code, 0, ok.stderr);
      await serve.waitFor(/end of message 1/);
      assert.match(serve.stdout, /\* TLS established TLSv1\.[23]/);
      assert.match(serve.stdout, /message 1 \(\d+ bytes, session \S+, TLS, user alice\)/);
      assert.ok(!serve.stdout.includes("pw-123"));
      const bad = await run(["send", "--server", `127.0.0.1:${serve.port}`, ...base], { input: MESSAGE, env: { SMTPLIB_TEST_PW: "wrong" } });
      assert.equal(bad.code, 6, bad.stderr);
      const noTls = await run(["send", "--server", `127.0.0.1:${plain.port}`, "--from", "a@example.org", "--to", "b@example.org", "--require-tls"], { input: MESSAGE });
      assert.equal(noTls.code, 5, noTls.stderr);
      assert.match(noTls.stderr, /STARTTLS/);
      assert.doesNotMatch(plain.stdout, /message 1/);
    } finally {
      await serve.stop();
      await plain.stop();
    }
  });

  test("LMTP: send --lmtp to serve --lmtp", async () => {
    const serve = await Serve.start(["--lmtp"]);
    try {
      const r = await run(["send", "--lmtp", "--server", `127.0.0.1:${serve.port}`, "--from", "a@example.org", "--to", "b@example.org", "--to", "c@example.org"], { input: MESSAGE });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /sent to 2 of 2/);
      assert.match(r.stdout, /^delivered <b@example\.org>: 250 .*\ndelivered <c@example\.org>: 250 /m);
      await serve.waitFor(/end of message 1/);
      assert.match(serve.stdout, /C: LHLO /);
    } finally {
      await serve.stop();
    }
  });

  test("send: a directory as --file exits 7 before connecting, an unreadable file exits 7; stdin redirected from a file reports its size", async () => {
    const nobody = createServer((s) => s.destroy());
    await new Promise<void>((resolve) => nobody.listen(0, "127.0.0.1", resolve));
    const port = (nobody.address() as { port: number }).port;
    let connections = 0;
    nobody.on("connection", () => { connections++; });
    const dir = await run(["send", "--server", `127.0.0.1:${port}`, "--from", "a@x.test", "--to", "b@x.test", "--file", tmpdir()]);
    nobody.close();
    assert.equal(dir.code, 7, dir.stderr);
    assert.match(dir.stderr, /cannot read the message: .* is a directory/);
    assert.equal(connections, 0, "refused before connecting");

    const serve = await Serve.start();
    try {
      // A file that fails when read (Linux: EIO), after the connection is made: still exit 7.
      const eio = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--file", "/proc/self/mem"]);
      assert.equal(eio.code, 7, eio.stderr);
      assert.match(eio.stderr, /cannot read the message: EIO/);
      const file = await tempFile("stdin.eml", MESSAGE);
      const input = await open(file, "r");
      const child = spawn(process.execPath, [MAIN, "send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test"], { stdio: [input.fd, "pipe", "pipe"] });
      let stdout = "";
      child.stdout!.on("data", (d: Buffer) => { stdout += d.toString(); });
      const [code] = await ended(child);
      await input.close();
      assert.equal(code, 0);
      assert.match(stdout, new RegExp(`sent to 1 of 1 recipient\\(s\\) \\(${Buffer.byteLength(MESSAGE)} bytes\\)`));
    } finally {
      await serve.stop();
    }
  });

  test("send: SIGINT while waiting for the server exits 130 and says the message was not confirmed", async () => {
    const silent = createServer((s) => { s.on("error", () => undefined); }); // accepts, never greets
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    // The command installs its SIGINT handler before it connects: once the connection has
    // arrived, the signal finds the handler. (A fixed 500 ms sleep did not: on a loaded
    // machine the child had not started by then and died of the signal, exit code null.)
    const connected = once(silent, "connection");
    try {
      const child = spawn(process.execPath, [MAIN, "send", "--server", `127.0.0.1:${port}`, "--from", "a@x.test", "--to", "b@x.test"], { stdio: ["pipe", "pipe", "pipe"] });
      children.add(child);
      let stderr = "";
      child.stderr!.on("data", (d: Buffer) => { stderr += d.toString(); });
      child.stdin!.end(MESSAGE);
      const exited = ended(child);
      const first = await Promise.race([connected.then(() => "connected" as const), exited.then(() => "exited" as const)]);
      assert.equal(first, "connected", `the command ended before it connected: ${stderr}`);
      child.kill("SIGINT");
      const [code, signal] = await exited;
      children.delete(child);
      assert.deepEqual({ code, signal }, { code: 130, signal: null }, stderr);
      assert.match(stderr, /interrupted by SIGINT: the server did not confirm the message/);
    } finally {
      silent.close();
    }
  });

  test("send: a message the server cannot take for want of an extension (a non-ASCII address, no SMTPUTF8) exits 4, not 5 (connection failure)", async () => {
    const serve = await Serve.start(["--hide", "smtputf8"]);
    try {
      const r = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "jürgen@x.test"], { input: MESSAGE });
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /SMTPUTF8 not supported by server/);
    } finally {
      await serve.stop();
    }
  });
});
