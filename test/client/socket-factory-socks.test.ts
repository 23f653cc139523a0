/**
 * README's `socketFactory` example (which test/docs/readme-examples.test.ts runs as written)
 * with a message sent: the `socks` package's SocksClient through a minimal SOCKS5 proxy
 * (RFC 1928: no authentication, CONNECT to a domain name) on 127.0.0.1, to a scripted SMTP
 * server. The target name reaches the proxy as a name (the
 * client never looks it up), and the client's bytes reach the server unchanged.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SocksClient } from "socks";
import { SMTP, type SocketFactory } from "../../src/index.js";
import { LOCAL, ONE_PIPELINED_HI } from "../helpers/client.js";
import { expectedClientBytes, startScriptServer } from "../helpers/script-server.js";
import { socks5Proxy } from "../helpers/socks5-proxy.js";

test("socketFactory with the socks package through a SOCKS5 proxy (README's example): the proxy gets the target name, the server the exact bytes", async () => {
  const script = ONE_PIPELINED_HI;
  const server = await startScriptServer(script);
  const proxy = await socks5Proxy(server.port);
  try {
    // As in README, with the proxy's port and this test's timeouts.
    const socketFactory: SocketFactory = async ({ host, port }) => {
      const { socket } = await SocksClient.createConnection({
        proxy: { host: "127.0.0.1", port: proxy.port, type: 5 },
        command: "connect",
        destination: { host, port },
      });
      return socket;
    };
    const smtp = await SMTP.connect("smtp.example.test", 587, { socketFactory, localHostname: LOCAL, timeout: 5000 });
    assert.equal((await smtp.sendmail("a@x.test", "b@y.test", "hi\r\n")).size, 0);
    await smtp.quit();
    await server.done;
    assert.equal(server.received(), expectedClientBytes(script));
    assert.deepEqual(proxy.requests, [{ host: "smtp.example.test", port: 587 }]);
  } finally {
    await proxy.close();
    await server.close();
  }
});
