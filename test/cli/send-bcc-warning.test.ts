// `smtplib send` sends the message's bytes as they are (the library's `sendmail`), so a Bcc or
// Resent-Bcc field in its header section goes to every recipient. Sent unchanged all the same,
// but one warning line on stderr says so, found in the first bytes as they arrive (a file or
// a pipe alike: the whole message is never waited for), and only in the header section
// (bounded: a header section that never ends is not waited for either).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { once } from "node:events";
import type net from "node:net";
import { LIMIT_MS, MAIN, children, run, tempFile, whenOutput } from "../helpers/cli-process.js";
import { lineServer } from "../helpers/line-server.js";
import { messageSink } from "../helpers/message-sink.js";

const WARNING = (name: string, resent = ""): string =>
  `smtplib: warning: the message has a ${name} field, sent as it is: every recipient sees it `
  + `(remove it from the message; the blind recipients are the --to addresses not in ${resent}To or ${resent}Cc)\n`;

const SEND = ["send", "--from", "a@x.test", "--to", "b@x.test", "--to", "c@x.test"];

/** Sends `message` (CRLF line ends, no line starting with a dot) from a file and from a stdin pipe: each exits 0, is sent byte for byte, and prints `stderr`. */
async function sendBothWays(message: string, stderr: string): Promise<void> {
  const sink = await messageSink([]);
  try {
    const file = await tempFile("bcc.eml", message);
    const server = ["--server", `127.0.0.1:${sink.port}`];
    const fromFile = await run([...SEND, ...server, "--file", file]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.equal(fromFile.stderr, stderr, "--file");
    assert.match(fromFile.stdout, new RegExp(`^sent to 2 of 2 recipient\\(s\\) \\(${message.length} bytes\\)$`, "m"));
    const fromPipe = await run([...SEND, ...server], { input: message });
    assert.equal(fromPipe.code, 0, fromPipe.stderr);
    assert.equal(fromPipe.stderr, stderr, "stdin");
    assert.deepEqual(sink.messages.map((m) => m.raw.toString("latin1")), [message, message], "sent as it is, both ways");
  } finally {
    await sink.close();
  }
}

test("send: a Bcc field in the header section: sent as it is, with one warning line (from a file and from a stdin pipe)", async () => {
  await sendBothWays("From: a@x.test\r\nTo: b@x.test\r\nBcc: c@x.test\r\nSubject: s\r\n\r\nhello, Bcc: d@x.test\r\nBcc: e@x.test\r\n", WARNING("Bcc"));
});

test("send: a Resent-Bcc field (any case, blanks before the colon): the warning names it and the Resent- fields", async () => {
  await sendBothWays("Resent-From: a@x.test\r\nResent-To: b@x.test\r\nRESENT-BCC \t: c@x.test\r\nFrom: z@x.test\r\nSubject: s\r\n\r\nhello\r\n", WARNING("RESENT-BCC", "Resent-"));
});

test("send: a Bcc on an indented line (text of the field above, sent to every recipient): the warning", async () => {
  await sendBothWays("From: a@x.test\r\nTo: b@x.test\r\nSubject: s\r\n    bcc: c@x.test\r\n\r\nhello\r\n", WARNING("bcc"));
});

test("send: no Bcc field, or one only in the body after the empty line: no warning", async () => {
  await sendBothWays("From: a@x.test\r\nTo: b@x.test\r\nX-Bcc: c@x.test\r\nSubject: Bcc: me\r\n\r\nhello\r\n", "");
  await sendBothWays("From: a@x.test\r\nTo: b@x.test\r\nSubject: s\r\n\r\nBcc: c@x.test\r\nResent-Bcc: d@x.test\r\n", "");
});

test("send: a file with Unix line ends and a Bcc: the warning, and the message sent with CRLF line ends as before", async () => {
  const sink = await messageSink([]);
  try {
    const file = await tempFile("bcc-lf.eml", "From: a@x.test\nBcc: c@x.test\n\nhello\n");
    const r = await run([...SEND, "--server", `127.0.0.1:${sink.port}`, "--file", file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, WARNING("Bcc"));
    assert.deepEqual(sink.messages.map((m) => m.raw.toString("latin1")), ["From: a@x.test\r\nBcc: c@x.test\r\n\r\nhello\r\n"]);
  } finally {
    await sink.close();
  }
});

test("send to a server that offers CHUNKING (BDAT) and with BODY=BINARYMIME: the warning, the bytes as they are", async () => {
  const sink = await messageSink(["CHUNKING", "BINARYMIME", "8BITMIME"]);
  try {
    const message = "From: a@x.test\nbcc : c@x.test\n\nhello\n";
    const file = await tempFile("bcc-bdat.eml", message);
    const server = ["--server", `127.0.0.1:${sink.port}`, "--file", file];
    const bdat = await run([...SEND, ...server]);
    assert.equal(bdat.code, 0, bdat.stderr);
    assert.equal(bdat.stderr, WARNING("bcc"));
    const binary = await run([...SEND, ...server, "--mail-option", "BODY=BINARYMIME"]);
    assert.equal(binary.code, 0, binary.stderr);
    assert.equal(binary.stderr, WARNING("bcc"));
    assert.deepEqual(sink.messages.map((m) => [m.kind, m.raw.toString("latin1")]), [["bdat", message.replace(/\n/g, "\r\n")], ["bdat", message]]);
  } finally {
    await sink.close();
  }
});

/** A server that accepts everything in lock-step and keeps each line of message data as it comes; `seen` resolves once `line` has come. */
async function dataRecorder(): Promise<{ port: number; data: string[]; seen(line: string): Promise<void>; close(): Promise<void> }> {
  const data: string[] = [];
  const waiters: { line: string; resolve: () => void }[] = [];
  const inData = new WeakSet<net.Socket>();
  const server = await lineServer((sock, line) => {
    if (inData.has(sock)) {
      if (line === ".") {
        inData.delete(sock);
        sock.write("250 queued\r\n");
        return;
      }
      data.push(line);
      for (const w of waiters.filter((x) => x.line === line)) w.resolve();
      return;
    }
    const verb = line.split(/[ :]/)[0]!.toUpperCase();
    if (verb === "DATA") {
      inData.add(sock);
      sock.write("354 go\r\n");
    } else if (verb === "QUIT") sock.end("221 bye\r\n");
    else sock.write("250 ok\r\n");
  });
  return {
    port: server.port,
    data,
    seen: (line) => data.includes(line) ? Promise.resolve() : new Promise((resolve) => waiters.push({ line, resolve })),
    close: server.close,
  };
}

/** `smtplib send` with stdin a pipe this test writes to and holds open. */
function sendFromPipe(port: number): { child: ReturnType<typeof spawn>; stdin: NodeJS.WritableStream; stderr: () => string; done: Promise<[number | null, NodeJS.Signals | null]> } {
  const child = spawn(process.execPath, [MAIN, ...SEND, "--server", `127.0.0.1:${port}`], { stdio: "pipe" });
  children.add(child);
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
  child.stdout.resume();
  const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
  const done = once(child, "close").then((r) => {
    clearTimeout(timer);
    children.delete(child);
    return r as [number | null, NodeJS.Signals | null];
  });
  return { child, stdin: child.stdin, stderr: () => stderr, done };
}

/** Resolves when `seen` does; rejects, saying `what`, if the child ends first. */
function beforeEnd(seen: Promise<void>, done: Promise<unknown>, what: string): Promise<void> {
  return Promise.race([seen, done.then(() => { throw new Error(`send ended before ${what}`); })]);
}

test("send from a pipe still open: the warning comes from the header section as it arrives, and the message goes on as it comes", async () => {
  const server = await dataRecorder();
  try {
    const send = sendFromPipe(server.port);
    send.stdin.write("From: a@x.test\r\nBcc: c@x.test\r\nSubject: s\r\n\r\nfirst line\r\n");
    // the rest of the message has not come: neither the warning nor the first lines wait for it
    await whenOutput(send.child.stderr!, () => send.stderr().includes("warning"), LIMIT_MS, () => `no warning: ${send.stderr()}`);
    await beforeEnd(server.seen("first line"), send.done, "the first lines reached the server");
    assert.equal(send.stderr(), WARNING("Bcc"));
    send.stdin.end("last line\r\nBcc: d@x.test\r\n");
    const [code] = await send.done;
    assert.equal(code, 0, send.stderr());
    assert.equal(send.stderr(), WARNING("Bcc"), "once");
    assert.deepEqual(server.data, ["From: a@x.test", "Bcc: c@x.test", "Subject: s", "", "first line", "last line", "Bcc: d@x.test"]);
  } finally {
    await server.close();
  }
});

test("send from a pipe: a header section longer than the bound (64 KiB) is not waited for to its end; a Bcc past the bound gets no warning", async () => {
  const server = await dataRecorder();
  try {
    const send = sendFromPipe(server.port);
    // 70 KiB of header fields and no empty line yet, the pipe held open
    const fields = Array.from({ length: 700 }, (_, i) => `X-Field-${String(i).padStart(3, "0")}: ${"a".repeat(84)}`);
    send.stdin.write(`From: a@x.test\r\n${fields.join("\r\n")}\r\n`);
    await beforeEnd(server.seen(fields[0]!), send.done, "the header section's first lines reached the server");
    send.stdin.end("Bcc: c@x.test\r\n\r\nhello\r\n");
    const [code] = await send.done;
    assert.equal(code, 0, send.stderr());
    assert.equal(send.stderr(), "");
    assert.deepEqual(server.data, ["From: a@x.test", ...fields, "Bcc: c@x.test", "", "hello"]);
  } finally {
    await server.close();
  }
});

/**
 * The lines left on a terminal after `output`: enough of one for a progress bar's drawing
 * (CR, LF, erasing a line or its end, the cursor to column 1, saving and restoring the
 * cursor); other escape sequences are ignored, and nothing wraps.
 */
function screen(output: string): string[] {
  const lines: string[][] = [[]];
  let row = 0;
  let col = 0;
  let saved = [0, 0] as [number, number];
  // eslint-disable-next-line no-control-regex
  for (const [, esc, ch] of output.matchAll(/(\u001b(?:\[[?\d;]*[A-Za-z]|[78]))|([\s\S])/gu)) {
    lines[row] ??= [];
    const line = lines[row]!;
    if (esc === "\u001b7") saved = [row, col];
    else if (esc === "\u001b8") [row, col] = saved;
    else if (esc === "\u001b[K" || esc === "\u001b[0K") line.length = Math.min(line.length, col);
    else if (esc === "\u001b[2K") line.length = 0;
    else if (esc === "\u001b[1G") col = 0;
    else if (esc !== undefined) continue;
    else if (ch === "\r") col = 0;
    else if (ch === "\n") row += 1;
    else {
      while (line.length < col) line.push(" ");
      line[col++] = ch!;
    }
  }
  return lines.map((l) => l.join("")).filter((l) => l !== "");
}

test("send --file of a large message with a Bcc, on a terminal: the warning stays on the screen above the progress bar, which is cleared as before", async () => {
  const sink = await messageSink([]);
  try {
    const message = `From: a@x.test\r\nBcc: c@x.test\r\nSubject: s\r\n\r\n${`${"x".repeat(78)}\r\n`.repeat(8000)}`;
    const file = await tempFile("big-bcc.eml", message);
    const command = `"${process.execPath}" "${MAIN}" send --server 127.0.0.1:${sink.port} --from a@x.test --to b@x.test --file "${file}"`;
    const child = spawn("script", ["-qfec", command, "/dev/null"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SHELL: "/bin/sh" } });
    children.add(child);
    let terminal = "";
    child.stdout.on("data", (d: Buffer) => { terminal += d.toString(); });
    child.stderr.on("data", (d: Buffer) => { terminal += d.toString(); });
    const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
    const [code] = (await once(child, "close")) as [number | null];
    clearTimeout(timer);
    children.delete(child);
    assert.equal(code, 0, terminal);
    assert.match(terminal, /sending \[/, "a progress bar was shown");
    assert.deepEqual(screen(terminal), [WARNING("Bcc").trimEnd(), "delivered <b@x.test>: 250 queued", `sent to 1 of 1 recipient(s) (${message.length} bytes)`], JSON.stringify(terminal));
  } finally {
    await sink.close();
  }
});
