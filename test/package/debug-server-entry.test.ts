/**
 * `smtplib/debug-server` as a test writer loads it: by name, through package.json "exports"
 * (the built `dist/`), with the library's own client (also by name) sending to it.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type * as DebugServerEntry from "../../src/debug-server.js";
import type * as Library from "../../src/index.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/**
 * The entries' names, held in variables: the type check (`npm test` runs it before the build)
 * then does not resolve them to `dist/`, which a fresh clone does not have yet.
 */
const ENTRY: string = "smtplib/debug-server";
const LIBRARY: string = "smtplib";
const { startDebugServer } = (await import(ENTRY)) as typeof DebugServerEntry;
const { SMTP } = (await import(LIBRARY)) as typeof Library;

test("import('smtplib/debug-server') gives startDebugServer and nothing else", async () => {
  assert.deepEqual(Object.keys(await import(ENTRY)), ["startDebugServer"]);
});

test("a message sent with the library arrives as sent: envelope, parameters and the data's bytes, dot-stuffing undone", async () => {
  await using server = await startDebugServer();
  assert.equal(server.host, "127.0.0.1");
  const data = "Subject: caf\u00e9\r\n\r\n.a line that starts with a dot\r\n..two\r\nend\r\n";
  {
    await using smtp = await SMTP.connect(server.host, server.port);
    await smtp.sendmail("app@example.org", ["bob@example.org", "carol@example.org"], data, ["BODY=8BITMIME"]);
  }
  const [message] = await server.waitForMessages(1);
  assert.deepEqual(message!.envelope, {
    mailFrom: "app@example.org", rcptTo: ["bob@example.org", "carol@example.org"],
    mailParams: { BODY: "8BITMIME" }, mailParamsSent: "BODY=8BITMIME", rcptParamsSent: ["", ""],
  });
  assert.deepEqual(message!.data, Buffer.from(data, "utf8"));
  assert.equal(message!.size, Buffer.byteLength(data));
  assert.equal(message!.secure, false);
  assert.deepEqual(server.messages, [message]);
});

test("waitForMessages: resolves as messages arrive in the background, with the first N", async () => {
  await using server = await startDebugServer();
  const waiting = server.waitForMessages(2);
  const send = async (to: string): Promise<void> => {
    await using smtp = await SMTP.connect(server.host, server.port);
    await smtp.sendmail("app@example.org", [to], `To: ${to}\r\n\r\nx\r\n`);
  };
  await send("one@example.org");
  await send("two@example.org");
  await send("three@example.org");
  const got = await waiting;
  assert.deepEqual(got.map((m) => m.envelope.rcptTo[0]), ["one@example.org", "two@example.org"]);
});

test("waitForMessages: a message that never comes is a TimeoutError that says so, not a hang", async () => {
  await using server = await startDebugServer();
  await assert.rejects(server.waitForMessages(1, { timeout: 20 }), (err: Error) => {
    assert.equal(err.name, "TimeoutError");
    assert.equal(err.message, `No message within 20 ms (0 received) on the debugging server at 127.0.0.1:${server.port} (timeouts are in milliseconds here, not seconds as in Python's smtplib: for 20 s, give 20000)`);
    return true;
  });
});

test("waitForMessages: an abort rejects with the signal's reason; closing the server rejects what is still waiting", async () => {
  const server = await startDebugServer();
  const controller = new AbortController();
  const aborted = server.waitForMessages(1, { signal: controller.signal });
  const reason = new Error("test over");
  controller.abort(reason);
  await assert.rejects(aborted, (err) => err === reason);
  const waiting = server.waitForMessages(3);
  await server.close();
  await assert.rejects(waiting, { message: `The debugging server at 127.0.0.1:${server.port} was closed before 3 messages arrived (0 received)` });
  await assert.rejects(server.waitForMessages(), /was closed before/);
  await assert.rejects(server.waitForMessages(0), RangeError);
  await assert.rejects(server.waitForMessages(1, { timeout: -1 }), RangeError);
});

test("clear() empties messages and transcript for a server shared by several tests; a wait counts from it", async () => {
  await using server = await startDebugServer();
  const send = async (to: string): Promise<void> => {
    await using smtp = await SMTP.connect(server.host, server.port);
    await smtp.sendmail("app@example.org", [to], "\r\nx\r\n");
  };
  await send("first@example.org");
  server.clear();
  assert.deepEqual([server.messages.length, server.transcript.length], [0, 0]);
  const waiting = server.waitForMessages(1);
  await send("second@example.org");
  assert.deepEqual((await waiting).map((m) => m.envelope.rcptTo), [["second@example.org"]]);
});

test("close() releases the port: another server can listen on it at once", async () => {
  const server = await startDebugServer();
  await server.close();
  const again = createServer();
  await new Promise<void>((resolve, reject) => {
    again.once("error", reject);
    again.listen(server.port, server.host, resolve);
  });
  await new Promise<void>((resolve) => again.close(() => resolve()));
});

test("a process that starts the server, sends to it, waits for the message and closes it exits by itself, with no handle left", async () => {
  // run from the repository, whose package.json resolves "smtplib/..." (a self-reference)
  const code = `
    import { SMTP } from "smtplib";
    import { startDebugServer } from "smtplib/debug-server";
    const server = await startDebugServer();
    const waiting = server.waitForMessages(1);
    const smtp = await SMTP.connect(server.host, server.port);
    await smtp.sendmail("a@example.org", ["b@example.org"], "Subject: x\\r\\n\\r\\nhello\\r\\n");
    await smtp.quit();
    const [message] = await waiting;
    await server.close();
    await new Promise((resolve) => setImmediate(resolve));
    console.log(JSON.stringify({ data: message.data.toString(), handles: process.getActiveResourcesInfo() }));
  `;
  const guardMs = 30_000;
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ["--input-type=module", "-e", code], { cwd: ROOT, timeout: guardMs, killSignal: "SIGKILL" }, (err, out, stderr) => {
      if (err) reject(new Error(`${err.killed ? `still running after ${guardMs} ms: something keeps the process alive` : err.message}\n${stderr}`));
      else resolve(out);
    });
  });
  const { data, handles } = JSON.parse(stdout) as { data: string; handles: string[] };
  assert.equal(data, "Subject: x\r\n\r\nhello\r\n");
  assert.deepEqual(handles.filter((h) => h !== "TTYWrap" && h !== "PipeWrap"), [], "timers, sockets or servers left");
});
