// The debugging server finds smtp-server's connection of a new session by the session's id
// (trackConnections' map), not by scanning `server.connections` at each connect; and when it
// cannot find it (an smtp-server that adds connections otherwise), the session is refused
// loudly (421 and a transcript line) instead of going on with CHUNKING silently off.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { SMTPServer } from "smtp-server";
import { RawClient, withServer } from "../helpers/debug-client.js";

type Connect = (this: SMTPServer, socket: unknown, options: unknown) => void;
const proto = SMTPServer.prototype as unknown as { connect: Connect };

/** Runs `body` with smtp-server's `connect` replaced by `patched(original)`, restored after. */
async function withConnect(patched: (original: Connect) => Connect, body: () => Promise<void>): Promise<void> {
  const original = proto.connect;
  proto.connect = patched(original);
  try {
    await body();
  } finally {
    proto.connect = original;
  }
}

test("a new session's connection is looked up by id, without iterating server.connections (O(1) per connect)", async () => {
  let scans = 0;
  await withConnect((original) => function (this: SMTPServer, socket, options) {
    const set = this.connections as Set<unknown> & { [Symbol.iterator]: () => IterableIterator<unknown> };
    if (!Object.hasOwn(set, Symbol.iterator)) {
      Object.defineProperty(set, Symbol.iterator, {
        value: function (this: Set<unknown>) {
          scans++;
          return Set.prototype.values.call(this);
        },
      });
    }
    original.call(this, socket, options);
  }, async () => {
    await withServer({ extensions: { chunking: true } }, async (server) => {
      const clients: RawClient[] = [];
      for (let i = 0; i < 5; i++) {
        const c = await RawClient.open(server);
        assert.match(await c.reply(), /^220 /);
        // CHUNKING on: the lookup found the connection
        assert.match(await c.cmd("EHLO client.example"), /CHUNKING/);
        clients.push(c);
      }
      for (const c of clients) c.close();
    });
  });
  assert.equal(scans, 0);
});

test("a session whose connection cannot be found is refused with 421 and a transcript line, not served with CHUNKING silently off", async () => {
  // an smtp-server that does not add its connections to server.connections (as another version might)
  await withConnect((original) => function (this: SMTPServer, socket, options) {
    const set = this.connections;
    const add = set.add;
    set.add = function (this: typeof set) { return this; };
    try {
      original.call(this, socket, options);
    } finally {
      set.add = add;
    }
  }, async () => {
    await withServer({ extensions: { chunking: true } }, async (server) => {
      const c = await RawClient.open(server);
      const reply = await c.reply();
      c.close();
      assert.match(reply, /^421 .*connection not found/);
      assert.ok(server.transcript.some((e) => /internal error: smtp-server's connection for this session not found/.test(e.line)), JSON.stringify(server.transcript));
    });
  });
});
