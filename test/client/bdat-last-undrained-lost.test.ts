/**
 * Pipelined BDAT, a message large enough that BDAT LAST's bytes go in pieces after its
 * command (in memory over 64 KiB; a stream's last chunk with LAST): its last piece has been
 * handed to the socket, which has not drained it yet, when no reply to LAST ever comes.
 * Those replies are read as when the socket had drained (see `endedAnyway` in bdat-flow.ts),
 * so the call must still say that the message may have been delivered (`delivery`
 * "unknown"; for LMTP every accepted recipient's outcome unknown, code -1): never "not
 * delivered" (a retry would deliver it twice), never a success, and never a wait for a reply
 * on a closed connection.
 *
 * - the server reads the whole message and hangs up without a reply;
 * - the server reads it and says nothing: the wait for the last piece to drain stalls past
 *   the `dataBlock` timeout, which closes the connection.
 *
 * The socket is held undrained deterministically (as in lmtp-bdat-last-undrained.test.ts):
 * the client's socket passes the last piece on at once but never completes that write.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { Readable } from "node:stream";
import { test } from "node:test";
import { LMTP, SMTP, SMTPServerDisconnected, SMTPTimeoutError } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { holdingLastWrite, lastEndServer as server, MESSAGE } from "../helpers/undrained-last.js";

const BODIES = [
  { kind: "in memory", body: (): Buffer | Readable => MESSAGE },
  { kind: "streamed", body: (): Buffer | Readable => Readable.from([MESSAGE]) },
];

const ENDS = [
  { what: "the server hangs up without a reply", atEnd: (sock: net.Socket) => sock.destroy(), type: SMTPServerDisconnected, timeouts: {} },
  // Longer than loopback ever stalls on the earlier pieces (the server reads them at once).
  { what: "the server stays silent: the dataBlock timeout closes the connection", atEnd: () => undefined, type: SMTPTimeoutError, timeouts: { dataBlock: 1500 } },
];

for (const { kind, body } of BODIES) for (const { what, atEnd, type, timeouts } of ENDS) {
  test(`SMTP, pipelined BDAT, large message ${kind}, LAST's last piece handed over but undrained, ${what}: may have been delivered`, async () => {
    const srv = await server(false, atEnd);
    let client: SMTP | undefined;
    try {
      client = await SMTP.connect("127.0.0.1", srv.port, { localHostname: LOCAL, timeout: 5000, timeouts, socketFactory: () => holdingLastWrite(srv.port) });
      await assert.rejects(client.deliver("a@x.test", ["r1@y.test"], body()), (err: unknown) => {
        assert.ok(err instanceof type, String(err));
        assert.equal(err.delivery, "unknown");
        return true;
      });
    } finally {
      client?.close();
      await srv.close();
    }
  });

  test(`LMTP, pipelined BDAT, large message ${kind}, LAST's last piece handed over but undrained, ${what}: every recipient unknown`, async () => {
    const srv = await server(true, atEnd);
    let client: LMTP | undefined;
    try {
      client = await LMTP.connect("127.0.0.1", srv.port, { localHostname: LOCAL, timeout: 5000, timeouts, socketFactory: () => holdingLastWrite(srv.port) });
      await assert.rejects(client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], body()), (err: unknown) => {
        assert.ok(err instanceof type, String(err));
        assert.equal(err.delivery, "unknown");
        assert.deepEqual([...(err.recipients ?? new Map()).entries()].map(([addr, r]) => [addr, r.code]), [["r1@y.test", -1], ["r2@y.test", -1]]);
        return true;
      });
    } finally {
      client?.close();
      await srv.close();
    }
  });
}
