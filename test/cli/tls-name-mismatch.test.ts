// A server certificate that does not carry the name checked: the CLI's line gives Node's
// reason once (the library's message quotes it, and its cause repeated it), and with
// --servername given it advises changing that flag, not setting it.

import { describe, test } from "node:test";
import { strict as assert } from "node:assert";
import { getTestCerts, writeTestCerts } from "../helpers/certs.js";
import { run, Serve, tempDirs } from "../helpers/cli-process.js";

/** How often `part` occurs in `text`. */
function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

describe("smtplib probe: a certificate that does not match the name checked", { concurrency: 1 }, () => {
  test("with --servername: one line, Node's reason once, advice to change --servername", async () => {
    const files = await writeTestCerts(await getTestCerts());
    tempDirs.push(files.dir);
    const implicit = await Serve.start(["--tls-cert", files.cert, "--tls-key", files.key, "--tls-implicit"]);
    try {
      const r = await run(["probe", `127.0.0.1:${implicit.port}`, "--ssl", "--ca-file", files.ca, "--servername", "wrong.example"]);
      assert.equal(r.code, 5, r.stderr);
      assert.equal(count(r.stderr, "\n"), 1, r.stderr);
      assert.equal(count(r.stderr, "Host: wrong.example. is not in the cert's altnames"), 1, r.stderr);
      assert.match(r.stderr, /does not match --servername \(wrong\.example\): .*\. Set --servername to a name the certificate carries \(or leave it out to check "127\.0\.0\.1"\)\n$/);
      assert.doesNotMatch(r.stderr, /set --servername to it/);
    } finally {
      await implicit.stop();
    }
  });

  test("without --servername: Node's reason once, advice to connect with the certificate's name or give --servername", async () => {
    const certs = await getTestCerts();
    const files = await writeTestCerts({ ...certs, cert: certs.wrongHost.cert, key: certs.wrongHost.key });
    tempDirs.push(files.dir);
    const implicit = await Serve.start(["--tls-cert", files.cert, "--tls-key", files.key, "--tls-implicit"]);
    try {
      const r = await run(["probe", `localhost:${implicit.port}`, "--ssl", "--ca-file", files.ca]);
      assert.equal(r.code, 5, r.stderr);
      assert.equal(count(r.stderr, "Host: localhost. is not in the cert's altnames"), 1, r.stderr);
      assert.match(r.stderr, /does not match the host name: .*\. Connect with the name the certificate carries, or set --servername to it\n$/);
    } finally {
      await implicit.stop();
    }
  });
});
