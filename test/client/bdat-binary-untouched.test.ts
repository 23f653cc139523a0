/**
 * BODY=BINARYMIME over BDAT (RFC 3030 §3): the bytes go untouched, whatever they are (NUL,
 * lone CR and LF, an end of data, 8-bit), in memory or as a stream of byte chunks cut
 * anywhere, lock-step and pipelined, SMTP and LMTP: the server reads exactly the bytes
 * given, in chunks whose lengths add up to them (property).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { LMTP, SMTP } from "../../src/index.js";
import { sinksFor, type BodySetup } from "../helpers/body-setups.js";
import { cutAtFractions } from "../helpers/cuts.js";

const bytesArb = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.constantFrom(0x00, 0x0d, 0x0a, 0x2e, 0x61, 0xff, 0x80), { maxLength: 40 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.integer({ min: 60 * 1024, max: 700 * 1024 }).map((n) => Buffer.alloc(n, 0x0d)) },
);

const caseArb = fc.record({
  parts: fc.array(bytesArb, { maxLength: 4 }),
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
  stream: fc.boolean(),
});

const cut = cutAtFractions;

async function* chunks(parts: readonly Buffer[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield new Uint8Array(part);
}

const SETUPS: BodySetup[] = [
  { name: "SMTP lock-step", extensions: ["CHUNKING", "BINARYMIME"], lmtp: false },
  { name: "SMTP pipelined", extensions: ["PIPELINING", "CHUNKING", "BINARYMIME"], lmtp: false },
  { name: "LMTP lock-step", extensions: ["CHUNKING", "BINARYMIME"], lmtp: true },
  { name: "LMTP pipelined", extensions: ["PIPELINING", "CHUNKING", "BINARYMIME"], lmtp: true },
];
const sinks = sinksFor(SETUPS);

for (const setup of SETUPS) {
  test(`${setup.name}: BODY=BINARYMIME bytes reach the server exactly as given, in memory or streamed (property)`, { timeout: 120_000 }, async () => {
    const sink = sinks.get(setup)!;
    const client = setup.lmtp ? new LMTP() : new SMTP();
    await client.connect("127.0.0.1", sink.port);
    try {
      await fc.assert(fc.asyncProperty(caseArb, async ({ parts, cuts, stream }) => {
        const body = Buffer.concat(parts);
        const before = sink.messages.length;
        await client.sendmail("a@x.test", ["b@y.test", "c@y.test"], stream ? chunks(cut(body, cuts)) : new Uint8Array(body), ["BODY=BINARYMIME"]);
        const got = sink.messages[before]!;
        assert.match(got.mail, / BODY=BINARYMIME/);
        assert.equal(got.kind, "bdat");
        assert.ok(got.raw.equals(body), `${got.raw.length} bytes read, ${body.length} given`);
        assert.equal(got.chunks.reduce((a, b) => a + b, 0), body.length);
      }), { numRuns: 60 });
    } finally {
      client.close();
    }
  });
}
