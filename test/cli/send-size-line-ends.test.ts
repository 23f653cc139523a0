// `smtplib send --file` declares SIZE= for the message it sends, whose line ends it makes
// CRLF (see send-line-ends.test.ts): a file with LF line ends grows by a byte a line. Where
// the server's SIZE limit lies between the file's size and the message's, declaring the
// file's size got the MAIL accepted and the message refused (552) once it had been sent
// whole; the message's own size gets it refused at MAIL (over DATA, before any of it goes;
// BDAT may have pipelined its first chunk by then).
import { describe, test } from "node:test";
import { strict as assert } from "node:assert";
import { run, Serve, tempFile } from "../helpers/cli-process.js";

/** 200 lines with LF ends: 200 bytes more once they are CRLF. */
const LINES = Array.from({ length: 200 }, (_v, i) => `line ${i} of the message`);
const LF_FILE = Buffer.from(`Subject: size\n\n${LINES.join("\n")}\n`, "latin1");
const CRLF_LENGTH = LF_FILE.length + 202;

describe("smtplib send: SIZE= of a file whose line ends are made CRLF", { concurrency: 1 }, () => {
  for (const chunking of [true, false]) {
    test(`the limit between the file's size and the message's: refused at MAIL (${chunking ? "BDAT" : "DATA"})`, async () => {
      const limit = LF_FILE.length + 100;
      const serve = await Serve.start(["--quiet", "--size", String(limit), ...(chunking ? ["--chunking"] : [])]);
      try {
        const file = await tempFile("lf.eml", LF_FILE);
        const sent = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--file", file, "-v"]);
        assert.match(sent.stderr, new RegExp(`C: MAIL FROM:<a@x\\.test> SIZE=${CRLF_LENGTH}\\b`));
        // refused at MAIL (a pipelined DATA or BDAT is then refused too), not after the message
        // (or the CLI's own guard, counting the message as sent, stops reading it first)
        assert.match(sent.stderr, /sender <a@x\.test> refused: 552 |larger than the server's limit \(SIZE \d+ bytes\)[^\n]*nobody got it/);
        if (!chunking) assert.doesNotMatch(sent.stderr, /S: 354/);
        assert.notEqual(sent.code, 0);
      } finally {
        await serve.stop();
      }
    });
  }

  test("a limit the message fits: its size as sent is declared, and it is delivered", async () => {
    const serve = await Serve.start(["--quiet", "--chunking", "--size", String(CRLF_LENGTH)]);
    try {
      const file = await tempFile("lf.eml", LF_FILE);
      const sent = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--file", file, "-v"]);
      assert.equal(sent.code, 0, sent.stderr);
      assert.match(sent.stderr, new RegExp(`SIZE=${CRLF_LENGTH}\\b`));
      await serve.waitFor(/end of message 1/);
    } finally {
      await serve.stop();
    }
  });
});
