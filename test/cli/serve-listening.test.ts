// What `smtplib serve`'s "listening" line says it offers matches what it advertises.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { rm } from "node:fs/promises";
import { getTestCerts, writeTestCerts } from "../helpers/certs.js";
import { run, Serve } from "../helpers/cli-process.js";

test("serve --tls-cert --hide starttls: the listening line says STARTTLS is not advertised, and EHLO does not list it", async () => {
  const files = await writeTestCerts(await getTestCerts());
  const serve = await Serve.start(["--tls-cert", files.cert, "--tls-key", files.key, "--hide", "starttls"]);
  try {
    assert.match(serve.stdout, /listening on .* \(SMTP, STARTTLS not advertised, SIZE \d+\)/);
    const probe = await run(["probe", `127.0.0.1:${serve.port}`]);
    assert.equal(probe.code, 0, probe.stderr);
    assert.doesNotMatch(probe.stdout, /^ {2}STARTTLS/m);
  } finally {
    await serve.stop();
    await rm(files.dir, { recursive: true, force: true });
  }
});
