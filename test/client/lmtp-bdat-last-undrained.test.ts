/**
 * LMTP over pipelined BDAT, a message in memory large enough to go in pieces after
 * `BDAT n LAST` (over 64 KiB): its last piece has been handed to the socket but has not
 * drained yet (the socket still holds it) when the server answers LAST for the first
 * recipient with 250 and then with a stray 354, a reply the end of data never takes, on
 * which the client closes the connection (see `closedOnReply`). The server has the whole
 * message (RFC 3030 §2: it ends with LAST's last octet, handed over), so the outcome is
 * the one those replies make when they come once the socket has drained (`finish`): the
 * first recipient delivered, the second unknown (code -1). It used to be one
 * SMTPDataError for both, the failed write's, and the first recipient, who has the
 * message, looked refused: a retry would have delivered it twice.
 *
 * So too for a stream whose last chunk goes with LAST in pieces (the LMTP one after its
 * envelope replies), and for SMTP, where a 250 to LAST before the server hung up was
 * reported as "may have been delivered".
 *
 * The socket is held undrained deterministically: the client's socket (from
 * `socketFactory`) passes the last piece on at once but holds back the write's
 * completion, so the socket still needs to drain when the replies come.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { Readable } from "node:stream";
import { test } from "node:test";
import { LMTP, SMTP } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { holdingLastWrite, lastEndServer, MESSAGE } from "../helpers/undrained-last.js";

/**
 * A server (see `lastEndServer`) that answers BDAT LAST, once its bytes are in, with `end`
 * (CRLF-separated replies, in one write), then, with `hangUp`, closes the connection.
 */
function server(lmtp: boolean, end: string, hangUp = false): ReturnType<typeof lastEndServer> {
  return lastEndServer(lmtp, (sock) => {
    if (!sock.destroyed) sock.write(`${end}\r\n`);
    if (hangUp) sock.end();
  });
}

/** How the client's socket is made: holding the last write undrained, or as usual (the same outcome, once drained). */
const SOCKETS = [
  { name: "LAST's last piece handed over but undrained", socket: holdingLastWrite },
  { name: "once LAST's bytes drained", socket: (port: number) => net.connect(port, "127.0.0.1") },
];

/** The message in memory (written whole with the envelope), or as a stream of one chunk (its LAST, after the envelope replies). */
const BODIES = [
  { kind: "in memory", body: (): Buffer | Readable => MESSAGE },
  { kind: "streamed", body: (): Buffer | Readable => Readable.from([MESSAGE]) },
];

for (const { name, socket } of SOCKETS) for (const { kind, body } of BODIES) {
  test(`LMTP, pipelined BDAT, large message ${kind}, ${name}: 250 for r1 then a stray 354: r1 delivered, r2 unknown (not one error for both)`, async () => {
    const srv = await server(true, "250 2.0.0 r1 delivered\r\n354 go ahead");
    let client: LMTP | undefined;
    try {
      client = await LMTP.connect("127.0.0.1", srv.port, { localHostname: LOCAL, timeout: 5000, socketFactory: () => socket(srv.port) });
      const { delivered, refused } = await client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], body());
      assert.deepEqual([...delivered.keys()], ["r1@y.test"]);
      assert.equal(delivered.get("r1@y.test")?.message, "2.0.0 r1 delivered");
      assert.deepEqual([...refused.keys()], ["r2@y.test"]);
      assert.equal(refused.get("r2@y.test")?.code, -1);
      assert.match(refused.get("r2@y.test")!.message, /whether it got the message is unknown/);
    } finally {
      client?.close();
      await srv.close();
    }
  });

  test(`SMTP, pipelined BDAT, large message ${kind}, ${name}: 250 to LAST, then the server hangs up: delivered, not "may have been delivered"`, async () => {
    const srv = await server(false, "250 2.0.0 queued", true);
    let client: SMTP | undefined;
    try {
      client = await SMTP.connect("127.0.0.1", srv.port, { localHostname: LOCAL, timeout: 5000, socketFactory: () => socket(srv.port) });
      const { delivered, refused } = await client.deliver("a@x.test", ["r1@y.test"], body());
      assert.equal(delivered.get("r1@y.test")?.message, "2.0.0 queued");
      assert.equal(refused.size, 0);
    } finally {
      client?.close();
      await srv.close();
    }
  });
}
