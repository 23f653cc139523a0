// Exit codes of `send` and `probe` when the server closes the connection with a 421 partway
// (RFC 5321 §3.8) or refuses STARTTLS: a connection or TLS failure (5), never "refused" (4)
// nor "login failed" (6). Each server is a child-process test against a small line server.
import { describe, test } from "node:test";
import { strict as assert } from "node:assert";
import type { Socket } from "node:net";
import { lineServer } from "../helpers/line-server.js";
import { run } from "../helpers/cli-process.js";

/** Where the server says 421 (or, for STARTTLS, refuses it with 454). */
type Stage = "AUTH" | "MAIL" | "RCPT" | "DATA" | "DOT" | "STARTTLS";

/** A server offering AUTH PLAIN and STARTTLS that answers `stage` with 421 and closes (STARTTLS: 454, and goes on). */
function closingServer(stage: Stage): ReturnType<typeof lineServer> {
  let inData = false;
  const closeWith = (sock: Socket): void => void sock.end("421 4.3.2 mx.test shutting down\r\n");
  return lineServer((sock, line) => {
    if (inData) {
      if (line !== ".") return;
      inData = false;
      if (stage === "DOT") closeWith(sock);
      else sock.write("250 2.0.0 queued\r\n");
      return;
    }
    const verb = line.split(" ")[0]!.toUpperCase();
    if (verb === "EHLO") sock.write("250-mx.test\r\n250-AUTH PLAIN\r\n250 STARTTLS\r\n");
    else if (verb === "STARTTLS" && stage === "STARTTLS") sock.write("454 4.7.0 TLS not available\r\n");
    else if (verb === stage) closeWith(sock);
    else if (verb === "AUTH") sock.write("235 2.7.0 ok\r\n");
    else if (verb === "DATA") {
      inData = true;
      sock.write("354 go on\r\n");
    } else if (verb === "QUIT") sock.end("221 bye\r\n");
    else sock.write("250 ok\r\n");
  });
}

describe("send and probe when the server closes with 421 or refuses STARTTLS", { concurrency: 3 }, () => {
  for (const stage of ["AUTH", "MAIL", "RCPT", "DATA", "DOT"] as const) {
    test(`send: a 421 to ${stage} exits 5 (the server closed the connection), not 4 or 6`, async () => {
      const server = await closingServer(stage);
      try {
        const r = await run(["send", "--server", `127.0.0.1:${server.port}`, "--from", "a@x.test", "--to", "b@x.test", "--to", "c@x.test",
          "--subject", "s", "--user", "u", "--password-env", "SMTPLIB_TEST_PW"], { env: { SMTPLIB_TEST_PW: "pw" } });
        assert.equal(r.code, 5, r.stdout + r.stderr);
        assert.match(r.stderr, /^smtplib: the server closed the connection: 421 4\.3\.2 mx\.test shutting down/m);
      } finally {
        await server.close();
      }
    });
  }

  test("send --starttls and --require-tls: STARTTLS refused (454) exits 5 (TLS failure), not 4", async () => {
    const server = await closingServer("STARTTLS");
    try {
      for (const mode of ["--starttls", "--require-tls"]) {
        const r = await run(["send", "--server", `127.0.0.1:${server.port}`, "--from", "a@x.test", "--to", "b@x.test", "--subject", "s", mode]);
        assert.equal(r.code, 5, `${mode}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, /^smtplib: STARTTLS refused: 454 4\.7\.0 TLS not available$/m);
      }
    } finally {
      await server.close();
    }
  });

  test("probe --starttls: STARTTLS refused exits 5 (probe uses only 0, 2 and 5)", async () => {
    const server = await closingServer("STARTTLS");
    try {
      const r = await run(["probe", `127.0.0.1:${server.port}`, "--starttls"]);
      assert.equal(r.code, 5, r.stdout + r.stderr);
      assert.match(r.stderr, /^smtplib: STARTTLS refused: 454 /m);
    } finally {
      await server.close();
    }
  });

  test("send: a reply that is not SMTP (to EHLO, to MAIL) exits 5: the connection is closed, nothing was refused", async () => {
    for (const verb of ["EHLO", "MAIL"]) {
      const server = await lineServer((sock, line) => {
        if (line.toUpperCase().startsWith(verb)) sock.write("ERROR\r\n");
        else if (/^EHLO /i.test(line)) sock.write("250 mx.test\r\n");
        else sock.write("250 ok\r\n");
      });
      try {
        const r = await run(["send", "--server", `127.0.0.1:${server.port}`, "--from", "a@x.test", "--to", "b@x.test", "--subject", "s"]);
        assert.equal(r.code, 5, `${verb}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, /Malformed reply line "ERROR"/);
      } finally {
        await server.close();
      }
    }
  });

  test("probe: a server whose EHLO reply is not SMTP exits 5, not send's 4 (refused)", async () => {
    const server = await lineServer((sock, line) => {
      if (/^EHLO /i.test(line)) sock.write("hello there\r\n");
    });
    try {
      const r = await run(["probe", `127.0.0.1:${server.port}`]);
      assert.equal(r.code, 5, r.stdout + r.stderr);
      assert.match(r.stderr, /Malformed reply line "hello there"/);
    } finally {
      await server.close();
    }
  });
});
