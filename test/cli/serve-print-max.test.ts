// `smtplib serve --print-max`: a large message is shown cut, with its full size, and the
// server keeps only what it shows (DebugServerOptions.keepBytes; tested in debug-server.test.ts).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { SMTP } from "../../src/index.js";
import { parseCommandLine, type ServeCommand } from "../../src/cli/args.js";
import { serveOptions } from "../../src/cli/serve.js";
import { rawSession, Serve } from "../helpers/cli-process.js";

test("serve --print-max 20: a 2 MB message is shown as its first line, its size and the bytes not shown", async () => {
  const serve = await Serve.start(["--quiet", "--print-max", "20"]);
  try {
    const body = `Subject: big\r\n\r\n${`${"x".repeat(998)}\r\n`.repeat(2_000)}`;
    const client = await SMTP.connect("127.0.0.1", serve.port);
    try {
      await client.sendmail("a@example.org", ["b@example.org"], body);
    } finally {
      await client.quit();
    }
    await serve.waitFor(/end of message 1/);
    assert.match(serve.stdout, new RegExp(`message 1 \\(${body.length} bytes, session `));
    assert.match(serve.stdout, new RegExp(`\\nSubject: big\\r\\n\\r\\nxxxx\\n\\[\\.\\.\\. ${body.length - 20} more bytes not shown \\(--print-max\\)\\]\\n`));
  } finally {
    await serve.stop();
  }
});

test("serve --print-max at the largest whole number the flag takes starts and prints messages whole", async () => {
  // the server holds a few bytes past --print-max (not to split a UTF-8 character): that sum
  // must not make the largest value a start-up failure naming an internal option
  const serve = await Serve.start(["--quiet", "--print-max", String(Number.MAX_SAFE_INTEGER)]);
  try {
    await rawSession(serve.port, ["EHLO client.example", "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "DATA", "Subject: whole\r\n\r\nall of it\r\n."]);
    await serve.waitFor(/end of message 1/);
    assert.match(serve.stdout, /\nSubject: whole\r\n\r\nall of it\r\n-{10} end of message 1/);
  } finally {
    assert.equal(await serve.stop(), 0);
  }
});

test("serve --print-max 0: the server holds none of a message (keepBytes 0), which is printed whole as it arrives (each line after its session id), with its size at the end", async () => {
  const cmd = parseCommandLine(["serve", "--print-max", "0"], { writeOut: () => undefined, writeErr: () => undefined }) as ServeCommand;
  assert.equal((await serveOptions(cmd)).keepBytes, 0);
  const serve = await Serve.start(["--quiet", "--print-max", "0", "--size", "1000000", "--hide", "size"]);
  try {
    // pieces of 256 KiB: a UTF-8 character and CRLFs fall across the server's reads
    const body = `Subject: big \u00e9\r\n\r\n${`${"\u00e9x".repeat(400)}\r\n`.repeat(100)}`;
    const client = await SMTP.connect("127.0.0.1", serve.port);
    try {
      await client.sendmail("a@example.org", ["b@example.org"], body);
      await assert.rejects(client.sendmail("a@example.org", ["b@example.org"], "x".repeat(1_200_000)), /552/);
    } finally {
      await client.quit();
    }
    await serve.waitFor(/end of message 2 /);
    const size = Buffer.byteLength(body);
    // each line prefixed with its session (see serve-print-max-sessions.test.ts)
    const id = /message 1 \(session ([^)]+)\)/.exec(serve.stdout)![1]!;
    const shown = `RCPT TO:   <b@example.org>\n\n${body}---------- end of message 1 (${size} bytes) ----------\n`;
    // "[id] " at the start of each line
    assert.ok(serve.stdout.includes(shown.replace(/^(?=.)|(?<=\n)(?!$)/gs, `[${id}] `)), serve.stdout.slice(0, 300));
    // the bytes received (the message and its CRLF), not the bytes shown (none past the limit)
    const end2 = /\n\[[^\]]+\] ---------- end of message 2 \((\d+) bytes, first (\d+) shown, not kept: [^\n]*size[^\n]*\) -+\n/.exec(serve.stdout);
    assert.ok(end2, serve.stdout.slice(-300));
    assert.equal(Number(end2[1]), 1_200_002);
    assert.ok(Number(end2[2]) <= 1_000_000);
  } finally {
    await serve.stop();
  }
});

test("serve --print-max 0 --chunking: a message refused as too big at a BDAT chunk ends with the bytes received (the refused chunk's included), and those shown", async () => {
  const serve = await Serve.start(["--quiet", "--print-max", "0", "--chunking", "--size", "10"]);
  try {
    // rawSession ends each line with CRLF: chunks of "123456\r\n" (8 octets) and "9\r\n" (3)
    const wire = await rawSession(serve.port, ["EHLO client.example", "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "BDAT 8\r\n123456", "BDAT 3\r\n9"]);
    assert.match(wire, /\r\n250 [^\r]*8 octets[^\r]*\r\n552 /);
    await serve.waitFor(/end of message 1 /);
    assert.match(serve.stdout, /\] ---------- end of message 1 \(11 bytes, first 8 shown, not kept: [^\n]*\) -+\n/);
  } finally {
    assert.equal(await serve.stop(), 0);
  }
});
