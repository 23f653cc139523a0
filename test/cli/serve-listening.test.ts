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

test("serve --greeting-delay: the listening line says how long each client waits for the greeting; probe waits it out", async () => {
  const serve = await Serve.start(["--greeting-delay", "150"]);
  try {
    assert.match(serve.stdout, /listening on .* \(SMTP, SIZE \d+, greeting after 150 ms\)/);
    const probe = await run(["probe", `127.0.0.1:${serve.port}`]);
    assert.equal(probe.code, 0, probe.stderr);
    assert.match(probe.stdout, /^ {2}connect\+greeting .* 220 /m);
  } finally {
    await serve.stop();
  }
});

test("serve without --greeting-delay: the listening line says nothing of the greeting", async () => {
  const serve = await Serve.start([]);
  try {
    assert.doesNotMatch(serve.stdout, /greeting/);
  } finally {
    await serve.stop();
  }
});
