// `smtplib send` when a flag file is its own stdin: the message is read from stdin too, so
// one of them would get nothing; and `serve` given stdin for two flags (run through bash, so
// that stdin is a real pipe).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getTestCerts, writeTestCerts } from "../helpers/certs.js";
import { MAIN, Serve } from "../helpers/cli-process.js";

const posixOnly = { skip: process.platform === "win32" };

/** Runs bash `command` with $NODE, $MAIN and `env`; its exit code and output. */
function bash(command: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("bash", ["-c", command], { env: { ...process.env, NODE: process.execPath, MAIN, ...env }, timeout: 15_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : null, stdout, stderr });
    });
  });
}

test("send --ca-file /dev/stdin with the message on stdin: a usage error before connecting, no empty message sent", posixOnly, async () => {
  const files = await writeTestCerts(await getTestCerts());
  const serve = await Serve.start(["--tls-cert", files.cert, "--tls-key", files.key]);
  try {
    const env = { CA: files.ca, PORT: String(serve.port), MSG: join(files.dir, "message.eml") };
    await writeFile(env.MSG, "From: a@x.test\r\nTo: b@x.test\r\nSubject: s\r\n\r\nhello\r\n");
    const send = '"$NODE" "$MAIN" send --server "127.0.0.1:$PORT" --require-tls --from a@x.test --to b@x.test';
    for (const path of ["/dev/stdin", "/dev/fd/0"]) {
      const r = await bash(`cat "$CA" | ${send} --ca-file ${path}`, env);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.equal(r.stderr, `smtplib: --ca-file ${path} is stdin, which the message is read from: give the message with --file (or --subject/--body)\n`);
    }
    assert.doesNotMatch(serve.stdout, /MAIL FROM/, "nothing sent");
    // with the message elsewhere, the CA still comes from stdin
    const ok = await bash(`cat "$CA" | ${send} --ca-file /dev/stdin --file "$MSG"`, env);
    assert.equal(ok.code, 0, ok.stderr);
    await serve.waitFor(/end of message 1/);
    assert.match(serve.stdout, /\r\nhello\r\n/);
  } finally {
    await serve.stop();
    await rm(files.dir, { recursive: true, force: true });
  }
});

test("send --subject with text piped on stdin: sent with the default text, and a note says stdin was not read; none for /dev/null, --ca-file /dev/stdin or --attach /dev/stdin", posixOnly, async () => {
  const files = await writeTestCerts(await getTestCerts());
  const serve = await Serve.start(["--tls-cert", files.cert, "--tls-key", files.key]);
  try {
    const env = { PORT: String(serve.port), CA: files.ca };
    const send = '"$NODE" "$MAIN" send --server "127.0.0.1:$PORT" --require-tls --from a@x.test --to b@x.test --subject s';
    const note = "smtplib: note: --subject/--body/--header/--attach make the message, so stdin is not read (give its text with --body, or the whole message on stdin without them)\n";
    const piped = await bash(`echo some text | ${send} --ca-file "$CA"`, env);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stderr, note);
    const empty = await bash(`${send} --ca-file "$CA" < /dev/null`, env);
    assert.equal(empty.code, 0, empty.stderr);
    assert.equal(empty.stderr, "");
    const ca = await bash(`cat "$CA" | ${send} --ca-file /dev/stdin`, env);
    assert.equal(ca.code, 0, ca.stderr);
    assert.equal(ca.stderr, "");
    // a file attached from stdin: read, so no note
    const attached = await bash(`echo attached text | ${send} --ca-file "$CA" --attach /dev/stdin`, env);
    assert.equal(attached.code, 0, attached.stderr);
    assert.equal(attached.stderr, "");
    await serve.waitFor(/end of message 4/);
    assert.doesNotMatch(serve.stdout, /some text/);
    assert.match(serve.stdout, /filename="stdin"\r\nContent-Transfer-Encoding: base64\r\n\r\nYXR0YWNoZWQgdGV4dAo=\r\n/);
  } finally {
    await serve.stop();
    await rm(files.dir, { recursive: true, force: true });
  }
});

test("serve given /dev/stdin for two flags: a usage error naming the flag that read it first, not a misleading one", posixOnly, async () => {
  const files = await writeTestCerts(await getTestCerts());
  try {
    const serve = '"$NODE" "$MAIN" serve --port 0';
    const auth = await bash(`printf 'alice:pw\\n' | ${serve} --auth-file /dev/stdin --auth-file /dev/stdin`, {});
    assert.equal(auth.code, 2, auth.stdout + auth.stderr);
    assert.equal(auth.stderr, "smtplib: --auth-file /dev/stdin: nothing left to read: --auth-file /dev/stdin named the same pipe and read it to its end (a pipe can be read only once)\n");
    const tls = await bash(`cat "$CERT" | ${serve} --auth-file /dev/stdin --tls-cert /dev/stdin --tls-key "$KEY"`, { CERT: files.cert, KEY: files.key });
    assert.equal(tls.code, 2, tls.stdout + tls.stderr);
    assert.equal(tls.stderr, "smtplib: --auth-file /dev/stdin line 1: not user:password (the line is not shown: it may hold a password)\n", "the first flag reads the pipe");
    const pair = await bash(`cat "$CERT" | ${serve} --tls-cert /dev/stdin --tls-key /dev/stdin`, { CERT: files.cert });
    assert.equal(pair.code, 2, pair.stdout + pair.stderr);
    assert.equal(pair.stderr, "smtplib: --tls-key /dev/stdin: nothing left to read: --tls-cert /dev/stdin named the same pipe and read it to its end (a pipe can be read only once)\n");
    for (const r of [auth, tls, pair]) assert.doesNotMatch(r.stdout, /listening/);
  } finally {
    await rm(files.dir, { recursive: true, force: true });
  }
});

test("send with stdin redirected from a directory (`< dir`): the message cannot be read, exit 7 before connecting, no empty message sent", posixOnly, async () => {
  const serve = await Serve.start([]);
  try {
    const r = await bash('"$NODE" "$MAIN" send --server "127.0.0.1:$PORT" --from a@x.test --to b@x.test < "$DIR"', { PORT: String(serve.port), DIR: tmpdir() });
    assert.equal(r.code, 7, r.stdout + r.stderr);
    assert.equal(r.stderr, "smtplib: cannot read the message: stdin is a directory\n");
    assert.doesNotMatch(serve.stdout, /connection from/, "never connected");
  } finally {
    await serve.stop();
  }
});
