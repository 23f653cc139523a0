// close() of the debugging server against clients that linger. In a file of its own: it
// counts the process's TCP sockets, which no other test may leave behind.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { startDebugServer } from "../../src/server/debug-server.js";
import { RawClient } from "../helpers/debug-client.js";

/** How many TCP sockets this process has open (server and client ends alike). */
function tcpSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length;
}

test("close(): a client that keeps its side open (idle, or in the middle of DATA) gets 421 and its socket is closed by the time close() resolves", async () => {
  const server = await startDebugServer({ closeTimeout: 50 });
  const clients: RawClient[] = [];
  try {
    const before = tcpSockets();
    const idle = await RawClient.open(server, { allowHalfOpen: true });
    clients.push(idle);
    await idle.reply();
    const sending = await RawClient.inData(server, { allowHalfOpen: true });
    clients.push(sending);
    sending.socket.write("Subject: never ends\r\n\r\n");
    const during = tcpSockets();
    assert.equal(during, before + 4);
    await server.close();
    // Only the two client ends are left: smtp-server alone kept the server ends open up to 5 s more.
    assert.equal(tcpSockets(), during - 2);
    assert.match(await idle.reply(), /^421 /);
    assert.match(await sending.reply(), /^421 /);
    assert.ok(server.transcript.some((e) => /message not received in full, discarded/.test(e.line)));
  } finally {
    for (const c of clients) c.close();
    await server.close();
  }
});
