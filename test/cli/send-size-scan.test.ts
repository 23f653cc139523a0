// `smtplib send --file BIG` counts the file's line ends while connecting (its size as sent,
// for SIZE= and the progress total): for gigabytes that pass takes seconds, which on a
// terminal must not look like a hang. The pass reports each piece it reads to a display that
// shows nothing for its first 3 s, then "reading FILE for its size as sent: 45% of 1.5 GiB".
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { Writable } from "node:stream";
import type { SendCommand } from "../../src/cli/args.js";
import { openMessage } from "../../src/cli/message-input.js";
import { formatBytes, startScanNote, type Progress } from "../../src/cli/progress.js";
import { tempFile } from "../helpers/cli-process.js";

/** A terminal that records what is written to it. */
function fakeTerminal(): { stream: NodeJS.WriteStream; text: () => string } {
  let written = "";
  const stream = Object.assign(new Writable({ write(chunk: Buffer, _enc, done) { written += chunk.toString(); done(); } }), { isTTY: true, columns: 120 });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => written };
}

/** The fields of a `send` command that openMessage reads. */
function command(file: string, mailOptions: string[] = []): SendCommand {
  return { file, mailOptions, from: "a@x.test", to: ["b@x.test"] } as unknown as SendCommand;
}

test("send --file: the pass counting a file's size as sent is shown, told every byte read, and stopped before sending", async () => {
  // 3.5 MiB with LF line ends: four pieces of the scan, 1 MiB each
  const text = "line of text\n".repeat(Math.ceil((3.5 * 1024 * 1024) / 13));
  const file = await tempFile("big.eml", text);
  const shown: { what: string; length: number; added: number[]; stopped: boolean }[] = [];
  const display = (what: string, length: number): Progress => {
    const s = { what, length, added: [] as number[], stopped: false };
    shown.push(s);
    return { add: (bytes) => { assert.ok(!s.stopped); s.added.push(bytes); }, stop: () => { s.stopped = true; } };
  };
  const message = await openMessage(command(file), undefined, display);
  if (!(message.body instanceof Uint8Array)) message.body.destroy();
  assert.equal(message.size, Buffer.byteLength(text.replaceAll("\n", "\r\n")));
  assert.equal(shown.length, 1);
  assert.equal(shown[0]!.what, `reading ${file} for its size as sent`);
  assert.equal(shown[0]!.length, text.length);
  assert.equal(shown[0]!.added.length, 4);
  assert.equal(shown[0]!.added.reduce((a, b) => a + b, 0), text.length);
  assert.ok(shown[0]!.stopped, "stopped once the pass ended");
  // BODY=BINARYMIME: sent as it is, its size is the file's, and no pass is made
  const binary = await openMessage(command(file, ["BODY=BINARYMIME"]), undefined, display);
  if (!(binary.body instanceof Uint8Array)) binary.body.destroy();
  assert.equal(binary.size, text.length);
  assert.equal(shown.length, 1);
});

test("send --file, the size pass deferred (while connecting): its size comes as `sizing`, and aborting stops the pass and erases its line", async () => {
  // 3.5 MiB with LF line ends: four pieces of the scan
  const text = "line of text\n".repeat(Math.ceil((3.5 * 1024 * 1024) / 13));
  const file = await tempFile("big.eml", text);
  const shown: { added: number; stopped: boolean }[] = [];
  const display = (): Progress => {
    const s = { added: 0, stopped: false };
    shown.push(s);
    return { add: (bytes) => { s.added += bytes; }, stop: () => { s.stopped = true; } };
  };
  const whole = await openMessage(command(file), undefined, display, new AbortController().signal);
  if (!(whole.body instanceof Uint8Array)) whole.body.destroy();
  assert.equal(whole.size, undefined);
  assert.equal(await whole.sizing, Buffer.byteLength(text.replaceAll("\n", "\r\n")));
  const stop = new AbortController();
  const stopped = await openMessage(command(file), undefined, display, stop.signal);
  if (!(stopped.body instanceof Uint8Array)) stopped.body.destroy();
  stop.abort();
  await assert.rejects(stopped.sizing!, { name: "AbortError" });
  assert.equal(shown.length, 2);
  assert.ok(shown[1]!.stopped);
  assert.ok(shown[1]!.added < text.length, "the pass ended before the file's end");
});

test("the size pass's line: nothing for its first 3 s, then its share read, at most once a second, erased at its end", () => {
  const term = fakeTerminal();
  let clock = 0;
  const GiB = 1024 ** 3;
  const note = startScanNote("reading big.eml for its size as sent", 2 * GiB, term.stream, { stallMs: 3_000, tickMs: 1_000, now: () => clock });
  clock = 2_999;
  note.add(GiB / 4);
  assert.equal(term.text(), "", "a quick pass shows nothing");
  clock = 3_000;
  note.add(GiB / 4);
  assert.equal(term.text(), `\r\x1b[Kreading big.eml for its size as sent: 25% of ${formatBytes(2 * GiB)}`);
  clock = 3_500;
  note.add(GiB / 4);
  assert.equal(term.text().split("\r\x1b[K").length, 2, "not redrawn within a second");
  clock = 4_000;
  note.add(GiB / 4);
  assert.ok(term.text().endsWith("\r\x1b[Kreading big.eml for its size as sent: 50% of 2.0 GiB"), JSON.stringify(term.text()));
  note.stop();
  assert.ok(term.text().endsWith("50% of 2.0 GiB\r\x1b[K"), "erased");
  note.stop();
  note.add(GiB);
  assert.ok(term.text().endsWith("50% of 2.0 GiB\r\x1b[K"), "nothing after stop()");
});

test("the size pass's line: a pass that ends within 3 s leaves nothing on the terminal", () => {
  const term = fakeTerminal();
  const note = startScanNote("reading stdin for its size as sent", 100, term.stream, { stallMs: 3_000, tickMs: 1_000, now: () => 0 });
  note.add(100);
  note.stop();
  assert.equal(term.text(), "");
});
