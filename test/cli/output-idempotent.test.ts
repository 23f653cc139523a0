// What the CLI's output helpers promise for calls that come late or twice: the byte counter
// and the waiting line stop once (a second stop() writes nothing) and ignore bytes or a new
// wait after that; serve's cut of binary data (a run of bytes that are not UTF-8) falls at
// --print-max exactly.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { Writable } from "node:stream";
import { setTimeout } from "node:timers/promises";
import { startCounter, startWaitNote } from "../../src/cli/progress.js";
import { cutAt } from "../../src/cli/show-data.js";

/** A terminal that records what is written to it. */
function fakeTerminal(): { stream: NodeJS.WriteStream; text: () => string } {
  let written = "";
  const stream = Object.assign(new Writable({ write(chunk: Buffer, _enc, done) { written += chunk.toString(); done(); } }), { isTTY: true, columns: 120 });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => written };
}

test("byte counter: bytes added after stop() start no counter (none had shown yet), and a second stop() writes nothing", () => {
  const term = fakeTerminal();
  const counter = startCounter(1000, term.stream);
  counter.add(100);
  counter.stop();
  counter.stop();
  counter.add(5000);
  assert.equal(term.text(), "");
});

test("waiting line: after stop(), a second stop() and a new wait write nothing, even once a new wait's time has come", async () => {
  const term = fakeTerminal();
  const note = startWaitNote("the greeting", term.stream, { stallMs: 0, tickMs: 60_000 });
  await setTimeout(10);
  assert.match(term.text(), /waiting for the greeting: 0s/);
  note.stop();
  const after = term.text();
  note.stop();
  note.waitingFor("the reply to the message");
  await setTimeout(10);
  assert.equal(term.text(), after);
});

test("serve's cut: inside a run of continuation bytes that are not UTF-8, the cut stays at --print-max", () => {
  const binary = Buffer.from([0x61, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]);
  assert.equal(cutAt(binary, 5), 5);
  // a real UTF-8 character is not split: the cut moves back before it
  assert.equal(cutAt(Buffer.from("ab\u{1F600}cd"), 4), 2);
});
