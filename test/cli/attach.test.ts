// `smtplib send --attach FILE`: the MIME part of each file (type, name parameter, base64
// lines), the multipart/mixed test message, the bounded reading of the files, and the flag's
// usage errors; one message sent through the debugging server and taken apart again.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { appendFile, mkdir, rename, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { attachmentHead, base64LineBlocks, base64Lines, contentTypeOf, nameParameter, type Attachment } from "../../src/cli/attachment-part.js";
import { readAttachments } from "../../src/cli/composed-message.js";
import { testMessage, testMessageBytes, testMessageStream } from "../../src/cli/test-message.js";
import { parse } from "../helpers/parse-args.js";
import { run, Serve } from "../helpers/cli-process.js";
import { withTempDir } from "../helpers/temp-dir.js";

const DATE = new Date(Date.UTC(2026, 11, 2, 9, 0, 0));

/** A name parameter's value back: the quoted string's text, or the RFC 2231 form percent-decoded as UTF-8. */
function nameOf(parameter: string): string {
  const quoted = /^[a-z]+="(.*)"$/.exec(parameter);
  if (quoted) return quoted[1]!;
  const extended = /^[a-z]+\*=utf-8''(.*)$/.exec(parameter);
  assert.ok(extended, parameter);
  return Buffer.from(extended[1]!.replace(/%([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), "latin1").toString("utf8");
}

/** The parts of a multipart body between `--boundary` delimiters (RFC 2046 §5.1.1), without the CRLF each delimiter begins with. */
function partsOf(message: string, boundary: string): string[] {
  const body = message.slice(message.indexOf("\r\n\r\n") + 4);
  assert.ok(body.startsWith(`--${boundary}\r\n`), "the body opens with the first delimiter");
  assert.ok(body.endsWith(`\r\n--${boundary}--\r\n`), "and ends with the close delimiter");
  return body.slice(`--${boundary}\r\n`.length, -`\r\n--${boundary}--\r\n`.length).split(`\r\n--${boundary}\r\n`);
}

test("attachment part: the type by extension, the name plain or in RFC 2231 form, base64 in lines of 76", () => {
  assert.equal(contentTypeOf("report.PDF"), "application/pdf");
  assert.equal(contentTypeOf("photo.jpeg"), "image/jpeg");
  assert.equal(contentTypeOf("data.bin"), "application/octet-stream");
  assert.equal(contentTypeOf(".png"), "application/octet-stream"); // a hidden file's name, no extension
  assert.equal(contentTypeOf("noext"), "application/octet-stream");
  assert.equal(nameParameter("filename", "a b.txt"), 'filename="a b.txt"');
  assert.equal(nameParameter("filename", 'ä"\\.txt'), "filename*=utf-8''%C3%A4%22%5C.txt");
  assert.equal(nameParameter("name", "line\r\nBcc: x"), "name*=utf-8''line%0D%0ABcc%3A%20x");
  assert.equal(base64Lines(new Uint8Array(0)).toString("latin1"), "");
  assert.equal(base64Lines(Buffer.from("hi")).toString("latin1"), "aGk=\r\n");
  const lines = base64Lines(Buffer.alloc(200, 7)).toString("latin1").split("\r\n");
  assert.deepEqual(lines.map((l) => l.length), [76, 76, 76, 40, 0]);
  assert.equal(attachmentHead({ name: "r.csv", bytes: Buffer.from("a,b\n") }), [
    "Content-Type: text/csv;", ' name="r.csv"', "Content-Disposition: attachment;", ' filename="r.csv"', "Content-Transfer-Encoding: base64", "", "",
  ].join("\r\n"));
});

test("attachment part (property): any name gives one parameter without a control character that decodes back; any bytes give base64 lines that decode back", () => {
  fc.assert(fc.property(fc.string({ unit: "binary" }), (name) => {
    const parameter = nameParameter("filename", name);
    assert.ok(/^[\x20-\x7e]*$/.test(parameter), parameter);
    assert.equal(nameOf(parameter), name);
  }), { numRuns: 500 });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
    const text = base64Lines(bytes).toString("latin1");
    for (const line of text.split("\r\n").slice(0, -1)) assert.ok(line.length > 0 && line.length <= 76);
    assert.deepEqual(new Uint8Array(Buffer.from(text.replace(/\r\n/g, ""), "base64")), bytes);
  }), { numRuns: 300 });
});

