/**
 * A minimal SOCKS5 proxy (RFC 1928: no authentication, CONNECT to a domain name) on
 * 127.0.0.1 that connects every request to one local port: for the `socketFactory` tests
 * and README's example.
 * @module
 */
import assert from "node:assert/strict";
import net from "node:net";

/** What the proxy was asked to connect to. */
export interface Request { host: string; port: number }

/**
 * A SOCKS5 proxy that takes no authentication and CONNECT requests for a domain name (ATYP
 * 3), connects every one to 127.0.0.1:`upstream`, and then relays both ways.
 */
export async function socks5Proxy(upstream: number): Promise<{ port: number; requests: Request[]; close(): Promise<void> }> {
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
