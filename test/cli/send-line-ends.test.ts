// `smtplib send` sends a file's (or stdin's) message with CRLF line ends whether the server
// takes it with DATA or with BDAT: a Unix file has LF line ends, and DATA's dot-stuffer makes
// them CRLF, but BDAT sends bytes as they are, so the same file used to arrive with bare LFs
// (RFC 5322 §2.3 forbids them) at a server that offers CHUNKING. BODY=BINARYMIME keeps the
// bytes as given.
import { describe, test } from "node:test";
import { strict as assert } from "node:assert";
import { createServer, type Server } from "node:net";
import { run, Serve, tempFile } from "../helpers/cli-process.js";

/** A message with LF line ends, a lone CR, 8-bit (Latin-1) bytes and an unended last line. */
const LF_MESSAGE = Buffer.from("From: a@x.test\nTo: b@x.test\nSubject: lf\n\nline one\rline two caf\xe9\n.dot\nlast", "latin1");
/** What the server must get: every line end CRLF (the last line's too), the other bytes as they are. */
const CRLF_MESSAGE = Buffer.from("From: a@x.test\r\nTo: b@x.test\r\nSubject: lf\r\n\r\nline one\r\nline two caf\xe9\r\n.dot\r\nlast\r\n", "latin1");

/** The printed size of each message `serve` received. */
function sizes(stdout: string): number[] {
  return [...stdout.matchAll(/-{10} message \d+ \((\d+) bytes/g)].map((m) => Number(m[1]));
}

/** A server that offers CHUNKING and BINARYMIME and keeps the bytes of every BDAT chunk. */
async function binaryServer(): Promise<{ server: Server; port: number; chunks: Buffer[] }> {
  const chunks: Buffer[] = [];
  const server = createServer((sock) => {
    sock.on("error", () => undefined);
    let buffered = Buffer.alloc(0);
    let left = 0;
    sock.write("220 binary.test ESMTP\r\n");
    sock.on("data", (d: Buffer) => {
      buffered = Buffer.concat([buffered, d]);
      for (;;) {
        if (left > 0) {
          const take = buffered.subarray(0, left);
          chunks.push(take);
          buffered = buffered.subarray(take.length);
          left -= take.length;
          if (left > 0) return;
          sock.write("250 2.0.0 chunk taken\r\n");
          continue;
        }
        const eol = buffered.indexOf("\r\n");
        if (eol === -1) return;
        const line = buffered.subarray(0, eol).toString("latin1");
        buffered = buffered.subarray(eol + 2);
        const verb = line.split(" ")[0]!.toUpperCase();
        if (verb === "EHLO") sock.write("250-binary.test\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 BINARYMIME\r\n");
        else if (verb === "BDAT") {
          left = Number(line.split(" ")[1]);
          if (left === 0) sock.write("250 2.0.0 chunk taken\r\n");
        } else if (verb === "QUIT") return void sock.end("221 2.0.0 bye\r\n");
        else sock.write("250 2.0.0 ok\r\n");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port, chunks };
}

describe("smtplib send: line ends over DATA and BDAT", { concurrency: 1 }, () => {
  test("a file with LF line ends arrives with CRLF ones over BDAT, as over DATA", async () => {
    const serve = await Serve.start(["--chunking", "--quiet"]);
    try {
      const file = await tempFile("lf.eml", LF_MESSAGE);
      const base = ["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--file", file, "-v"];
      const bdat = await run(base);
      assert.equal(bdat.code, 0, bdat.stderr);
      assert.match(bdat.stderr, /C: BDAT \d+ LAST/);
      const data = await run([...base, "--no-chunking"]);
      assert.equal(data.code, 0, data.stderr);
      assert.match(data.stderr, /C: DATA/);
      await serve.waitFor(/end of message 2/);
      assert.deepEqual(sizes(serve.stdout), [CRLF_MESSAGE.length, CRLF_MESSAGE.length]);
      // the debugging server shows a bare LF as \n and a lone CR as \r
      assert.doesNotMatch(serve.stdout, /\\n|\\r/);
    } finally {
      await serve.stop();
    }
  });

  test("stdin from a pipe gets CRLF line ends over BDAT too", async () => {
    const serve = await Serve.start(["--chunking", "--quiet"]);
    try {
      const sent = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test"], { input: "Subject: pipe\n\nhello\nworld\n" });
      assert.equal(sent.code, 0, sent.stderr);
      await serve.waitFor(/end of message 1/);
      assert.deepEqual(sizes(serve.stdout), [Buffer.byteLength("Subject: pipe\r\n\r\nhello\r\nworld\r\n")]);
      assert.doesNotMatch(serve.stdout, /\\n/);
    } finally {
      await serve.stop();
    }
  });

  test("with --mail-option BODY=BINARYMIME the bytes go as they are", async () => {
    const { server, port, chunks } = await binaryServer();
    try {
      const file = await tempFile("lf.eml", LF_MESSAGE);
      const sent = await run(["send", "--server", `127.0.0.1:${port}`, "--from", "a@x.test", "--to", "b@x.test", "--file", file, "--mail-option", "BODY=BINARYMIME"]);
      assert.equal(sent.code, 0, sent.stderr);
      assert.deepEqual(Buffer.concat(chunks), LF_MESSAGE);
    } finally {
      server.close();
    }
  });
});
