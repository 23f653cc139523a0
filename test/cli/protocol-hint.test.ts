// An operator who forgets --lmtp on an LMTP port (or gives it on an SMTP port) sees the
// greeting command refused: the error then says which flag to try, exit 5 as before.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run, Serve } from "../helpers/cli-process.js";
import { startScriptServer } from "../helpers/script-server.js";

const SEND = ["--from", "a@x.test", "--to", "b@x.test", "--subject", "t"];

test("probe and send without --lmtp to an LMTP server: EHLO and HELO refused, the error says to give --lmtp", async () => {
  const serve = await Serve.start(["--lmtp"]);
  try {
    const where = `127.0.0.1:${serve.port}`;
    for (const args of [["probe", where], ["send", "--server", where, ...SEND]]) {
      const r = await run(args);
      assert.equal(r.code, 5, r.stdout + r.stderr);
      assert.equal(r.stderr, "smtplib: SMTPHeloError: 500 5.5.1 Error: HELO not allowed in LMTP server (the server knows neither EHLO nor HELO: if it speaks LMTP, give --lmtp)\n", args[0]);
    }
  } finally {
    await serve.stop();
  }
});

test("probe and send --lmtp to an SMTP server: LHLO refused, the error says to leave out --lmtp", async () => {
  const serve = await Serve.start([]);
  try {
    const where = `127.0.0.1:${serve.port}`;
    for (const args of [["probe", where, "--lmtp"], ["send", "--server", where, "--lmtp", ...SEND]]) {
      const r = await run(args);
      assert.equal(r.code, 5, r.stdout + r.stderr);
      assert.match(r.stderr, /^smtplib: SMTPHeloError: 50[02] [^\n]* \(the server does not know LHLO: if it speaks SMTP, leave out --lmtp\)\n$/, args[0]);
    }
  } finally {
    await serve.stop();
  }
});

// Over a Unix socket, "leave out --lmtp" led, followed, to a usage error: a Unix socket path
// without --lmtp is refused (smtplib speaks SMTP over TCP only). The hint says so instead.
test("probe --lmtp to a Unix socket whose server refuses LHLO: the hint does not say to leave out --lmtp (a usage error with a socket path)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "smtplib-hint-"));
  const path = join(dir, "sock");
  const server = await startScriptServer("S: 220 mx.test ESMTP\nC: LHLO client.test\nS: 502 5.5.1 LHLO not understood\nC: QUIT\nS: 221 bye\n-- close\n", { path });
  try {
    const r = await run(["probe", "--lmtp", "--helo", "client.test", path]);
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.equal(r.stderr, "smtplib: SMTPHeloError: 502 5.5.1 LHLO not understood (the server does not know LHLO: if it speaks SMTP, smtplib reaches it over TCP only: give its host:port, without --lmtp)\n");
    // what "leave out --lmtp" would have led to
    const followed = await run(["probe", "--helo", "client.test", path]);
    assert.equal(followed.code, 2, followed.stderr);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
