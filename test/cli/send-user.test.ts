// `send --user ""` (a script's `--user "$SMTP_USER"` with the variable unset) is a usage
// error before connecting. It used to connect and try every mechanism the server offers with
// an empty name: four failed logins counted against the client (servers lock such clients
// out), ending in "334 LOGIN: unexpected extra challenge" that did not say what was wrong.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { lineServer } from "../helpers/line-server.js";
import { run } from "../helpers/cli-process.js";

test("send --user with an empty (or blank) name: exit 2 naming --user, before connecting; no AUTH is tried", async () => {
  const auths: string[] = [];
  const server = await lineServer((sock, line) => {
    if (/^EHLO /i.test(line)) sock.write("250-mx.test\r\n250 AUTH PLAIN LOGIN\r\n");
    else if (/^AUTH /i.test(line)) {
      auths.push(line);
      sock.write("535 5.7.8 Error: authentication failed\r\n");
    } else if (/^QUIT/i.test(line)) sock.end("221 bye\r\n");
    else sock.write("250 2.0.0 Ok\r\n");
  });
  try {
    for (const user of ["", "  "]) {
      const r = await run(["send", "--server", `127.0.0.1:${server.port}`, "--from", "a@x.test", "--to", "b@x.test", "--subject", "s", "--user", user, "--password-env", "SMTPLIB_TEST_PW"], { env: { SMTPLIB_TEST_PW: "pw" } });
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.equal(r.stderr, `smtplib: --user "${user}": a user name is required (an empty one cannot log in)\n`);
      assert.equal(r.stdout, "");
    }
    assert.equal(server.connections(), 0);
    assert.deepEqual(auths, []);
    // a name is taken as given
    const r = await run(["send", "--server", `127.0.0.1:${server.port}`, "--from", "a@x.test", "--to", "b@x.test", "--subject", "s", "--user", "alice", "--password-env", "SMTPLIB_TEST_PW", "--auth-mech", "PLAIN"], { env: { SMTPLIB_TEST_PW: "pw" } });
    assert.equal(r.code, 6, r.stdout + r.stderr);
    assert.equal(auths.length, 1);
  } finally {
    await server.close();
  }
});