test("base64Lines: inputs across its blocks of 57 KiB give the lines one encoding of the whole would", () => {
  const block = 57 * 1024;
  for (const size of [block - 1, block, block + 1, 2 * block + 5, 3 * block + 56, 3 * block + 57]) {
    const bytes = Buffer.from(Array.from({ length: size }, (_v, i) => (i * 31 + (i >> 8)) & 0xff));
    const whole = bytes.toString("base64").replace(/.{1,76}/g, "$&\r\n");
    assert.equal(base64Lines(bytes).toString("latin1"), whole, `${size}`);
  }
});

test("base64LineBlocks (property): blocks of any sizes give the bytes base64Lines makes of them all", async () => {
  await fc.assert(fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), async (blocks) => {
    async function* given(): AsyncGenerator<Uint8Array> { yield* blocks; }
    const out: Buffer[] = [];
    for await (const chunk of base64LineBlocks(given())) out.push(chunk);
    assert.deepEqual(Buffer.concat(out), base64Lines(Buffer.concat(blocks)));
  }), { numRuns: 300 });
});

test("testMessageStream: with files read as sent, the bytes testMessageBytes makes of them held, and their size; a file changed since it was opened fails it", async () => {
  await withTempDir("smtplib-attach-stream-", async (dir) => {
    const bytes = Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 7 }, (_v, i) => (i * 13 + (i >> 10)) & 0xff));
    await writeFile(join(dir, "big.bin"), bytes);
    const base = { from: "a@x.test", to: ["b@x.test"], subject: "s", body: "b", date: DATE, id: "u", boundary: "=_B" };
    const [file] = await readAttachments([join(dir, "big.bin")]);
    assert.ok(!(file!.bytes instanceof Uint8Array), "a regular file is read as sent");
    const { size, chunks } = testMessageStream({ ...base, attachments: [file!] });
    const out: Uint8Array[] = [];
    for await (const chunk of chunks) out.push(chunk);
    const held = testMessageBytes({ ...base, attachments: [{ name: "big.bin", bytes }] });
    assert.equal(size, held.length);
    assert.deepEqual(Buffer.concat(out), held);
    // 7-bit (the file in base64): no 8-bit byte to declare; a header field past ASCII (SMTPUTF8) has its first byte's offset
    assert.equal(testMessageStream({ ...base, attachments: [file!] }).eightBitAt, undefined);
    const utf8 = { ...base, headers: [{ name: "Cc", value: "jö@x.test", utf8: true }], attachments: [file!] };
    const wide = testMessageBytes({ ...utf8, attachments: [{ name: "big.bin", bytes }] });
    assert.equal(testMessageStream(utf8).eightBitAt, wide.findIndex((b) => b >= 0x80));
    // shrunk, grown, or another file put in its place between opening and sending: refused, not sent with other bytes than announced
    const replace = async (): Promise<void> => {
      await writeFile(join(dir, "other.bin"), Buffer.alloc(bytes.length, 1));
      await rename(join(dir, "other.bin"), join(dir, "big.bin"));
    };
    for (const change of [() => truncate(join(dir, "big.bin"), 100), () => appendFile(join(dir, "big.bin"), "more"), replace]) {
      await writeFile(join(dir, "big.bin"), bytes);
      const [opened] = await readAttachments([join(dir, "big.bin")]);
      await change();
      await assert.rejects(bytesOf(opened!), { message: `--attach ${join(dir, "big.bin")}: the file changed while it was being sent (it had ${bytes.length} bytes)` });
    }
    // removed since: the reopening fails, said as --file's failures are
    await writeFile(join(dir, "big.bin"), bytes);
    const [gone] = await readAttachments([join(dir, "big.bin")]);
    await rm(join(dir, "big.bin"));
    await assert.rejects(bytesOf(gone!), { message: `--attach ${join(dir, "big.bin")}: no such file or directory (ENOENT)` });
  });
});

test("testMessageBytes: the UTF-8 bytes of testMessage, files included", () => {
  const parts = { from: "Jörg <j@x.test>", to: ["b@x.test"], subject: "Grüße", body: "ä\n", date: DATE, id: "u", boundary: "=_B", attachments: [{ name: "ü.bin", bytes: Buffer.from([0, 255, 128]) }] };
  assert.deepEqual(testMessageBytes(parts), Buffer.from(testMessage(parts), "utf8"));
  const plain = { from: "a@x.test", to: ["b@x.test"], subject: "s", body: "b", date: DATE, id: "u" };
  assert.deepEqual(testMessageBytes(plain), Buffer.from(testMessage(plain), "utf8"));
});

