/**
 * An empty message, whatever form it is given in (an empty string, zero bytes, a stream that
 * yields nothing, or only an empty string or empty bytes), is the same message over DATA and
 * over BDAT: DATA sends what Python's `data(b"")` sends, CRLF "." CRLF (RFC 5321 §4.1.1.4's
 * end of data with nothing before it), BDAT sends `BDAT 0 LAST` (RFC 3030 §2 allows a chunk
 * of zero octets), and both declare `SIZE=0` and report 0 bytes to `onProgress`.
 *
 * Before, an empty string (and a stream whose only chunk was "") went over BDAT as one empty
 * line, `BDAT 2 LAST` and CRLF, declared `SIZE=2` and reported 2 bytes, while zero bytes went
 * as `BDAT 0 LAST` with `SIZE=0`: the same empty message depended on the server's CHUNKING
 * and on the type it was given as.
 */

import assert from "node:assert/strict";
import diagnostics from "node:diagnostics_channel";
import { test } from "node:test";
import { LMTP, SMTP } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { messageSink } from "../helpers/message-sink.js";

/** Each form of the empty message: `inMemory` ones get SIZE= (a stream's size is the caller's to give). */
const BODIES: readonly (readonly [string, boolean, () => string | Uint8Array | AsyncIterable<string | Uint8Array>])[] = [
  ["an empty string", true, () => ""],
  ["zero bytes", true, () => new Uint8Array(0)],
  ["a stream that yields nothing", false, () => (async function* () {})()],
  ["a stream whose only chunk is an empty string", false, () => (async function* () { yield ""; })()],
  ["a stream whose only chunk is empty bytes", false, () => (async function* () { yield new Uint8Array(0); })()],
];

const TRANSPORTS: readonly (readonly [string, string[]])[] = [
  ["DATA, lock-step", ["SIZE 1000"]],
  ["DATA, pipelined", ["SIZE 1000", "PIPELINING"]],
  ["BDAT, lock-step", ["SIZE 1000", "CHUNKING"]],
  ["BDAT, pipelined", ["SIZE 1000", "CHUNKING", "PIPELINING"]],
];

/** What one send of the empty message did. */
interface Sent {
  /** The MAIL line as written. */
  mail: string;
  /** What followed the last RCPT: DATA and the data, or the BDAT command. */
  data: string;
  /** Every `onProgress` report. */
  progress: number[];
  /** What the server received as the message's data, and BDAT's chunk sizes. */
  received: string[];
  chunks: number[];
}

/** Sends `body` to a sink offering `extensions`; the client's bytes as written, in order. */
async function send(extensions: string[], body: () => string | Uint8Array | AsyncIterable<string | Uint8Array>, cls: typeof SMTP = SMTP): Promise<Sent> {
  const sink = await messageSink(extensions, { lmtp: cls === LMTP });
  const client = await cls.connect("127.0.0.1", sink.port, { localHostname: LOCAL, timeout: 5000 });
  let wire = "";
  const onSend = (message: unknown): void => {
    wire += Buffer.from((message as { data: Uint8Array }).data).toString("latin1");
  };
  diagnostics.subscribe("smtplib.send", onSend);
  try {
    const progress: number[] = [];
    await client.sendmail("a@x.test", "b@y.test", body(), [], [], { onProgress: (n) => { progress.push(n); } });
    const mail = /MAIL FROM:[^\r]*/.exec(wire)![0];
    const data = wire.slice(wire.indexOf("RCPT TO:<b@y.test>\r\n") + "RCPT TO:<b@y.test>\r\n".length);
    return { mail, data, progress, received: sink.messages.map((m) => m.raw.toString("latin1")), chunks: sink.messages.flatMap((m) => m.chunks) };
  } finally {
    diagnostics.unsubscribe("smtplib.send", onSend);
    client.close();
    await sink.close();
  }
}

for (const [name, inMemory, body] of BODIES) {
  test(`${name}: CRLF . CRLF over DATA (as Python), BDAT 0 LAST over BDAT; SIZE=0 and onProgress 0 either way`, async () => {
    for (const [transport, extensions] of TRANSPORTS) {
      const sent = await send(extensions, body);
      const label = `${name}, ${transport}`;
      assert.equal(sent.mail, inMemory ? "MAIL FROM:<a@x.test> SIZE=0" : "MAIL FROM:<a@x.test>", label);
      if (transport.startsWith("DATA")) {
        assert.equal(sent.data, "DATA\r\n\r\n.\r\n", label);
      } else {
        assert.equal(sent.data, "BDAT 0 LAST\r\n", label);
        assert.deepEqual([sent.received, sent.chunks], [[""], [0]], label);
      }
      assert.deepEqual(sent.progress, [0], label);
    }
  });
}

test("LMTP over BDAT: an empty string is BDAT 0 LAST too, as zero bytes", async () => {
  for (const body of [(): string => "", (): Uint8Array => new Uint8Array(0)]) {
    const sent = await send(["CHUNKING", "PIPELINING"], body, LMTP);
    assert.equal(sent.data, "BDAT 0 LAST\r\n");
    assert.deepEqual(sent.progress, [0]);
  }
});
