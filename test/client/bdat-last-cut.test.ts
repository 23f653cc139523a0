/**
 * A connection lost while a large BDAT LAST's bytes are being written (they go after its
 * command line, in pieces), with no reply: one rule for DATA and BDAT, the end of data
 * counts as sent once its last byte has been handed to the socket.
 *
 * - Cut before that (the server hangs up with the message unread): the server cannot have
 *   taken a message whose LAST chunk it never wholly got (RFC 3030 §2), as DATA's message
 *   before its "." (RFC 5321 §4.1.1.4): "not-delivered", "the message was not sent".
 * - Cut after it (a reset while the socket still holds the last piece, or DATA's "."): the
 *   client cannot tell how much reached the server, as when the reply to a "." never
 *   comes: "unknown", "the message may have been delivered".
 *
 * Over BDAT both used to be the bare write failure, with no `delivery` at all; over DATA
 * they were already so (the reference cases here).
 */

import assert from "node:assert/strict";
import diagnostics from "node:diagnostics_channel";
import net from "node:net";
import { test } from "node:test";
import { LMTP, SMTP, SMTPServerDisconnected, SMTPTimeoutError } from "../../src/index.js";
import { EHLO_PIPELINING, greeting, LOCAL, LOCK_STEP_TO_DATA, PIPELINED_GROUP } from "../helpers/client.js";
import { assertDelivery } from "../helpers/delivery.js";
import { MESSAGE, SIZE, withPausedScript } from "../helpers/paused-script.js";
import { startScriptServer } from "../helpers/script-server.js";

/** A stream of `message` in one chunk: it all goes with BDAT LAST, written in pieces. */
async function* onePiece(message: Buffer): AsyncGenerator<Buffer> {
  yield message;
}

type Body = () => Buffer | AsyncGenerator<Buffer>;

/** An SMTP or LMTP flow up to the line after which the message's bytes go (DATA's 354, or BDAT n LAST). */
interface Flow {
  name: string;
  cls: typeof SMTP;
  /** The script up to there, for a message of `size` bytes. */
  opening: (size: number) => string;
  /** The command the error names when the message was not sent. */
  command: "DATA" | "BDAT";
  /** The recipients: LMTP's two, each of which gets a reply after the data. */
  to: string[];
}

const SMTP_TO = ["b@y.test"];
const LMTP_TO = ["r1@y.test", "r2@y.test"];
const LMTP_ENVELOPE = "C: MAIL FROM:<a@x.test>\nC: RCPT TO:<r1@y.test>\nC: RCPT TO:<r2@y.test>\n";

const FLOWS: readonly Flow[] = [
  { name: "DATA, pipelined", cls: SMTP, command: "DATA", to: SMTP_TO, opening: () => `${EHLO_PIPELINING}${PIPELINED_GROUP}S: 250 ok\nS: 250 ok\nS: 354 go\n` },
  { name: "DATA, lock-step", cls: SMTP, command: "DATA", to: SMTP_TO, opening: () => `${greeting(["8BITMIME"])}${LOCK_STEP_TO_DATA}` },
  {
    name: "BDAT written whole (PIPELINING)", cls: SMTP, command: "BDAT", to: SMTP_TO,
    opening: (size) => `${greeting(["PIPELINING", "CHUNKING"])}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: BDAT ${size} LAST\nS: 250 ok\nS: 250 ok\n`,
  },
  {
    name: "BDAT, lock-step", cls: SMTP, command: "BDAT", to: SMTP_TO,
    opening: (size) => `${greeting(["CHUNKING"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: BDAT ${size} LAST\n`,
  },
  {
    name: "LMTP, BDAT written whole (PIPELINING)", cls: LMTP, command: "BDAT", to: LMTP_TO,
    opening: (size) => `${greeting(["PIPELINING", "CHUNKING"], "LHLO")}${LMTP_ENVELOPE}C: BDAT ${size} LAST\nS: 250 ok\nS: 250 ok\nS: 250 ok\n`,
  },
  {
    name: "LMTP, BDAT, lock-step", cls: LMTP, command: "BDAT", to: LMTP_TO,
    opening: (size) => `${greeting(["CHUNKING"], "LHLO")}${LMTP_ENVELOPE.replace(/\n/g, "\nS: 250 ok\n")}C: BDAT ${size} LAST\n`,
  },
];

/** Each flow with an in-memory message, and the BDAT lock-step flows with a stream too. */
function cases(message: Buffer): [Flow, string, Body][] {
  const all: [Flow, string, Body][] = [];
  for (const flow of FLOWS) {
    all.push([flow, "in memory", () => message]);
    if (flow.command === "BDAT" && flow.name.includes("lock-step")) all.push([flow, "a stream", () => onePiece(message)]);
  }
  return all;
}

