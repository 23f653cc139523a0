// The `smtplib probe` command and usage of the `smtplib` command as child processes: help,
// version and usage errors, probe's report, hostile servers' text, and output that closes.

import { describe, test } from "node:test";
import { strict as assert } from "node:assert";
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { getTestCerts, writeTestCerts } from "../helpers/certs.js";
import { hostileServer, MESSAGE, run, runWithClosedOutput, Serve, tempDirs, tempFile } from "../helpers/cli-process.js";

// Side by side, a few per core (at most 4), as in cli-send.test.ts, which says why.
describe("the smtplib command", { concurrency: Math.min(4, 2 * availableParallelism()) }, () => {
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
    const noCa = await run(["probe", "127.0.0.1:1", "--require-tls", "--ca-file", "/nonexistent/ca.pem"]);
    assert.equal(noCa.code, 2, noCa.stderr);
    assert.equal(noCa.stderr, "smtplib: --ca-file /nonexistent/ca.pem: cannot read it (ENOENT)\n", "one line, the reason once, no class name");
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
      assert.match(wrongName.stderr, /does not match --servername \(wrong\.example\): .*Set --servername to a name the certificate carries/);
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
    // an unknown name after help: the main help, then a line naming it (exit 2, as a usage error)
    const nosuch = await run(["help", "nosuch"]);
    assert.equal(nosuch.code, 2);
    assert.match(nosuch.stderr, /Commands:/);
    assert.ok(nosuch.stderr.endsWith('smtplib: unknown command "nosuch": the commands are serve, send, probe\n'), nosuch.stderr);
    assert.equal((await run(["--version"])).stdout.trim(), JSON.parse(await readFile(new URL("../../../package.json", import.meta.url), "utf8")).version);
    const auth = await run(["serve", "--auth", "nopass"]);
    assert.equal(auth.code, 2);
    // a password typed without its user is not echoed (as --auth-file never shows a line)
    assert.equal(auth.stderr, "smtplib: --auth (the value is not shown: it may hold a password): not user:password\n");
    const to = await run(["send", "--server", "127.0.0.1:1", "--from", "a@x.test", "--to", ""]);
    assert.equal(to.code, 2);
    assert.match(to.stderr, /a recipient address is required/);
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
});