test("test message with files: multipart/mixed, the text first, each file after it, the whole 7-bit, every part back", () => {
  const message = testMessage({
    from: "a@x.test", to: ["b@x.test"], subject: "s", body: "see the files", date: DATE, id: "m", boundary: "=_B",
    attachments: [{ name: "r.csv", bytes: Buffer.from("a,b\n") }, { name: "empty.bin", bytes: new Uint8Array(0) }],
  });
  assert.equal(message, [
    "Date: Wed, 02 Dec 2026 09:00:00 +0000", "Message-ID: <m@x.test>", "From: a@x.test", "To: b@x.test", "Subject: s",
    "MIME-Version: 1.0", "Content-Type: multipart/mixed;", ' boundary="=_B"', "",
    "--=_B", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 7bit", "", "see the files", "",
    "--=_B", "Content-Type: text/csv;", ' name="r.csv"', "Content-Disposition: attachment;", ' filename="r.csv"', "Content-Transfer-Encoding: base64", "", "YSxiCg==", "",
    "--=_B", "Content-Type: application/octet-stream;", ' name="empty.bin"', "Content-Disposition: attachment;", ' filename="empty.bin"', "Content-Transfer-Encoding: base64", "", "",
    "--=_B--", "",
  ].join("\r\n"));
  fc.assert(fc.property(fc.string({ unit: "binary" }), fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 3 }), (body, files) => {
    const made = testMessage({ from: "a@x.test", to: ["b@x.test"], subject: "s", body, date: DATE, id: "p", attachments: files.map((bytes, i) => ({ name: `f${i}`, bytes })) });
    const boundary = /boundary="([^"]+)"/.exec(made)![1]!;
    // eslint-disable-next-line no-control-regex
    assert.ok(/^[\x00-\x7f]*$/.test(made), "7-bit");
    const parts = partsOf(made, boundary);
    assert.equal(parts.length, files.length + 1);
    for (const [i, bytes] of files.entries()) {
      const part = parts[i + 1]!;
      const data = part.slice(part.indexOf("\r\n\r\n") + 4);
      assert.deepEqual(new Uint8Array(Buffer.from(data.replace(/\r\n/g, ""), "base64")), bytes);
    }
  }), { numRuns: 200 });
});

test("test message with files: a body that holds the boundary gets another one", () => {
  const message = testMessage({ from: "a@x.test", to: ["b@x.test"], subject: "s", body: "--=_B\n", date: DATE, id: "m", boundary: "=_B", attachments: [{ name: "f", bytes: Buffer.from("x") }] });
  const boundary = /boundary="([^"]+)"/.exec(message)![1]!;
  assert.notEqual(boundary, "=_B");
  assert.equal(partsOf(message, boundary).length, 2);
});

/** An attachment's bytes: held, or read from its file as a send would. */
async function bytesOf(file: Attachment): Promise<Buffer> {
  if (file.bytes instanceof Uint8Array) return Buffer.from(file.bytes);
  const blocks: Uint8Array[] = [];
  for await (const block of file.bytes.blocks()) blocks.push(block);
  return Buffer.concat(blocks);
}

