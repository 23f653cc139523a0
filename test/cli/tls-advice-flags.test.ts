// Advice after a connection that found the other kind of TLS port, or the other protocol,
// must apply with the flags given:
// - `--ssl` to an LMTP server over implicit TLS (EHLO and HELO refused) said "if it speaks
//   LMTP, give --lmtp", and --lmtp --ssl is a usage error (no LMTP over implicit TLS);
// - `--starttls`/`--require-tls` to an implicit-TLS SMTP port said "use --ssl", which
//   conflicts with them (commander refuses --ssl with either): it now says "instead of";
// - `--lmtp --starttls` to an implicit-TLS port said "with --require-tls", which conflicts
//   with --starttls: it says "(instead of --starttls)".
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { getTestCerts, writeTestCerts } from "../helpers/certs.js";
import { run, Serve, tempDirs } from "../helpers/cli-process.js";

const message = ["--from", "a@x.test", "--to", "b@x.test", "--subject", "s"];

test("--ssl to an LMTP server over implicit TLS: the hint says LMTP's way (--lmtp and --require-tls, without --ssl), not --lmtp alone", async () => {
  const files = await writeTestCerts(await getTestCerts());
  tempDirs.push(files.dir);
  const server = await Serve.start(["--lmtp", "--tls-cert", files.cert, "--tls-key", files.key, "--tls-implicit"]);
  try {
    const target = `127.0.0.1:${server.port}`;
    const hint = " (the server knows neither EHLO nor HELO: if it speaks LMTP, smtplib reaches it over TLS only with STARTTLS (--ssl is SMTP only): give --lmtp and --require-tls, without --ssl, at an LMTP port of the server that offers STARTTLS)\n";
    for (const argv of [["probe", "--ssl", "--ca-file", files.ca, target], ["send", "--ssl", "--ca-file", files.ca, "--server", target, ...message]]) {
      const r = await run(argv);
      assert.equal(r.code, 5, r.stderr);
      assert.ok(r.stderr.endsWith(hint), r.stderr);
    }
  } finally {
    await server.stop();
  }
});

test("--starttls or --require-tls to an implicit-TLS port: use --ssl instead of it (SMTP); with --lmtp --starttls, --require-tls instead of --starttls", async () => {
  const files = await writeTestCerts(await getTestCerts());
  tempDirs.push(files.dir);
  const smtp = await Serve.start(["--tls-cert", files.cert, "--tls-key", files.key, "--tls-implicit"]);
  const lmtp = await Serve.start(["--lmtp", "--tls-cert", files.cert, "--tls-key", files.key, "--tls-implicit"]);
  try {
    const target = `127.0.0.1:${smtp.port}`;
    for (const mode of ["--starttls", "--require-tls"]) {
      for (const argv of [["probe", mode, "--ca-file", files.ca, target], ["send", mode, "--ca-file", files.ca, "--server", target, ...message]]) {
        const r = await run(argv);
        assert.equal(r.code, 5, r.stderr);
        assert.ok(r.stderr.endsWith(`this looks like an implicit-TLS port (such as 465): use --ssl instead of ${mode}\n`), r.stderr);
      }
    }
    // the advice followed: it works
    const followed = await run(["probe", "--ssl", "--ca-file", files.ca, target]);
    assert.equal(followed.code, 0, followed.stderr);
    const l = await run(["send", "--lmtp", "--starttls", "--server", `127.0.0.1:${lmtp.port}`, ...message]);
    assert.equal(l.code, 5, l.stderr);
    assert.ok(l.stderr.endsWith("connect to an LMTP port of the server that offers STARTTLS, with --require-tls (instead of --starttls)\n"), l.stderr);
  } finally {
    await smtp.stop();
    await lmtp.stop();
  }
});
