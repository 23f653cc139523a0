/**
 * README's `socketFactory` example, run as written: the `socks` package's SocksClient through
 * a minimal SOCKS5 proxy (RFC 1928: no authentication, CONNECT to a domain name) on
 * 127.0.0.1, to a scripted SMTP server. The target name reaches the proxy as a name (the
 * client never looks it up), and the client's bytes reach the server unchanged.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { SocksClient } from "socks";
import { SMTP, type SocketFactory } from "../../src/index.js";
import { LOCAL, ONE_PIPELINED_HI } from "../helpers/client.js";
import { expectedClientBytes, startScriptServer } from "../helpers/script-server.js";

/** What the proxy was asked to connect to. */
interface Request { host: string; port: number }

/**
 * A SOCKS5 proxy that takes no authentication and CONNECT requests for a domain name (ATYP
 * 3), connects every one to 127.0.0.1:`upstream`, and then relays both ways.
 */
async function socks5Proxy(upstream: number): Promise<{ port: number; requests: Request[]; close(): Promise<void> }> {
  const requests: Request[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("error", () => undefined);
    let buffered = Buffer.alloc(0);
    let stage: "hello" | "request" | "relay" = "hello";
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      if (stage === "hello") {
        if (buffered.length < 2 || buffered.length < 2 + buffered[1]!) return;
        assert.equal(buffered[0], 5, "SOCKS version 5");
        assert.ok(buffered.subarray(2, 2 + buffered[1]!).includes(0), "offers 'no authentication'");
        buffered = buffered.subarray(2 + buffered[1]!);
        client.write(Buffer.from([5, 0]));
        stage = "request";
      }
      if (stage === "request") {
        if (buffered.length < 5) return;
        assert.deepEqual([...buffered.subarray(0, 4)], [5, 1, 0, 3], "CONNECT to a domain name");
        const nameLength = buffered[4]!;
        if (buffered.length < 5 + nameLength + 2) return;
        const host = buffered.subarray(5, 5 + nameLength).toString("latin1");
        const port = buffered.readUInt16BE(5 + nameLength);
        requests.push({ host, port });
        const rest = buffered.subarray(5 + nameLength + 2);
        stage = "relay";
        client.off("data", onData);
        client.pause();
        const target = net.connect(upstream, "127.0.0.1", () => {
          client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
          if (rest.length > 0) target.write(rest);
          client.pipe(target).pipe(client);
          client.resume();
        });
        sockets.add(target);
        target.on("error", () => client.destroy());
        client.on("close", () => target.destroy());
      }
    };
    client.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

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
