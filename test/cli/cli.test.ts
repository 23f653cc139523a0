// The `smtplib` command as child processes, each bounded in time: serve (driven by a raw
// socket), usage errors, and end-to-end send/probe against serve.
import { describe, test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { connect, createServer, type Server } from "node:net";
import { once } from "node:events";
import { mkdtemp, open, readFile, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { getTestCerts, writeTestCerts } from "../helpers/certs.js";
import { onLines } from "../helpers/lines.js";
import { children, LIMIT_MS, MAIN, run, Serve, tempDirs, whenOutput } from "../helpers/cli-process.js";


async function tempFile(name: string, content: string | Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "smtplib-cli-"));
  tempDirs.push(dir);
  const file = join(dir, name);
  await writeFile(file, content);
  return file;
}

/** Talks SMTP to `port` with a raw socket: each command waits for its reply. */
async function rawSession(port: number, commands: string[]): Promise<string> {
  const socket = connect(port, "127.0.0.1");
  let received = "";
  socket.on("data", (d: Buffer) => { received += d.toString(); });
  const replies = (n: number): Promise<void> =>
    whenOutput(socket, () => (received.match(/^\d{3} .*\r\n/gm) ?? []).length >= n, LIMIT_MS, () => `fewer than ${n} replies:\n${received}`);
  await replies(1);
  for (const [i, cmd] of commands.entries()) {
    socket.write(`${cmd}\r\n`);
    await replies(i + 2);
  }
  socket.destroy();
  return received;
}

