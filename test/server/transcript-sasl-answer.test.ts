// A SASL answer of exactly `AUTH` (a valid base64 answer) was shown in the transcript: the
// logger took it for a bare AUTH command. Now an answer in an exchange smtp-server runs is
// masked whole whatever it looks like (the logger is told so from smtp-server's state, not
// from the line), and after a refused AUTH a line `AUTH` with no mechanism is masked too.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { createTranscriptLogger, type TranscriptEntry } from "../../src/server/transcript.js";
import { RawClient, withServer } from "../helpers/debug-client.js";

/** Logs `line` as smtp-server does (before masking, as a second fence must assume), `exchange`: an answer in its AUTH exchange. */
function logLine(logger: ReturnType<typeof createTranscriptLogger>, line: string, exchange: boolean): void {
  logger.commandBytes("s1", Buffer.from(line), exchange);
  logger.debug({ tnx: "command", cid: "s1", command: exchange ? "AUTH" : line.split(" ").shift()!.toUpperCase() }, "C:", line);
}

test("answers in an AUTH exchange are masked whole, whatever they look like (AUTH, AUTH=, a verb), even unmasked by smtp-server", () => {
  const entries: TranscriptEntry[] = [];
  const logger = createTranscriptLogger((e) => entries.push(e));
  logLine(logger, "AUTH LOGIN", false);
  for (const answer of ["AUTH", "AUTH=", "AUTHENTICATE", "auth", "QUIT", "AUTH PLAIN"]) logLine(logger, answer, true);
  logLine(logger, "NOOP", false);
  assert.deepEqual(entries.map((e) => e.line), ["AUTH LOGIN", "***", "***", "***", "***", "***", "***", "NOOP"]);
});

test("property: no answer in an exchange reaches the transcript, whatever its characters", () => {
  const answer = fc.oneof(fc.constantFrom("AUTH", "AUTH=", "auth", "QUIT", "NOOP", "AUTH PLAIN x"), fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() !== "" && !/[\r\n]/.test(s)));
  fc.assert(fc.property(fc.array(answer, { minLength: 1, maxLength: 3 }), (answers) => {
    const entries: TranscriptEntry[] = [];
    const logger = createTranscriptLogger((e) => entries.push(e));
    logLine(logger, "AUTH PLAIN", false);
    for (const a of answers) logLine(logger, a, true);
    assert.deepEqual(entries.slice(1).map((e) => e.line), answers.map(() => "***"));
  }), { numRuns: 1000 });
});

test("after a refused AUTH, a line AUTH (or AUTH=) naming no mechanism is masked: it may be an answer sent unasked", () => {
  const entries: TranscriptEntry[] = [];
  const logger = createTranscriptLogger((e) => entries.push(e));
  for (const line of ["AUTH", "AUTH XYZ", "AUTH", "AUTH=", "AUTH PLAIN", "NOOP", "AUTH"]) logLine(logger, line, false);
  // the first AUTH (no AUTH before it) is a command; after NOOP, AUTH is a command again
  assert.deepEqual(entries.map((e) => e.line), ["AUTH", "AUTH XYZ", "***", "***", "AUTH PLAIN", "NOOP", "AUTH"]);
});

test("on the wire: AUTH with an unknown mechanism refused, then `AUTH` sent as its answer: masked in the transcript", async () => {
  await withServer({ auth: { users: { u: "p" }, allowInsecure: true } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    assert.match(await c.cmd("AUTH XYZ"), /^504 /);
    assert.match(await c.cmd("AUTH"), /^5\d\d /);
    assert.match(await c.cmd("NOOP"), /^250 /);
    const lines = server.transcript.filter((e) => e.direction === "C").map((e) => e.line);
    assert.deepEqual(lines, ["EHLO client.example", "AUTH XYZ", "***", "NOOP"]);
    c.close();
  });
});
