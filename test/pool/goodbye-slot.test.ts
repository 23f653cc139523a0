/**
 * A connection leaving the pool (retired after `maxMessagesPerConnection`, or closed for
 * idleness) that only says goodbye (QUIT sent, its 221 due) does not hold a
 * `maxConnections` slot that a call needs: the call's new connection opens at once. The
 * server then sees at most 2 x `maxConnections` connections, the extra ones only while
 * their QUIT is answered.
 */

import assert from "node:assert/strict";
import diagnostics from "node:diagnostics_channel";
import type net from "node:net";
import { test } from "node:test";
import { SMTPPool } from "../../src/index.js";
import { acceptingServer } from "../helpers/line-server.js";

/** A server that accepts every message and holds each QUIT unanswered until `answerQuits()`. */
async function quitHoldingServer(): Promise<{
  port: number;
  /** The connections whose QUIT is held, in the order they said it. */
  held: net.Socket[];
  /** Resolves once `n` QUITs are held. */
  heldCount(n: number): Promise<void>;
  /** The MAIL lines. */
  mails: string[];
  /** Answers every held QUIT (and those to come) with 221, and closes them. */
  answerQuits(): void;
  close(): Promise<void>;
}> {
  const held: net.Socket[] = [];
  let answering = false;
  let watch: { n: number; resolve: () => void } | undefined;
  const bye = (sock: net.Socket): void => {
    sock.end("221 bye\r\n");
  };
  const server = await acceptingServer((sock) => {
    if (answering) { bye(sock); return; }
    held.push(sock);
    if (watch && held.length >= watch.n) watch.resolve();
  });
  return {
    port: server.port, held, mails: server.mails,
    heldCount: (n) => new Promise<void>((resolve) => {
      if (held.length >= n) resolve();
      else watch = { n, resolve };
    }),
    answerQuits: () => {
      answering = true;
      for (const sock of held) bye(sock);
    },
    close: server.close,
  };
}

test("maxConnections: a retired connection's replacement opens while it waits for its 221, not after", { timeout: 20_000 }, async () => {
  const server = await quitHoldingServer();
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, localHostname: "pool.test", maxConnections: 1, maxMessagesPerConnection: 1 });
  try {
    // The first retires after its message; the second needs the pool's one slot.
    await Promise.all([pool.sendmail("one@x.test", "b@x.test", "one\r\n"), pool.sendmail("two@x.test", "b@x.test", "two\r\n")]);
    assert.equal(server.mails.length, 2);
    // (Before, the second waited for the first's 221, here never sent: 5 s, until the pool hung up on it.)
    assert.equal(server.held.length, 1, "the first connection's QUIT is held");
    assert.ok(!server.held[0]!.destroyed && !server.held[0]!.readableEnded, "the second message went while the first connection still waited for its 221");
  } finally {
    server.answerQuits();
    await pool.close();
    await server.close();
  }
});

test("maxConnections: a connection closed for idleness does not hold the slot while it waits for its 221", { timeout: 20_000 }, async () => {
  const server = await quitHoldingServer();
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, localHostname: "pool.test", maxConnections: 1, idleTimeout: 20 });
  try {
    await pool.sendmail("one@x.test", "b@x.test", "one\r\n");
    await server.heldCount(1); // idle: its QUIT is out, its 221 held
    await pool.sendmail("two@x.test", "b@x.test", "two\r\n");
    assert.ok(!server.held[0]!.destroyed && !server.held[0]!.readableEnded, "the second message went while the idle connection still waited for its 221");
  } finally {
    server.answerQuits();
    await pool.close();
    await server.close();
  }
});

test("maxConnections: connections saying goodbye are let out of the count only up to maxConnections of them (at most twice as many open at once)", { timeout: 20_000 }, async () => {
  const server = await quitHoldingServer();
  // The pool's sockets, each open until the pool ends or destroys it or reads the server's FIN (as in the chaos test).
  const sockets: net.Socket[] = [];
  let maxOpen = 0;
  const onSocket = (message: unknown): void => {
    const { socket } = message as { socket: net.Socket };
    sockets.push(socket);
    maxOpen = Math.max(maxOpen, sockets.filter((s) => !(s.destroyed || s.writableEnded || s.readableEnded)).length);
  };
  diagnostics.subscribe("net.client.socket", onSocket);
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, localHostname: "pool.test", maxConnections: 1, maxMessagesPerConnection: 1 });
  try {
    // Each connection retires after its message and its QUIT is never answered: the third
    // message waits for the pool to hang up on the first (after 5 s), not for a third connection.
    await Promise.all([1, 2, 3].map((i) => pool.sendmail(`m${i}@x.test`, "b@x.test", "hi\r\n")));
    assert.equal(server.mails.length, 3);
    assert.equal(sockets.length, 3);
    assert.equal(maxOpen, 2, "at most 2 x maxConnections connections open at once");
  } finally {
    diagnostics.unsubscribe("net.client.socket", onSocket);
    server.answerQuits();
    await pool.close();
    await server.close();
  }
});
