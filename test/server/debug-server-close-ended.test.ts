// close() of the debugging server against sessions it has already ended but whose clients
// linger. In a file of its own: it counts the process's TCP sockets, which no other test may
// leave behind.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { startDebugServer } from "../../src/server/debug-server.js";
import { RawClient } from "../helpers/debug-client.js";

/** How many TCP sockets this process has open (server and client ends alike). */
function tcpSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length;
}

test("close(): the socket of a session the server already ended (after QUIT's 221, or a 421 for too many clients) whose client keeps its side open is closed by the time close() resolves", async () => {
  const server = await startDebugServer({ maxClients: 1 });
  const clients: RawClient[] = [];
  try {
    const before = tcpSockets();
    const quitting = await RawClient.open(server, { allowHalfOpen: true });
    clients.push(quitting);
    await quitting.reply();
    const turnedAway = await RawClient.open(server, { allowHalfOpen: true });
    clients.push(turnedAway);
    assert.match(await turnedAway.reply(), /^421 .*Too many connected clients/);
    assert.match(await quitting.cmd("QUIT"), /^221 /);
    // smtp-server has let go of both sessions (not in its connections), their sockets wait up to 5 s for the client's FIN
    assert.equal(tcpSockets(), before + 4);
    await server.close();
    assert.equal(tcpSockets(), before + 2, "the server's ends are still open");
    assert.deepEqual(server.transcript.filter((e) => e.line === "connection closed").length, 2, "each session's close is in the transcript once close() resolves");
  } finally {
    for (const c of clients) c.close();
    await server.close();
  }
});