/** A server whose every text carries terminal escape sequences: title, clear screen, colour. */
async function hostileServer(): Promise<{ server: Server; port: number }> {
  const evil = "\x1b]0;owned\x07\x1b[2J\x1b[31m";
  const server = createServer((sock) => {
    sock.on("error", () => undefined);
    sock.write(`220 mx.test ${evil}greeting\r\n`);
    onLines(sock, (line) => {
      const verb = line.split(" ")[0]!.toUpperCase();
      if (verb === "EHLO") sock.write(`250-mx.test\r\n250-X-EVIL ${evil}param\r\n250 SIZE 1000000\r\n`);
      else if (verb === "MAIL") sock.write(`550 5.7.1 refused ${evil}text\r\n`);
      else if (verb === "QUIT") sock.end(`221 ${evil}bye\r\n`);
      else sock.write("250 ok\r\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port };
}

/** Runs `smtplib ...args` with stdout and stderr read by nobody (`smtplib ... 2>&1 | head -0`). */
async function runWithClosedOutput(args: string[], input = ""): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: "pipe" });
  children.add(child);
  child.stdout.destroy(); // the reading ends go away: every write fails with EPIPE
  child.stderr.destroy();
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
  const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  children.delete(child);
  return { code, signal };
}

const MESSAGE = "From: a@example.org\r\nTo: b@example.org\r\nSubject: cli test\r\n\r\nhello\r\n.dotted line\r\n";

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
      const [code] = (await once(child, "exit")) as [number];
      children.delete(child);
      assert.equal(code, 0, stderr);
      assert.doesNotMatch(stderr, /did not confirm/);
      const waited = await waiting;
      assert.equal(waited.code, 0, waited.stderr);
    } finally {
      quitless.close();
    }
  });

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

  test("usage: --help exits 0, mistakes exit 2 with a message", async () => {
    const help = await run(["send", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Exit codes:/);
    const none = await run([]);
    assert.equal(none.code, 2);
    const conflict = await run(["send", "--server", "h", "--from", "a", "--to", "b", "--ssl", "--starttls"]);
    assert.equal(conflict.code, 2);
    assert.match(conflict.stderr, /cannot be used with|conflict/i);
    const pair = await run(["send", "--server", "h", "--from", "a", "--to", "b", "--user", "u"]);
    assert.equal(pair.code, 2);
    assert.match(pair.stderr, /--user and --password-env go together/);
    const noCa = await run(["probe", "127.0.0.1:1", "--ca-file", "/nonexistent/ca.pem"]);
    assert.equal(noCa.code, 2, noCa.stderr);
    assert.equal(noCa.stderr, "smtplib: --ca-file /nonexistent/ca.pem: cannot read it (ENOENT)\n", "one line, the reason once, no class name");
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

  test("probe shows greeting, capabilities, TLS details and timings", async () => {
    const files = await writeTestCerts(await getTestCerts());
    tempDirs.push(files.dir);
    const starttls = await Serve.start(["--tls-cert", files.cert, "--tls-key", files.key, "--size", "10000", "--hide", "pipelining"]);
    const implicit = await Serve.start(["--tls-cert", files.cert, "--tls-key", files.key, "--tls-implicit"]);
    try {
      const p = await run(["probe", `127.0.0.1:${starttls.port}`, "--starttls", "--ca-file", files.ca]);
      assert.equal(p.code, 0, p.stderr);
      assert.match(p.stdout, /connect\+greeting +\d+\.\d ms {2}220 /);
      assert.match(p.stdout, /^ {2}SIZE 10000$/m);
      assert.doesNotMatch(p.stdout, /PIPELINING/);
      assert.match(p.stdout, /STARTTLS\+EHLO .* TLS established/);
      assert.match(p.stdout, /protocol +TLSv1\.[23]/);
      assert.match(p.stdout, /subject +CN=localhost/);
      assert.match(p.stdout, /verified +yes/);
      assert.match(p.stdout, /\(\d+ days? left\)/);
      const s = await run(["probe", `127.0.0.1:${implicit.port}`, "--ssl", "--ca-file", files.ca]);
      assert.equal(s.code, 0, s.stderr);
      assert.match(s.stdout, /connect\+TLS\+greet/);
      const untrusted = await run(["probe", `127.0.0.1:${implicit.port}`, "--ssl"]);
      assert.equal(untrusted.code, 5, untrusted.stderr);
      assert.match(untrusted.stderr, /Pass the issuing CA as --ca-file, or \(insecure\) --insecure/, "advice in CLI flags, not library options");
      const wrongName = await run(["probe", `127.0.0.1:${implicit.port}`, "--ssl", "--ca-file", files.ca, "--servername", "wrong.example"]);
      assert.equal(wrongName.code, 5, wrongName.stderr);
      assert.match(wrongName.stderr, /does not match the host name.*--servername/);
      const insecure = await run(["probe", `127.0.0.1:${implicit.port}`, "--ssl", "--insecure"]);
      assert.equal(insecure.code, 0, insecure.stderr);
      assert.match(insecure.stdout, /verified +NO/);
    } finally {
      await starttls.stop();
      await implicit.stop();
    }
  });

  test("probe and send print a hostile server's text with its control characters escaped", async () => {
    const { server, port } = await hostileServer();
    try {
      const p = await run(["probe", `127.0.0.1:${port}`]);
      assert.equal(p.code, 0, p.stderr);
      const s = await run(["send", "--server", `127.0.0.1:${port}`, "--from", "a@example.org", "--to", "b@example.org"], { input: MESSAGE });
      assert.equal(s.code, 4, s.stderr);
      for (const output of [p.stdout, p.stderr, s.stdout, s.stderr]) {
        // eslint-disable-next-line no-control-regex
        assert.ok(!/[\x00-\x08\x0b-\x1f\x7f]/.test(output), JSON.stringify(output));
      }
      assert.match(p.stdout, /220 mx\.test \\u001b\]0;owned\\u0007\\u001b\[2J\\u001b\[31mgreeting/);
      assert.match(p.stdout, /X-EVIL \\u001b\]0;owned/);
      assert.match(p.stdout, /221 \\u001b\]0;owned/);
      assert.match(s.stderr, /refused: 550 5\.7\.1 refused \\u001b\]0;owned/);
    } finally {
      server.close();
    }
  });

  test("usage: `help`, `help send` and --version exit 0; a bad --auth or an empty --to exits 2 with a message", async () => {
    for (const args of [["help"], ["help", "send"], ["--version"]]) {
      const r = await run(args);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    }
    assert.equal((await run(["--version"])).stdout.trim(), JSON.parse(await readFile(new URL("../../../package.json", import.meta.url), "utf8")).version);
    const auth = await run(["serve", "--auth", "nopass"]);
    assert.equal(auth.code, 2);
    // a password typed without its user is not echoed (as --auth-file never shows a line)
    assert.equal(auth.stderr, "smtplib: --auth (the value is not shown: it may hold a password): not user:password\n");
    const to = await run(["send", "--server", "127.0.0.1:1", "--from", "a@x.test", "--to", ""]);
    assert.equal(to.code, 2);
    assert.match(to.stderr, /a recipient address is required/);
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
      const [code] = (await once(child, "exit")) as [number];
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
      const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
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

  test("serve: output that closes (serve | head) stops the server quietly, with no crash", async () => {
    const serve = new Serve([]);
    const m = await serve.waitFor(/listening on 127\.0\.0\.1:(\d+)/);
    serve.child.stdout!.destroy(); // the reading end goes away: the next write fails with EPIPE
    const sent = await run(["send", "--server", `127.0.0.1:${m[1]}`, "--from", "a@x.test", "--to", "b@x.test"], { input: MESSAGE });
    assert.notEqual(sent.code, null);
    const code = serve.child.exitCode ?? ((await once(serve.child, "exit")) as [number])[0];
    children.delete(serve.child);
    assert.equal(code, 0, serve.stderr);
    assert.doesNotMatch(serve.stderr, /EPIPE|Error|at /);
  });

  test("send, probe and --help whose output closes early (| head) exit with their own code, not a crash on EPIPE", async () => {
    // A crash is exit 1 with an 'Unhandled error event' stack trace (here unseen: stderr is closed too).
    assert.deepEqual(await runWithClosedOutput(["send", "--help"]), { code: 0, signal: null });
    const serve = await Serve.start(["--refuse-recipient", "nobody@x.test"]);
    try {
      assert.deepEqual(await runWithClosedOutput(["probe", `127.0.0.1:${serve.port}`]), { code: 0, signal: null });
      const send = ["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--to", "nobody@x.test", "-v"];
      assert.deepEqual(await runWithClosedOutput(send, MESSAGE), { code: 3, signal: null });
    } finally {
      await serve.stop();
    }
  });

  test("probe: a refused LHLO ends an LMTP probe (no HELO, RFC 2033 §4.1), and a refused EHLO and HELO fail the probe: exit 5, as send", async () => {
    const smtp = await Serve.start();
    const lmtp = await Serve.start(["--lmtp"]);
    try {
      const asLmtp = await run(["probe", `127.0.0.1:${smtp.port}`, "--lmtp"]);
      assert.equal(asLmtp.code, 5, asLmtp.stdout + asLmtp.stderr);
      assert.match(asLmtp.stdout, /LHLO .* 500 /);
      assert.match(asLmtp.stderr, /SMTPHeloError: 500 /);
      await smtp.waitFor(/C: LHLO /);
      assert.doesNotMatch(smtp.stdout, /C: HELO /);
      const asSmtp = await run(["probe", `127.0.0.1:${lmtp.port}`]);
      assert.equal(asSmtp.code, 5, asSmtp.stdout + asSmtp.stderr);
      assert.match(asSmtp.stdout, /HELO \(fallback\) .* 500 /);
      assert.match(asSmtp.stderr, /SMTPHeloError: 500 .*HELO not allowed/);
      const ok = await run(["probe", `127.0.0.1:${lmtp.port}`, "--lmtp"]);
      assert.equal(ok.code, 0, ok.stderr);
    } finally {
      await smtp.stop();
      await lmtp.stop();
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

  test("a --ca-file with no PEM certificate in it is a usage error naming the file, not a verification failure advising --ca-file", async () => {
    const files = await writeTestCerts(await getTestCerts());
    tempDirs.push(files.dir);
    const implicit = await Serve.start(["--tls-cert", files.cert, "--tls-key", files.key, "--tls-implicit"]);
    try {
      const notPem = await tempFile("ca.txt", "this is not a certificate\n");
      const r = await run(["probe", `127.0.0.1:${implicit.port}`, "--ssl", "--ca-file", notPem]);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /--ca-file \S+ca\.txt: no PEM certificate in it/);
      const der = await tempFile("ca.der", Buffer.from([0x30, 0x82, 0x01, 0x0a, 0x02, 0x82]));
      const d = await run(["send", "--server", `127.0.0.1:${implicit.port}`, "--ssl", "--ca-file", der, "--from", "a@x.test", "--to", "b@x.test"], { input: MESSAGE });
      assert.equal(d.code, 2, d.stdout + d.stderr);
      assert.match(d.stderr, /--ca-file \S+ca\.der: no PEM certificate in it/);
      assert.doesNotMatch(implicit.stdout, /connection from/);
    } finally {
      await implicit.stop();
    }
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
