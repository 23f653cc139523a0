// `smtplib send`'s envelope and extension flags as child processes: --mail-option and
// --rcpt-option on the wire, --no-pipelining, --no-chunking, and a hostile argument's
// control characters escaped in the usage error.
import { describe, test } from "node:test";
import { strict as assert } from "node:assert";
import { createServer, type Server, type Socket } from "node:net";
import { run, Serve } from "../helpers/cli-process.js";

const MESSAGE = "From: a@x.test\r\nTo: b@x.test\r\nSubject: options\r\n\r\nhello\r\n";

/** The client's lines (C:) of a `send -v` transcript on stderr, and where each server reply (S:) falls. */
function turns(stderr: string): string[] {
  return stderr.split("\n").filter((l) => /^[CS]: /.test(l)).map((l) => (l.startsWith("S: ") ? "S" : l.slice(3)));
}

/**
 * A server that offers CHUNKING and PIPELINING and records each transaction's data command:
 * "DATA" or "BDAT <n> LAST" (it reads a BDAT chunk's bytes, and DATA's up to the lone ".").
 */
async function chunkingServer(): Promise<{ server: Server; port: number; dataCommands: string[] }> {
  const dataCommands: string[] = [];
  const server = createServer((sock: Socket) => {
    sock.on("error", () => undefined);
    let buffered = Buffer.alloc(0);
    let chunkLeft = 0;
    let inData = false;
    sock.write("220 chunks.test ESMTP\r\n");
    sock.on("data", (d: Buffer) => {
      buffered = Buffer.concat([buffered, d]);
      for (;;) {
        if (chunkLeft > 0) {
          const take = Math.min(chunkLeft, buffered.length);
          buffered = buffered.subarray(take);
          chunkLeft -= take;
          if (chunkLeft > 0) return;
          sock.write("250 2.0.0 chunk taken\r\n");
          continue;
        }
        if (inData) {
          const end = buffered.indexOf("\r\n.\r\n");
          if (end === -1) return;
          buffered = buffered.subarray(end + 5);
          inData = false;
          sock.write("250 2.0.0 data taken\r\n");
          continue;
        }
        const eol = buffered.indexOf("\r\n");
        if (eol === -1) return;
        const line = buffered.subarray(0, eol).toString("latin1");
        buffered = buffered.subarray(eol + 2);
        const verb = line.split(" ")[0]!.toUpperCase();
        if (verb === "EHLO") sock.write("250-chunks.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 CHUNKING\r\n");
        else if (verb === "DATA") {
          dataCommands.push("DATA");
          inData = true;
          // The body starts after CRLF; a message's leading "\r\n.\r\n" search needs it.
          buffered = Buffer.concat([Buffer.from("\r\n"), buffered]);
          sock.write("354 go ahead\r\n");
        } else if (verb === "BDAT") {
          dataCommands.push(line);
          chunkLeft = Number(line.split(" ")[1]);
          if (chunkLeft === 0) sock.write("250 2.0.0 chunk taken\r\n");
        } else if (verb === "QUIT") {
          sock.end("221 2.0.0 bye\r\n");
          return;
        } else sock.write("250 2.0.0 ok\r\n");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port, dataCommands };
}

describe("smtplib send: envelope and extension flags", { concurrency: 2 }, () => {
  test("--mail-option and --rcpt-option go on MAIL FROM and on every RCPT TO; --no-pipelining waits for each reply", async () => {
    const serve = await Serve.start(["--offer", "dsn"]);
    try {
      const base = ["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--to", "c@x.test", "-v"];
      const flags = ["--mail-option", "RET=HDRS", "--mail-option", "ENVID=q1+2B", "--rcpt-option", "NOTIFY=SUCCESS,FAILURE"];
      const lockStep = await run([...base, ...flags, "--no-pipelining"], { input: MESSAGE });
      assert.equal(lockStep.code, 0, lockStep.stderr);
      await serve.waitFor(/C: QUIT/);
      assert.match(serve.stdout, /C: MAIL FROM:<a@x\.test> RET=HDRS ENVID=q1\+2B\n/);
      assert.match(serve.stdout, /C: RCPT TO:<b@x\.test> NOTIFY=SUCCESS,FAILURE\n/);
      assert.match(serve.stdout, /C: RCPT TO:<c@x\.test> NOTIFY=SUCCESS,FAILURE\n/);
      const envelope = ["MAIL FROM:<a@x.test> RET=HDRS ENVID=q1+2B", "RCPT TO:<b@x.test> NOTIFY=SUCCESS,FAILURE", "RCPT TO:<c@x.test> NOTIFY=SUCCESS,FAILURE", "DATA"];
      const sent = turns(lockStep.stderr);
      const from = sent.indexOf(envelope[0]!);
      assert.deepEqual(sent.slice(from, from + 8), [envelope[0], "S", envelope[1], "S", envelope[2], "S", envelope[3], "S"]);
      // The same send pipelined (the default): the envelope goes as one group, replies after it.
      const pipelined = await run([...base, ...flags], { input: MESSAGE });
      assert.equal(pipelined.code, 0, pipelined.stderr);
      const grouped = turns(pipelined.stderr);
      const at = grouped.indexOf(envelope[0]!);
      assert.deepEqual(grouped.slice(at, at + 8), [...envelope, "S", "S", "S", "S"]);
    } finally {
      await serve.stop();
    }
  });

  test("--no-chunking sends DATA to a server that offers CHUNKING, which otherwise gets BDAT", async () => {
    const { server, port, dataCommands } = await chunkingServer();
    try {
      const base = ["send", "--server", `127.0.0.1:${port}`, "--from", "a@x.test", "--to", "b@x.test"];
      const bdat = await run(base, { input: MESSAGE });
      assert.equal(bdat.code, 0, bdat.stderr);
      const data = await run([...base, "--no-chunking"], { input: MESSAGE });
      assert.equal(data.code, 0, data.stderr);
      assert.deepEqual(dataCommands, [`BDAT ${Buffer.byteLength(MESSAGE)} LAST`, "DATA"]);
    } finally {
      server.close();
    }
  });

  test("--auth-mech logs in with the named mechanism only; one the server does not offer exits 6 (authentication), not 5, saying what it offers", async () => {
    const serve = await Serve.start(["--auth", "alice:pw-123", "--auth-required"]);
    try {
      const base = ["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--user", "alice", "--password-env", "SMTPLIB_TEST_PW"];
      const env = { SMTPLIB_TEST_PW: "pw-123" };
      const strongest = await run(base, { input: MESSAGE, env });
      assert.equal(strongest.code, 0, strongest.stderr);
      const login = await run([...base, "--auth-mech", "login"], { input: MESSAGE, env });
      assert.equal(login.code, 0, login.stderr);
      const fallback = await run([...base, "--auth-mech", "SCRAM-SHA-256", "--auth-mech", "PLAIN"], { input: MESSAGE, env });
      assert.equal(fallback.code, 0, fallback.stderr);
      await serve.waitFor(/end of message 3/);
      const used = [...serve.stdout.matchAll(/\* AUTH (\S+) as "alice": accepted/g)].map((m) => m[1]);
      assert.deepEqual(used, ["CRAM-MD5", "LOGIN", "PLAIN"]);
      const empty = await run(base, { input: MESSAGE, env: { SMTPLIB_TEST_PW: "" } });
      assert.equal(empty.code, 6, empty.stderr);
      assert.match(empty.stderr, /^smtplib: SMTPAuthenticationError: 535 [^\n]* \(the password, from SMTPLIB_TEST_PW, is empty\)\n$/, "an empty variable is named as the likely cause");
      const none = await run([...base, "--auth-mech", "SCRAM-SHA-256"], { input: MESSAGE, env });
      assert.equal(none.code, 6, none.stderr);
      assert.equal(none.stderr, "smtplib: SMTPException: No suitable authentication method found. The server offers AUTH PLAIN LOGIN CRAM-MD5; --auth-mech allows SCRAM-SHA-256\n", "says what the server offers and what --auth-mech allowed");
    } finally {
      await serve.stop();
    }
  });

  test("--auth-mech: a mechanism a password cannot drive, or no --user, is a usage error", async () => {
    const base = ["send", "--server", "127.0.0.1:1", "--from", "a@x.test", "--to", "b@x.test"];
    const token = await run([...base, "--user", "u", "--password-env", "PW", "--auth-mech", "XOAUTH2"]);
    assert.equal(token.code, 2, token.stderr);
    assert.match(token.stderr, /--auth-mech "XOAUTH2": not a mechanism send can use \(SCRAM-SHA-256-PLUS, SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5, PLAIN, LOGIN\)/);
    const alone = await run([...base, "--auth-mech", "PLAIN"]);
    assert.equal(alone.code, 2, alone.stderr);
    assert.match(alone.stderr, /--auth-mech needs --user and --password-env/);
  });

  test("a parameter with a space, an empty value or CR/LF is a usage error (exit 2) before connecting, its control characters escaped", async () => {
    const base = ["send", "--server", "127.0.0.1:1", "--from", "a@x.test", "--to", "b@x.test"];
    for (const [flag, value] of [["--mail-option", "RET=HDRS ENVID=x"], ["--mail-option", "RET="], ["--rcpt-option", "NOTIFY=NEVER\r\nRSET\x1b]0;owned\x07"]]) {
      const r = await run([...base, flag!, value!]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`^smtplib: ${flag} ".*": not an ESMTP parameter`, "s"));
      // eslint-disable-next-line no-control-regex
      assert.ok(!/[\x00-\x09\x0b-\x1f\x7f]/.test(r.stderr), JSON.stringify(r.stderr));
      assert.doesNotMatch(r.stderr, /ECONNREFUSED/);
    }
  });
});
