// A client refused because the server already has its maxClients: smtp-server greets it with
// 421 before onConnect, where every other session gets its "connection from" line, so the
// transcript (and `smtplib serve`'s output) showed a lone 421 from an unknown client.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { once } from "node:events";
import type { TranscriptEntry } from "../../src/server/debug-server.js";
import { RawClient, withServer } from "../helpers/debug-client.js";

test("maxClients: the refused client's session has a line saying who connected and that it was refused, then the 421, then its close", { timeout: 20_000 }, async () => {
  let closedSeen: (session: string) => void = () => undefined;
  const onTranscript = (entry: TranscriptEntry): void => {
    if (entry.direction === "*" && entry.line === "connection closed") closedSeen(entry.session);
  };
  await withServer({ maxClients: 2, onTranscript }, async (server) => {
    const first = await RawClient.open(server);
    assert.match(await first.reply(), /^220 /);
    const second = await RawClient.open(server);
    assert.match(await second.reply(), /^220 /);
    // set before the third connects: its session's close is the first one
    const closing = new Promise<string>((resolve) => closedSeen = resolve);
    const third = await RawClient.open(server);
    const port = third.socket.localPort;
    assert.match(await third.reply(), /^421 .*Too many connected clients/);
    await once(third.socket, "close");
    const session = await closing;
    const lines = server.transcript.filter((e) => e.session === session).map((e) => `${e.direction} ${e.line}`);
    assert.deepEqual(lines, [
      `* connection from 127.0.0.1:${port} refused: the server already has its 2 client(s) (maxClients)`,
      "S 421 smtplib-debug Too many connected clients, try again in a moment",
      "* connection closed",
    ]);
    // the sessions let in have their usual line, and no "refused"
    const accepted = server.transcript.filter((e) => e.direction === "*" && e.line.startsWith("connection from"));
    assert.deepEqual(accepted.map((e) => e.line.replace(/:\d+/, ":PORT")), [
      "connection from 127.0.0.1:PORT", "connection from 127.0.0.1:PORT",
      "connection from 127.0.0.1:PORT refused: the server already has its 2 client(s) (maxClients)",
    ]);
    first.close();
    second.close();
  });
});
