// A file that changes size while `smtplib send` sends it (still being written, or cut) is
// not sent as if whole: its size was declared (SIZE=) from what it had when sending began,
// and a message that grew or shrank meanwhile is likely cut. The end of data is not sent,
// and send exits 7 (the message could not be read), saying why.
import { describe, test } from "node:test";
import { strict as assert } from "node:assert";
import { appendFileSync, readFileSync, truncateSync } from "node:fs";
import { lineServer } from "../helpers/line-server.js";
import { run, tempFile } from "../helpers/cli-process.js";

/** 200 KiB of CRLF lines: more than one 64 KiB read of the file. */
const MESSAGE = Buffer.from(`Subject: changing\r\n\r\n${"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd\r\n".repeat(3200)}`, "latin1");

/**
 * A server that runs `change` when MAIL comes, before the message is read, and records
 * whether a message's end of data came.
 */
async function changingServer(change: () => void): Promise<{ port: number; ended: () => boolean; close: () => Promise<void> }> {
  let inData = false;
  let ended = false;
  const server = await lineServer((sock, line) => {
    if (inData) {
      if (line === ".") {
        inData = false;
        ended = true;
        sock.write("250 2.0.0 queued\r\n");
      }
      return;
    }
    const verb = line.slice(0, 4).toUpperCase();
    if (verb === "EHLO") sock.write("250-mx.test\r\n250 SIZE 10000000\r\n");
    else if (verb === "MAIL") {
      change();
      sock.write("250 2.1.0 ok\r\n");
    } else if (verb === "DATA") {
      inData = true;
      sock.write("354 go ahead\r\n");
    } else if (verb === "QUIT") sock.end("221 2.0.0 bye\r\n");
    else sock.write("250 2.0.0 ok\r\n");
  });
  return { port: server.port, ended: () => ended, close: () => server.close() };
}

describe("smtplib send --file: a file that changes size while it is sent", { concurrency: 1 }, () => {
  for (const [what, change, said] of [
    ["grows", (file: string) => appendFileSync(file, "more text\r\n"), "more read"],
    ["shrinks", (file: string) => truncateSync(file, 1000), "1000 read"],
  ] as const) {
    test(`a file that ${what} after sending began: not sent whole, exit 7, saying it changed`, async () => {
      const file = await tempFile(`${what}.eml`, MESSAGE);
      const server = await changingServer(() => change(file));
      try {
        const done = await run(["send", "--server", `127.0.0.1:${server.port}`, "--from", "a@x.test", "--to", "b@x.test", "--file", file]);
        assert.equal(done.code, 7, done.stderr);
        assert.match(done.stderr, new RegExp(`^smtplib: cannot read the message: it changed size while it was sent \\(${MESSAGE.length} bytes when sending began, ${said}\\): it was not sent whole\\n$`));
        assert.equal(server.ended(), false, "no end of data was sent");
        assert.doesNotMatch(done.stdout, /delivered|sent to/);
      } finally {
        await server.close();
      }
    });
  }
});

describe("smtplib send: a regular file of size 0 that has text (/proc/version)", { concurrency: 1 }, () => {
  test("is sent whole as --file, as a pipe is (its size not known)", async () => {
    const text = readFileSync("/proc/version");
    let got = Buffer.alloc(0);
    let inData = false;
    const server = await lineServer((sock, line) => {
      if (inData) {
        if (line === ".") {
          inData = false;
          sock.write("250 2.0.0 queued\r\n");
        } else got = Buffer.concat([got, Buffer.from(`${line}\n`, "latin1")]);
        return;
      }
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === "DATA") {
        inData = true;
        sock.write("354 go ahead\r\n");
      } else if (verb === "QUIT") sock.end("221 2.0.0 bye\r\n");
      else sock.write("250 2.0.0 ok\r\n");
    });
    try {
      const done = await run(["send", "--server", `127.0.0.1:${server.port}`, "--from", "a@x.test", "--to", "b@x.test", "--file", "/proc/version"]);
      assert.equal(done.code, 0, done.stderr);
      assert.equal(got.toString("latin1"), text.toString("latin1"));
    } finally {
      await server.close();
    }
  });
});
