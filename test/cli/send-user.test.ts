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
// not set", to the terminal or the CI log the command's stderr goes to; then it was hidden
// only when not in capitals, and a password in capitals (HUNTER2, S3CRET_PW) still was shown.
// No spelling tells a name from a password: a name of no variable set is never shown.
const PASSWORD_ENV_UNSET = "smtplib: the environment variable named by --password-env is not set (the name given is not shown: it may be the password, typed there by mistake): give the name of a variable that holds the password, and export it\n";
test("send --password-env naming no variable set: exit 2, the name never shown (in capitals or not: it may be the password)", async () => {
  const base = ["send", "--server", "127.0.0.1:1", "--from", "a@x.test", "--to", "b@x.test", "--subject", "s", "--user", "alice", "--password-env"];
  for (const name of ["Hunter2secret", "HUNTER2SECRET", "S3CRET_PW", "SMTPLIB_TEST_UNSET_PW"]) {
    assert.equal(process.env[name], undefined, name);
    const r = await run([...base, name]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.equal(r.stderr, PASSWORD_ENV_UNSET, name);
    assert.ok(!`${r.stdout}${r.stderr}`.includes(name), name);
  }
});
