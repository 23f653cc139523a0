// An LMTP server that speaks TLS from the first byte (`serve --lmtp --tls-implicit`, or
// Dovecot's LMTP listener with `ssl = yes`): probe and send --lmtp said "this looks like an
// implicit-TLS port (such as 465): use --ssl", and --lmtp --ssl is a usage error (smtplib has
// no LMTP over implicit TLS): advice that sent the operator in a circle. With --lmtp the advice
// says what does work (STARTTLS, --require-tls). Without --lmtp, --ssl is still the advice.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { getTestCerts, writeTestCerts } from "../helpers/certs.js";
import { run, Serve, tempDirs } from "../helpers/cli-process.js";

test("probe and send --lmtp to an LMTP server over implicit TLS: exit 5, advice that does not name --ssl (a usage error with --lmtp)", async () => {
  const files = await writeTestCerts(await getTestCerts());
  tempDirs.push(files.dir);
  const server = await Serve.start(["--lmtp", "--tls-cert", files.cert, "--tls-key", files.key, "--tls-implicit"]);
  try {
    const target = `127.0.0.1:${server.port}`;
    const advice = "this looks like an implicit-TLS port, and smtplib speaks LMTP over TLS only with STARTTLS (--ssl is SMTP only): connect to an LMTP port of the server that offers STARTTLS, with --require-tls";
    const probe = await run(["probe", "--lmtp", target]);
    assert.equal(probe.code, 5, probe.stderr);
    assert.equal(probe.stderr, `smtplib: SMTPConnectError: ${target} sent no greeting but completes a TLS handshake: ${advice}\n`);
    const send = await run(["send", "--lmtp", "--server", target, "--from", "a@x.test", "--to", "b@x.test", "--subject", "s"]);
    assert.equal(send.code, 5, send.stderr);
    assert.equal(send.stderr, `smtplib: SMTPConnectError: ${target} sent no greeting but completes a TLS handshake: ${advice}\n`);
    // the advice the user would have followed: a usage error
    assert.equal((await run(["probe", "--lmtp", "--ssl", target])).code, 2);
    // without --lmtp, --ssl is what to try
    const smtp = await run(["probe", target]);
    assert.equal(smtp.code, 5, smtp.stderr);
    assert.match(smtp.stderr, /this looks like an implicit-TLS port \(such as 465\): use --ssl\n$/);
  } finally {
    await server.stop();
  }
});
