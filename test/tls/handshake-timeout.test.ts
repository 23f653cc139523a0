/**
 * A TLS handshake the server never answers (it agreed to STARTTLS, or accepted the TCP
 * connection of an implicit-TLS client, and then said nothing): `timeouts.connect` bounds
 * it, and the error names that phase and says the TLS handshake was what it waited for (not
 * "connecting to", which would send the user to the network); the socket is closed.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { SMTP, SMTP_SSL, SMTPTimeoutError } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { onLines } from "../helpers/lines.js";

/** A server that, with `starttls`, greets and agrees to STARTTLS, then never answers the TLS hello; without, never says anything. */
async function mute(starttls: boolean): Promise<{ port: number; closed: Promise<void>; close: () => Promise<void> }> {
  let closedNow: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => { closedNow = resolve; });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("error", () => undefined);
    sock.on("close", () => { sockets.delete(sock); closedNow(); });
    if (!starttls) {
      sock.resume(); // read (and drop) the TLS hello: a socket never read never sees the client's FIN
      return;
    }
    sock.write("220 mx.test ESMTP\r\n");
    // What follows the 220 is the client's TLS hello: left unanswered.
    onLines(sock, (line) => {
      if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250 STARTTLS\r\n");
      else if (line === "STARTTLS") sock.write("220 go ahead\r\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    closed,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

function assertHandshakeTimeout(err: unknown, port: number): void {
  assert.ok(err instanceof SMTPTimeoutError, String(err));
  assert.equal(err.phase, "connect");
  assert.match(err.message, new RegExp(`^Timed out after 400 ms in the TLS handshake with 127\\.0\\.0\\.1:${port} `));
}

test("starttls() whose handshake the server never answers: SMTPTimeoutError of phase connect, naming the TLS handshake; the connection is closed", async () => {
  const server = await mute(true);
  try {
    const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 10_000, timeouts: { connect: 400 } });
    const err = await client.starttls().then(() => undefined, (e: unknown) => e);
    assertHandshakeTimeout(err, server.port);
    assert.equal(client.connected, false);
    await server.closed; // the client's socket was closed, not left open behind the error
    client.close();
  } finally {
    await server.close();
  }
});

test("SMTP_SSL whose handshake the server never answers: SMTPTimeoutError of phase connect, naming the TLS handshake (TCP was up); the socket is closed", async () => {
  const server = await mute(false);
  try {
    const err = await SMTP_SSL.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 10_000, timeouts: { connect: 400 } })
      .then((c) => { c.close(); }, (e: unknown) => e);
    assertHandshakeTimeout(err, server.port);
    await server.closed;
  } finally {
    await server.close();
  }
});