test("readAttachments: files and pipes in order, with their names (regular files read as sent, with no bound); a directory, a device, a missing file and pipes past the bound refused", async () => {
  await withTempDir("smtplib-attach-", async (dir) => {
    await writeFile(join(dir, "a.txt"), "alpha");
    await writeFile(join(dir, "b.bin"), Buffer.alloc(10, 1));
    await mkdir(join(dir, "sub"));
    const read = await readAttachments([join(dir, "a.txt"), join(dir, "b.bin")]);
    assert.deepEqual(await Promise.all(read.map(async (f) => [f.name, (await bytesOf(f)).toString("latin1")])), [["a.txt", "alpha"], ["b.bin", "\x01".repeat(10)]]);
    assert.deepEqual(read.map((f) => !(f.bytes instanceof Uint8Array) && f.bytes.size), [5, 10], "regular files: read as sent, their size known");
    // regular files are not held: no bound applies to them
    assert.equal((await readAttachments([join(dir, "a.txt"), join(dir, "b.bin")], 14)).length, 2);
    await assert.rejects(readAttachments([join(dir, "sub")]), { name: "TypeError", message: `--attach ${join(dir, "sub")} is not a file (a directory)` });
    await assert.rejects(readAttachments(["/dev/zero"]), { name: "TypeError", message: "--attach /dev/zero is not a file (a device or socket)" });
    await assert.rejects(readAttachments([join(dir, "none")]), { name: "Error", message: `--attach ${join(dir, "none")}: no such file or directory (ENOENT)` });
    // a pipe: read until its writer closes it
    const fifo = join(dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    const writing = writeFile(fifo, "from a pipe");
    const [piped] = await readAttachments([fifo]);
    await writing;
    assert.equal((await bytesOf(piped!)).toString(), "from a pipe");
    // pipes are held: exactly the bound is taken, one byte more is a usage error (TypeError)
    const exact = join(dir, "exact");
    execFileSync("mkfifo", [exact]);
    const fifteen = writeFile(exact, "x".repeat(15));
    assert.equal((await readAttachments([exact], 15)).length, 1);
    await fifteen;
    const over = writeFile(exact, "x".repeat(15));
    await assert.rejects(readAttachments([exact], 14), (err: unknown) => err instanceof TypeError && err.message.startsWith("--attach: the pipes (and files without a size) come to more than ") && err.message.includes(`(at ${exact})`));
    await over.catch(() => undefined);
    // a pipe past the bound: cut there and refused, read a chunk at a time (no size to check first)
    const endless = join(dir, "endless");
    execFileSync("mkfifo", [endless]);
    const flood = writeFile(endless, Buffer.alloc(64 * 1024, 0x61)).catch(() => undefined); // EPIPE once the reader stops
    await assert.rejects(readAttachments([endless], 1000), (err: unknown) => err instanceof TypeError && err.message.includes(`more than ${1000 / 1024 / 1024} MiB, all held in memory (at ${endless})`));
    await flood;
  });
});

test("send --attach: a test message by itself; not with --file; not with --header Content-Type", () => {
  const base = ["send", "--server", "h", "--from", "a@x.org", "--to", "b@x.org"];
  const alone = parse(...base, "--attach", "a.pdf", "--attach", "b.png");
  assert.deepEqual(alone.command?.kind === "send" ? alone.command.compose?.attach : undefined, ["a.pdf", "b.png"]);
  assert.match(parse(...base, "--attach", "a.pdf", "--file", "m.eml").error?.message ?? "", /--attach <file>' cannot be used with option '--file <file>'/);
  assert.equal(parse(...base, "--attach", "a.pdf", "--header", "content-type: text/html").error?.message,
    "error: --header content-type cannot go with --attach (the message is then multipart/mixed; its text is text/plain)");
  assert.equal(parse(...base, "--header", "Content-Type: text/html").command?.kind, "send");
  assert.equal(parse(...base, "--attach", "").error?.message, "error: --attach needs the path of a file");
});

test("send --attach: the files arrive whole in a multipart message; a missing file is exit 7 before connecting", async () => {
  await withTempDir("smtplib-attach-send-", async (dir) => {
    const bytes = Buffer.from(Array.from({ length: 5000 }, (_v, i) => (i * 7) & 0xff));
    await writeFile(join(dir, "data.bin"), bytes);
    const serve = await Serve.start([]);
    try {
      const r = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--body", "files", "--attach", join(dir, "data.bin")]);
      assert.equal(r.code, 0, r.stderr);
      await serve.waitFor(/end of message 1/);
      const printed = serve.stdout.slice(serve.stdout.indexOf("\nDate: ") + 1, serve.stdout.indexOf("---------- end of message 1"));
      const boundary = /boundary="([^"]+)"/.exec(printed)![1]!;
      const [text, file] = partsOf(printed, boundary);
      assert.match(text!, /\r\n\r\nfiles\r\n$/);
      assert.match(file!, /^Content-Type: application\/octet-stream;\r\n name="data\.bin"\r\nContent-Disposition: attachment;\r\n filename="data\.bin"\r\n/);
      assert.deepEqual(Buffer.from(file!.slice(file!.indexOf("\r\n\r\n") + 4).replace(/\r\n/g, ""), "base64"), bytes);
      const missing = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--attach", join(dir, "none.pdf")]);
      assert.equal(missing.code, 7);
      assert.equal(missing.stderr, `smtplib: cannot read the message: --attach ${join(dir, "none.pdf")}: no such file or directory (ENOENT)\n`);
      assert.doesNotMatch(serve.stdout, /message 2/);
    } finally {
      await serve.stop();
    }
  });
});
