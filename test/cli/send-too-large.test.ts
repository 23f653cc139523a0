// A message refused as too large (552, RFC 1870): the line gives the message's size as sent
// and the server's limit as its EHLO advertised it (SIZE), or that it advertised none, as the
// CLI's own guard for a pipe names the limit; not the server's "552 5.3.4 Message size
// exceeds fixed limit" alone, which says neither.

import { describe, test } from "node:test";
import { strict as assert } from "node:assert";
import { run, Serve, tempFile } from "../helpers/cli-process.js";

/** A message of 300 bytes with CRLF line ends (as sent). */
const BIG = `Subject: big\r\n\r\n${"x".repeat(300 - 18)}\r\n`;

describe("smtplib send: a message refused as too large", { concurrency: 1 }, () => {
  test("refused at MAIL for its SIZE=: the size as sent and the server's SIZE", async () => {
    const serve = await Serve.start(["--size", "100", "--quiet"]);
    try {
      const file = await tempFile("big.eml", BIG);
      const r = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--file", file]);
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /^smtplib: sender <a@x\.test> refused: 552 .* \(the message is 300 bytes as sent; the server's limit is SIZE 100 bytes\)\n$/);
    } finally {
      await serve.stop();
    }
  });

  test("refused after the data by a server that advertises no SIZE: the size as sent, and that no limit was advertised", async () => {
    const serve = await Serve.start(["--size", "100", "--hide", "size", "--quiet"]);
    try {
      const file = await tempFile("big.eml", BIG);
      const r = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--file", file]);
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /552 .* \(the message is 300 bytes as sent; the server advertised no SIZE limit\)\n$/);
    } finally {
      await serve.stop();
    }
  });

  test("from a pipe, the CLI's own guard gives the size as sent that passed the limit, and the bytes read when they differ (under the limit here)", async () => {
    // 100 lines with LF ends: 200 bytes read, 300 as sent
    const lf = "x\n".repeat(100);
    const serve = await Serve.start(["--size", "250", "--quiet"]);
    try {
      const r = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--no-chunking"], { input: lf });
      assert.equal(r.code, 4, r.stderr);
      const m = /^smtplib: the message is larger than the server's limit \(SIZE 250 bytes\): sending stopped at (\d+) bytes as sent \((\d+) bytes read\), and nobody got it\n$/.exec(r.stderr);
      assert.ok(m !== null, r.stderr);
      assert.ok(Number(m[1]) > 250, r.stderr);
      assert.ok(Number(m[2]) < Number(m[1]), r.stderr);
    } finally {
      await serve.stop();
    }
  });

  test("from a pipe, the CRLF that ends an unended last line counts: it passes a limit the bytes read are within", async () => {
    // 250 bytes read, no line end at all: 252 as sent
    const serve = await Serve.start(["--size", "250", "--quiet"]);
    try {
      const r = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--no-chunking"], { input: "x".repeat(250) });
      assert.equal(r.code, 4, r.stderr);
      assert.equal(r.stderr, "smtplib: the message is larger than the server's limit (SIZE 250 bytes): sending stopped at 252 bytes as sent (250 bytes read), and nobody got it\n");
    } finally {
      await serve.stop();
    }
  });
});
