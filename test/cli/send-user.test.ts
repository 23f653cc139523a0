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

// `--password-env hunter2`: the password given where the variable's name goes. A name that
// is one (letters, digits, _) was echoed, "environment variable hunter2 (--password-env) is
// not set", to the terminal or the CI log the command's stderr goes to.
test("send --password-env with a name not in capitals that is not set: exit 2, the name not shown; a capitals name still is", async () => {
  const base = ["send", "--server", "127.0.0.1:1", "--from", "a@x.test", "--to", "b@x.test", "--subject", "s", "--user", "alice", "--password-env"];
  assert.equal(process.env["Hunter2secret"] ?? process.env["SMTPLIB_TEST_UNSET_PW"], undefined);
  const hidden = await run([...base, "Hunter2secret"]);
  assert.equal(hidden.code, 2, hidden.stdout + hidden.stderr);
  assert.equal(hidden.stderr, "smtplib: the environment variable named by --password-env is not set (its name is not shown: not in capitals, as variables' names are, it may be the password given by mistake): give the variable's name, not the password\n");
  const shown = await run([...base, "SMTPLIB_TEST_UNSET_PW"]);
  assert.equal(shown.code, 2, shown.stdout + shown.stderr);
  assert.equal(shown.stderr, "smtplib: environment variable SMTPLIB_TEST_UNSET_PW (--password-env) is not set\n");
});