test("the server hangs up while a large message is still being written (DATA's before its '.', BDAT LAST's before its last byte), no reply -> SMTPServerDisconnected, delivery not-delivered: the message was not sent", async (t) => {
  for (const [flow, kind, body] of cases(MESSAGE)) {
    for (const method of ["sendmail", "deliver"] as const) {
      const label = `${flow.name}, ${kind}, ${method}`;
      const script = `${flow.opening(SIZE)}-- pause\n-- wait 100\n-- destroy\n`;
      await t.test(label, () => withPausedScript(script, async (client) => {
        await assert.rejects(client[method]("a@x.test", flow.to, body()), (err: unknown) => {
          assert.ok(err instanceof SMTPServerDisconnected && !(err instanceof SMTPTimeoutError), `${label}: expected SMTPServerDisconnected, got ${String(err)}`);
          assertDelivery(err, "not-delivered");
          assert.match(err.message, /before the end of data was sent: the message was not sent$/, label);
          assert.equal(err.command, flow.command, label);
          assert.ok(err.cause instanceof SMTPServerDisconnected, `${label}: the lost connection is the cause`);
          return true;
        });
        assert.equal(client.connected, false);
      }, flow.cls));
    }
  }
});

/**
 * Larger than LARGE_BODY (64 KiB, bdat-flow.ts), so that BDAT LAST's bytes go after its
 * command, in two pieces (BODY_PIECE: 128 KiB), the last of {@link LAST_PIECE} bytes.
 */
const LARGE = Buffer.alloc(200 * 1024, "y");
const LAST_PIECE = LARGE.length - 128 * 1024;
/** DATA's end of data after a message that ends without a line end: written alone. */
const DOT = "\r\n.\r\n";

/**
 * A TCP socket that, once `holding`, keeps every write in its own buffer (as one whose
 * system buffer is full, the server reading slowly): the write is handed over, and the
 * writer waits for a drain that does not come.
 */
class HoldingSocket extends net.Socket {
  holding = false;

  override _write(chunk: Buffer, encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    if (!this.holding) super._write(chunk, encoding, done);
  }

  override _writev(chunks: { chunk: Buffer; encoding: BufferEncoding }[], done: (err?: Error | null) => void): void {
    if (!this.holding) super._writev!(chunks, done);
  }
}

test("the connection reset once the end of data is handed to the socket (BDAT LAST's last piece, DATA's '.'), still in its buffer, no reply -> SMTPServerDisconnected, delivery unknown: the message may have been delivered", async (t) => {
  for (const [flow, kind, body] of cases(LARGE)) {
    const label = `${flow.name}, ${kind}`;
    await t.test(label, async () => {
      const server = await startScriptServer(`${flow.opening(LARGE.length)}-- wait 5000\n`);
      let socket: HoldingSocket | undefined;
      const socketFactory = ({ host, port }: { host: string; port: number }): net.Socket => {
        socket = new HoldingSocket();
        return socket.connect(port, host);
      };
      // The end of data's write: DATA's ".", BDAT LAST's last piece.
      const isEnd = (data: Uint8Array): boolean => (flow.command === "DATA" ? Buffer.from(data).toString("latin1") === DOT : data.length === LAST_PIECE);
      const onSend = (message: unknown): void => {
        if (socket !== undefined && isEnd((message as { data: Uint8Array }).data)) socket.holding = true;
      };
      const client = await flow.cls.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000, socketFactory });
      diagnostics.subscribe("smtplib.send", onSend);
      try {
        // Told once the end of data is handed over: the connection is then reset.
        const onProgress = (sent: number): void => {
          if (sent === LARGE.length) socket!.destroy(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }));
        };
        await assert.rejects(client.deliver("a@x.test", flow.to, body(), [], [], { onProgress }), (err: unknown) => {
          assert.ok(err instanceof SMTPServerDisconnected && !(err instanceof SMTPTimeoutError), `${label}: expected SMTPServerDisconnected, got ${String(err)}`);
          assertDelivery(err, "unknown");
          assert.match(err.message, /after the end of data was sent: the message may have been delivered$/, label);
          return true;
        });
        assert.equal(socket!.holding, true, `${label}: the end of data was held`);
        assert.equal(client.connected, false);
      } finally {
        diagnostics.unsubscribe("smtplib.send", onSend);
        client.close();
        await server.close();
      }
    });
  }
});
