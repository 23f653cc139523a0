// `send --lmtp` and `probe --lmtp` over TLS: STARTTLS (--starttls, --require-tls) works, the
// LHLO sent again once encrypted; implicit TLS (--ssl) is a usage error, for want of an LMTP
// client over implicit TLS in the library.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { getTestCerts, writeTestCerts } from "../helpers/certs.js";
import { run, tempDirs } from "../helpers/cli-process.js";
import { withPeer } from "../tls/peer.js";

const MESSAGE = "From: a@example.org\r\nTo: b@example.org\r\nSubject: t\r\n\r\nhello\r\n";

/** The test CA as a file for --ca-file, and the key pair of a server certificate for 127.0.0.1 it signed. */
async function certs(): Promise<{ caFile: string; keyPair: { cert: string; key: string } }> {
  const made = await getTestCerts();
  const files = await writeTestCerts(made);
  tempDirs.push(files.dir);
  return { caFile: files.ca, keyPair: { cert: made.cert, key: made.key } };
}

test("send --lmtp --require-tls: LHLO, STARTTLS, then LHLO again and the whole transaction over TLS (exit 0)", async () => {
  const { caFile, keyPair } = await certs();
  await withPeer({ lmtp: true, keyPair }, async (peer) => {
    const r = await run(["send", "--lmtp", "--require-tls", "--ca-file", caFile, "--helo", "client.test", "--server", `127.0.0.1:${peer.port}`,
      "--from", "a@example.org", "--to", "b@example.org", "--to", "c@example.org"], { input: MESSAGE });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^delivered <b@example\.org>: 250 .*\ndelivered <c@example\.org>: 250 /m);
    assert.deepEqual(peer.commands, [
      "LHLO client.test", "STARTTLS", "[tls] LHLO client.test",
      "[tls] MAIL FROM:<a@example.org>", "[tls] RCPT TO:<b@example.org>", "[tls] RCPT TO:<c@example.org>", "[tls] DATA", "[tls] QUIT",
    ]);
  });
});

test("probe --lmtp --starttls: LHLO, STARTTLS, LHLO over TLS; the TLS details are shown (exit 0)", async () => {
  const { caFile, keyPair } = await certs();
  await withPeer({ lmtp: true, keyPair }, async (peer) => {
    const r = await run(["probe", `127.0.0.1:${peer.port}`, "--lmtp", "--starttls", "--ca-file", caFile, "--helo", "client.test"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^probe 127\.0\.0\.1:\d+ \(STARTTLS if offered, LMTP\)$/m);
    assert.match(r.stdout, /^ {2}STARTTLS\+LHLO +\d+\.\d ms {2}TLS established$/m);
    assert.match(r.stdout, /^ {2}verified {11}yes$/m);
    assert.deepEqual(peer.commands, ["LHLO client.test", "STARTTLS", "[tls] LHLO client.test", "[tls] QUIT"]);
  });
});

test("send --lmtp --require-tls to an LMTP server without STARTTLS exits 5 having sent no transaction; its advice is LMTP's (no 465, no --ssl: a usage error with --lmtp)", async () => {
  await withPeer({ lmtp: true }, async (peer) => {
    const r = await run(["send", "--lmtp", "--require-tls", "--helo", "client.test", "--server", `127.0.0.1:${peer.port}`,
      "--from", "a@example.org", "--to", "b@example.org"], { input: MESSAGE });
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.match(r.stderr, /does not offer STARTTLS and --require-tls was given: look for an LMTP port of the server that offers STARTTLS \(smtplib speaks LMTP over TLS only with STARTTLS; --ssl is SMTP only\)/);
    assert.doesNotMatch(r.stderr, /\b465\b|with --ssl/);
    assert.deepEqual(peer.commands.filter((c) => !/^(LHLO|QUIT)/.test(c)), []);
  });
});

for (const command of ["send", "probe"] as const) {
  test(`${command} --lmtp --ssl is a usage error (exit 2) that points to --require-tls, and connects to nothing`, async () => {
    await withPeer({ lmtp: true }, async (peer) => {
      const target = `127.0.0.1:${peer.port}`;
      const argv = command === "send" ? ["send", "--server", target, "--from", "a@example.org", "--to", "b@example.org"] : ["probe", target];
      for (const order of [["--lmtp", "--ssl"], ["--ssl", "--lmtp"]]) {
        const r = await run([...argv, ...order], { input: MESSAGE });
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.equal(r.stderr, "smtplib: --ssl cannot be combined with --lmtp: LMTP over implicit TLS is not supported; use --require-tls (or --starttls) for LMTP over STARTTLS\n");
        assert.equal(r.stdout, "");
      }
      assert.equal(peer.connections(), 0);
    });
  });
}
