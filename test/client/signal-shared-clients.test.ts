/**
 * One `signal` option shared by many clients (a service's shutdown signal given to each
 * connection it opens): the signal gets one abort listener however many clients are
 * connected, not one each (past ten, Node prints MaxListenersExceededWarning: "Possible
 * EventTarget memory leak detected"), none once they have closed; aborting it still closes
 * every connection, each call in flight rejecting with its reason.
 */

import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { test } from "node:test";
import { SMTP } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { lineServer } from "../helpers/line-server.js";

const CLIENTS = 20;

test(`one signal option given to ${CLIENTS} connected clients: one abort listener, no leak warning; aborting it closes them all with its reason`, async () => {
  // Answers EHLO and NOOP; never answers a VRFY (a call in flight when the signal aborts).
  const server = await lineServer((sock, line) => {
    if (!line.startsWith("VRFY")) sock.write(line.startsWith("EHLO") ? "250 mx.test\r\n" : "250 ok\r\n");
  });
  const warnings: string[] = [];
  const onWarning = (w: Error): void => { warnings.push(`${w.name}: ${w.message}`); };
  process.on("warning", onWarning);
  const shutdown = new AbortController();
  const clients: SMTP[] = [];
  try {
    for (let i = 0; i < CLIENTS; i++) clients.push(await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000, signal: shutdown.signal }));
    for (const client of clients) assert.equal((await client.noop()).code, 250);
    assert.equal(getEventListeners(shutdown.signal, "abort").length, 1);
    const inFlight = clients.map((client) => client.verify("a@x.test").then(() => undefined, (e: unknown) => e));
    const reason = new Error("shutting down");
    shutdown.abort(reason);
    for (const outcome of await Promise.all(inFlight)) assert.equal(outcome, reason);
    assert.deepEqual(clients.filter((c) => c.connected).length, 0);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(warnings.filter((w) => w.startsWith("MaxListenersExceededWarning")), []);
  } finally {
    process.off("warning", onWarning);
    for (const client of clients) client.close();
    await server.close();
  }
});

test("clients sharing a signal option that close: the signal keeps no listener of theirs", async () => {
  const server = await lineServer((sock, line) => { sock.write(line.startsWith("EHLO") ? "250 mx.test\r\n" : "250 ok\r\n"); });
  const shared = new AbortController();
  try {
    const clients: SMTP[] = [];
    for (let i = 0; i < 12; i++) clients.push(await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000, signal: shared.signal }));
    for (const client of clients) client.close();
    assert.equal(getEventListeners(shared.signal, "abort").length, 0);
  } finally {
    await server.close();
  }
});

test(`${CLIENTS} clients sharing a signal option, each in a STARTTLS handshake: still one abort listener; aborting rejects each with its reason`, async () => {
  // Agrees to STARTTLS and then never answers the client's TLS hello; counts the hellos.
  let hello: () => void = () => undefined;
  const hellos = new Promise<void>((resolve) => { hello = resolve; });
  let count = 0;
  const server = await lineServer((sock, line) => {
    if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250 STARTTLS\r\n");
    else if (line === "STARTTLS") {
      sock.write("220 go ahead\r\n");
      sock.once("data", () => { if (++count === CLIENTS) hello(); });
    }
  });
  const shutdown = new AbortController();
  const clients: SMTP[] = [];
  try {
    for (let i = 0; i < CLIENTS; i++) clients.push(await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000, signal: shutdown.signal }));
    const upgrading = clients.map((client) => client.starttls().then(() => undefined, (e: unknown) => e));
    await hellos;
    assert.equal(getEventListeners(shutdown.signal, "abort").length, 1);
    const reason = new Error("shutting down");
    shutdown.abort(reason);
    for (const outcome of await Promise.all(upgrading)) assert.equal(outcome, reason);
  } finally {
    for (const client of clients) client.close();
    await server.close();
  }
});
