/**
 * A socket from `socketFactory` gets Nagle's algorithm turned off, as a socket the client
 * opens itself does (`noDelay: true`): otherwise each pipelined group's second write would
 * wait for the server's delayed ACK (up to 40 ms or more per round trip).
 */

import assert from "node:assert/strict";
import net from "node:net";
import { it } from "node:test";
import { SMTP } from "../../src/index.js";
import { GREET, LOCAL } from "../helpers/client.js";
import { startScriptServer } from "../helpers/script-server.js";

it("socketFactory's socket: setNoDelay(true) is called on it", async () => {
  const server = await startScriptServer(`${GREET}C: QUIT\nS: 221 bye\n`);
  try {
    const calls: unknown[] = [];
    const client = await SMTP.connect("mx.example.test", 25, {
      localHostname: LOCAL, timeout: 5000,
      socketFactory: () => {
        const socket = net.connect(server.port, "127.0.0.1");
        const original = socket.setNoDelay.bind(socket);
        socket.setNoDelay = (noDelay?: boolean) => {
          calls.push(noDelay);
          return original(noDelay);
        };
        return socket;
      },
    });
    assert.deepEqual(calls, [true]);
    await client.quit();
    await server.done;
  } finally {
    await server.close();
  }
});
