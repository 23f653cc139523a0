/**
 * SMTPPool: a call whose connection is closed with a 421 before anything of the call's
 * transaction was written (at the greeting, EHLO, STARTTLS, or the EHLO after STARTTLS)
 * runs again on another connection, as a call queued behind a connection that went does;
 * it is never sent twice, and gives up after maxConnections + 1 connections.
 */

import assert from "node:assert/strict";
import type net from "node:net";
import { before, test } from "node:test";
import { SMTPServer } from "smtp-server";
import { SMTPConnectError, SMTPHeloError, SMTPPool, SMTPResponseException, SMTPSenderRefused, type PoolOptions } from "../../src/index.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";
import { startPeer, type Peer, type PeerOptions } from "../tls/peer.js";

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

const SHUTTING_DOWN = "421 4.3.2 shutting down\r\n";

async function withPool(peerOptions: PeerOptions, poolOptions: Partial<PoolOptions>, fn: (pool: SMTPPool, peer: Peer) => Promise<void>): Promise<void> {
  const peer = await startPeer(peerOptions);
  const pool = new SMTPPool({ host: "127.0.0.1", port: peer.port, maxConnections: 1, localHostname: "pool.test", timeout: 5000, ...poolOptions });
  try {
    await fn(pool, peer);
  } finally {
    await pool.close();
    await peer.close();
  }
}

/** The MAIL commands the peer read, TLS ones marked. */
const mails = (peer: Peer): string[] => peer.commands.filter((c) => /^(\[tls\] )?MAIL/.test(c));

test("requireTLS: the EHLO after STARTTLS answered 421 on the first connection; the calls queued for it run on a second one, each sent once", { timeout: 20_000 }, async () => {
  const peerOptions: PeerOptions = {
    keyPair: certs,
    replyInstead: (step, connection, secure) => (step === "ehlo" && connection === 0 && secure ? SHUTTING_DOWN : undefined),
  };
  // Without auth the first call's own greeting says that EHLO; with auth, the pool's login does.
  for (const auth of [undefined, { user: "u", password: "p" }]) {
    await withPool(peerOptions, { requireTLS: true, tls: { ca: certs.ca }, maxInFlight: 3, ...(auth ? { auth } : {}) }, async (pool, peer) => {
      const refused = await Promise.all(["m1", "m2", "m3"].map((m) => pool.sendmail(`${m}@x.test`, "b@x.test", "hi\r\n")));
      assert.deepEqual(refused, [new Map(), new Map(), new Map()]);
      assert.equal(peer.connections(), 2);
      assert.deepEqual(peer.commands.slice(0, 3), ["EHLO pool.test", "STARTTLS", "[tls] EHLO pool.test"], "the first connection: refused after STARTTLS");
      assert.deepEqual(mails(peer).sort(), ["m1", "m2", "m3"].map((m) => `[tls] MAIL FROM:<${m}@x.test> SIZE=4`), "each sent once, over TLS");
    });
  }
});

test("the EHLO of a fresh connection answered 421: the call runs on another connection", { timeout: 20_000 }, async () => {
  const peerOptions: PeerOptions = { replyInstead: (step, connection) => (step === "ehlo" && connection === 0 ? SHUTTING_DOWN : undefined) };
  await withPool(peerOptions, {}, async (pool, peer) => {
    assert.deepEqual(await pool.sendmail("a@x.test", "b@x.test", "hi\r\n"), new Map());
    assert.equal(peer.connections(), 2);
    assert.deepEqual(mails(peer), ["MAIL FROM:<a@x.test> SIZE=4"]);
  });
});

test("a fresh connection greeted with 421: the call runs on another connection", { timeout: 20_000 }, async () => {
  const peerOptions: PeerOptions = { replyInstead: (step, connection) => (step === "greeting" && connection === 0 ? "421 4.3.2 too busy\r\n" : undefined) };
  await withPool(peerOptions, {}, async (pool, peer) => {
    assert.deepEqual(await pool.sendmail("a@x.test", "b@x.test", "hi\r\n"), new Map());
    assert.equal(peer.connections(), 2);
    assert.deepEqual(mails(peer), ["MAIL FROM:<a@x.test> SIZE=4"]);
  });
});

test("every connection refused with 421 before the transaction: the call gives up with the server's 421 after maxConnections + 1 connections, having sent nothing", { timeout: 20_000 }, async () => {
  for (const [step, expected] of [["greeting", SMTPConnectError], ["ehlo", SMTPHeloError]] as const) {
    const peerOptions: PeerOptions = { replyInstead: (s) => (s === step ? SHUTTING_DOWN : undefined) };
    await withPool(peerOptions, { maxConnections: 2 }, async (pool, peer) => {
      await assert.rejects(pool.sendmail("a@x.test", "b@x.test", "hi\r\n"), (err: unknown) => err instanceof expected && err.smtpCode === 421, step);
      assert.equal(peer.connections(), 3, step);
      assert.deepEqual(mails(peer), [], step);
    });
  }
  await withPool({ keyPair: certs, starttlsReply: SHUTTING_DOWN }, { maxConnections: 2, requireTLS: true, tls: { ca: certs.ca } }, async (pool, peer) => {
    await assert.rejects(pool.sendmail("a@x.test", "b@x.test", "hi\r\n"), (err: unknown) => err instanceof SMTPResponseException && err.smtpCode === 421 && err.command === "STARTTLS");
    assert.equal(peer.connections(), 3, "STARTTLS");
    assert.deepEqual(mails(peer), [], "STARTTLS");
  });
});

test("a 421 once the call's transaction has started (to its MAIL) reaches the caller: the call is not run again", { timeout: 20_000 }, async () => {
  let connections = 0;
  const mailsSeen: string[] = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ["STARTTLS"], logger: false,
    onConnect(_session, cb) { connections++; cb(); },
    onMailFrom(address, _session, cb) {
      mailsSeen.push(address.address);
      cb(mailsSeen.length === 1 ? Object.assign(new Error("shutting down"), { responseCode: 421 }) : null);
    },
    onData(stream, _session, cb) { stream.resume(); stream.on("end", () => cb()); },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as net.AddressInfo).port;
  const pool = new SMTPPool({ host: "127.0.0.1", port, maxConnections: 1, localHostname: "pool.test" });
  try {
    await assert.rejects(pool.sendmail("a@x.test", "b@x.test", "hi\r\n"), (err: unknown) => err instanceof SMTPSenderRefused && err.smtpCode === 421);
    assert.deepEqual(mailsSeen, ["a@x.test"]);
    assert.equal(connections, 1);
  } finally {
    await pool.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
