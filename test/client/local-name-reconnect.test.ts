/**
 * Without `localHostname` on a host with no fully qualified name, HELO/EHLO/LHLO gives the
 * address literal of this end of the connection, else of the address this host's name
 * resolves to (README "Where we differ from Python"). The client keeps a computed name for
 * the connection it was computed on only: after `quit()` and `connect()` over another
 * link, the greeting names the new connection's end, not the old one's.
 *
 * `os.hostname` gives a name without a dot, `dns.promises.lookup` resolves it to 192.0.2.7
 * and `dns.promises.lookupService` finds no name for that: over a Unix socket (no IP
 * address at this end) the name is `[192.0.2.7]`, over TCP from 127.0.0.1 `[127.0.0.1]`.
 * Each test file runs in its own process.
 */

import assert from "node:assert/strict";
import dnsPromises from "node:dns/promises";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { LMTP } from "../../src/index.js";
import { onLines } from "../helpers/lines.js";

const realHostname = os.hostname;
const realLookup = dnsPromises.lookup;
const realLookupService = dnsPromises.lookupService;
os.hostname = () => "nodots";
dnsPromises.lookup = (() => Promise.resolve({ address: "192.0.2.7", family: 4 })) as unknown as typeof dnsPromises.lookup;
dnsPromises.lookupService = (() => Promise.reject(Object.assign(new Error("no name"), { code: "ENOTFOUND" }))) as typeof dnsPromises.lookupService;

after(() => {
  os.hostname = realHostname;
  dnsPromises.lookup = realLookup;
  dnsPromises.lookupService = realLookupService;
});

/** One LMTP peer on a Unix socket and on 127.0.0.1: records each line, answers 250 (QUIT 221). */
async function listenBoth(path: string): Promise<{ lines: string[]; port: number; close: () => Promise<void> }> {
  const lines: string[] = [];
  const sockets = new Set<net.Socket>();
  const serve = (sock: net.Socket): void => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => undefined);
    sock.write("220 mx.test LMTP\r\n");
    onLines(sock, (line) => {
      lines.push(line);
      sock.write(line === "QUIT" ? "221 bye\r\n" : "250 ok\r\n");
    });
  };
  const unix = net.createServer(serve);
  const tcp = net.createServer(serve);
  await new Promise<void>((resolve) => unix.listen(path, resolve));
  await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
  return {
    lines,
    port: (tcp.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([unix, tcp].map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
}

test("LHLO after a reconnect over another link gives the new connection's address literal, not the first one's", async () => {
  const dir = await mkdtemp(join(os.tmpdir(), "smtplib-local-name-"));
  const peer = await listenBoth(join(dir, "lmtp.sock"));
  const client = new LMTP({ timeout: 5000 });
  try {
    await client.connect(join(dir, "lmtp.sock"));
    await client.ehlo();
    assert.equal(client.localHostname, "[192.0.2.7]");
    await client.quit();
    assert.equal(client.localHostname, "[192.0.2.7]", "kept after quit(), as Python keeps local_hostname");
    await client.connect("127.0.0.1", peer.port);
    assert.equal(client.localHostname, null, "a new connection has no computed name yet");
    await client.ehlo();
    await client.quit();
    assert.deepEqual(peer.lines, ["LHLO [192.0.2.7]", "QUIT", "LHLO [127.0.0.1]", "QUIT"]);
  } finally {
    client.close();
    await peer.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("a name the caller set is kept across connections", async () => {
  const dir = await mkdtemp(join(os.tmpdir(), "smtplib-local-name-"));
  const peer = await listenBoth(join(dir, "lmtp.sock"));
  const client = new LMTP({ timeout: 5000 });
  try {
    await client.connect(join(dir, "lmtp.sock"));
    client.localHostname = "client.test";
    await client.ehlo();
    await client.quit();
    await client.connect("127.0.0.1", peer.port);
    await client.ehlo();
    await client.quit();
    assert.equal(client.localHostname, "client.test");
    assert.deepEqual(peer.lines, ["LHLO client.test", "QUIT", "LHLO client.test", "QUIT"]);
  } finally {
    client.close();
    await peer.close();
    await rm(dir, { recursive: true, force: true });
  }
});
