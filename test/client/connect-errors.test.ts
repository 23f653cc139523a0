/**
 * Connect failures name what failed. A host name with several addresses goes through
 * Node's autoSelectFamily (happy eyeballs): when every address fails, Node's error is an
 * AggregateError whose message is empty, and the SMTPConnectError must still say why.
 *
 * The name's addresses come from replacing `dns.lookup` (which `net.connect` calls) for
 * the test; each test file runs in its own process.
 */

import assert from "node:assert/strict";
import dns from "node:dns";
import net from "node:net";
import { afterEach, describe, it, mock } from "node:test";
import { SMTP, SMTP_SSL, SMTPConnectError, SMTPException, SMTPTimeoutError } from "../../src/index.js";
import { closedPort } from "../helpers/closed-port.js";
import { timeoutUnitHint } from "../../src/error-text.js";

type LookupAll = (host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => void;

/** Makes `name` resolve to `addresses` (IPv4), leaving every other name to the real lookup. */
function resolveTo(name: string, addresses: string[]): void {
  const real = dns.lookup as unknown as LookupAll;
  const fake: LookupAll = (host, options, callback) => {
    if (host !== name) return real(host, options, callback);
    if (options.all) return callback(null, addresses.map((address) => ({ address, family: 4 })));
    return callback(null, addresses[0], 4);
  };
  mock.method(dns, "lookup", fake);
}

afterEach(() => mock.restoreAll());

describe("connect failures", () => {
  it("a name whose every address refuses: the message names each attempt, not nothing", async () => {
    const port = await closedPort();
    resolveTo("multi.test", ["127.0.0.2", "127.0.0.1"]);
    const client = new SMTP({ timeout: 10_000, diagnoseTLS: false });
    const err = await client.connect("multi.test", port).then(() => assert.fail("connected"), (e: unknown) => e);
    assert.ok(err instanceof SMTPConnectError, String(err));
    assert.ok(err.cause instanceof AggregateError, "Node's error is the cause");
    assert.equal(err.smtpCode, -1);
    assert.equal(
      err.smtpError,
      `Could not connect to multi.test:${port}: connect ECONNREFUSED 127.0.0.2:${port}; connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it("a name with one address: Node's message as it is", async () => {
    const port = await closedPort();
    resolveTo("single.test", ["127.0.0.1"]);
    const client = new SMTP({ timeout: 10_000, diagnoseTLS: false });
    const err = await client.connect("single.test", port).then(() => assert.fail("connected"), (e: unknown) => e);
    assert.ok(err instanceof SMTPConnectError, String(err));
    assert.equal(err.smtpError, `Could not connect to single.test:${port}: connect ECONNREFUSED 127.0.0.1:${port}`);
  });
});

describe("sourceAddress with a host name of both families", () => {
  it("an IPv4 source connects to the name's IPv4 address, though its IPv6 one comes first", async () => {
    const server = net.createServer((socket) => socket.end("220 mx.test ESMTP\r\n"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    const real = dns.lookup as unknown as LookupAll;
    const both = [{ address: "::1", family: 6 }, { address: "127.0.0.1", family: 4 }];
    mock.method(dns, "lookup", ((host, options: { all?: boolean; family?: number }, callback) => {
      if (host !== "dual.test") return real(host, options, callback);
      const found = both.filter((a) => !options.family || a.family === options.family);
      return options.all ? callback(null, found) : callback(null, found[0]!.address, found[0]!.family);
    }) as LookupAll);
    const client = new SMTP({ timeout: 10_000, diagnoseTLS: false, sourceAddress: { host: "127.0.0.1" } });
    try {
      const reply = await client.connect("dual.test", port);
      assert.equal(reply.code, 220);
    } finally {
      client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("sourceAddress with a host name of the other family only", () => {
  it("the error says the name was looked up in the family of sourceAddress", async () => {
    const real = dns.lookup as unknown as LookupAll;
    mock.method(dns, "lookup", ((host, options: { all?: boolean; family?: number }, callback) => {
      if (host !== "v4only.test") return real(host, options, callback);
      if (options.family === 6) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" }));
      return options.all ? callback(null, [{ address: "127.0.0.1", family: 4 }]) : callback(null, "127.0.0.1", 4);
    }) as LookupAll);
    const client = new SMTP({ timeout: 10_000, diagnoseTLS: false, sourceAddress: { host: "::1" } });
    const err = await client.connect("v4only.test", 25).then(() => assert.fail("connected"), (e: unknown) => e);
    assert.ok(err instanceof SMTPConnectError, String(err));
    assert.equal(err.smtpError, "Could not connect to v4only.test:25: getaddrinfo ENOTFOUND v4only.test (IPv6 addresses only: sourceAddress ::1 is IPv6)");
    assert.equal((err.cause as NodeJS.ErrnoException).code, "ENOTFOUND");
  });
});

describe("sourceAddress with a host name of several addresses", () => {
  it("the next address is tried when the first refuses (Python's create_connection; Node tries the first only)", async () => {
    const server = net.createServer((socket) => socket.end("220 mx.test ESMTP\r\n"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    resolveTo("two.test", ["127.0.0.2", "127.0.0.1"]);
    const client = new SMTP({ timeout: 10_000, diagnoseTLS: false, sourceAddress: { host: "127.0.0.1" } });
    try {
      const reply = await client.connect("two.test", port);
      assert.equal(reply.code, 220);
    } finally {
      client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("every address refusing: the error names each attempt, Node's errors in an AggregateError", async () => {
    const port = await closedPort();
    resolveTo("two.test", ["127.0.0.2", "127.0.0.1"]);
    const client = new SMTP({ timeout: 10_000, diagnoseTLS: false, sourceAddress: { host: "127.0.0.1" } });
    const err = await client.connect("two.test", port).then(() => assert.fail("connected"), (e: unknown) => e);
    assert.ok(err instanceof SMTPConnectError, String(err));
    assert.equal(err.smtpCode, -1, "no reply: Python's -1");
    assert.ok(err.cause instanceof AggregateError);
    assert.equal(
      err.smtpError,
      `Could not connect to two.test:${port}: connect ECONNREFUSED 127.0.0.2:${port}; connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it("a lookup that never answers ends with the connect timeout", async () => {
    const real = dns.lookup as unknown as LookupAll;
    mock.method(dns, "lookup", ((host, options, callback) => {
      if (host !== "silent.test") real(host, options, callback);
    }) as LookupAll);
    const client = new SMTP({ timeout: 200, diagnoseTLS: false, sourceAddress: { host: "127.0.0.1" } });
    const err = await client.connect("silent.test", 25).then(() => assert.fail("connected"), (e: unknown) => e);
    assert.ok(err instanceof SMTPTimeoutError, String(err));
    assert.equal(err.phase, "connect");
    assert.equal(err.message, `Timed out after 200 ms connecting to silent.test:25${timeoutUnitHint(200)}`);
  });

  it("a TLS failure after TCP was up ends the attempt: the next address is not tried", async () => {
    let second = 0;
    const accepted: net.Socket[] = [];
    const plain = net.createServer((socket) => { accepted.push(socket); socket.end("220 not TLS\r\n"); });
    const other = net.createServer((socket) => { second += 1; socket.destroy(); });
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    const { port } = plain.address() as net.AddressInfo;
    await new Promise<void>((resolve) => other.listen(port, "127.0.0.3", resolve));
    resolveTo("tls.test", ["127.0.0.1", "127.0.0.3"]);
    const client = new SMTP_SSL({ timeout: 10_000, diagnoseTLS: false, sourceAddress: { host: "127.0.0.1" } });
    try {
      const err = await client.connect("tls.test", port).then(() => assert.fail("connected"), (e: unknown) => e);
      assert.ok(err instanceof SMTPException && !(err instanceof SMTPConnectError), String(err));
      assert.equal(second, 0);
    } finally {
      client.close();
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => plain.close(resolve));
      await new Promise((resolve) => other.close(resolve));
    }
  });
});

describe("sourceAddress: the lookup's other endings", () => {
  it("the client's signal ends a lookup that never answers, with the signal's reason", async () => {
    const real = dns.lookup as unknown as LookupAll;
    mock.method(dns, "lookup", ((host, options, callback) => {
      if (host !== "silent.test") real(host, options, callback);
    }) as LookupAll);
    const controller = new AbortController();
    const reason = new Error("stop now");
    const client = new SMTP({ timeout: 10_000, diagnoseTLS: false, sourceAddress: { host: "127.0.0.1" }, signal: controller.signal });
    const pending = client.connect("silent.test", 25).then(() => assert.fail("connected"), (e: unknown) => e);
    setImmediate(() => controller.abort(reason));
    const err = await pending;
    assert.equal(err, reason);
  });

  it("a lookup that answers with no address: ENOTFOUND, naming the family looked up", async () => {
    const real = dns.lookup as unknown as LookupAll;
    mock.method(dns, "lookup", ((host, options, callback) => {
      if (host !== "empty.test") return real(host, options, callback);
      return callback(null, []);
    }) as LookupAll);
    const client = new SMTP({ timeout: 10_000, diagnoseTLS: false, sourceAddress: { host: "127.0.0.1" } });
    const err = await client.connect("empty.test", 25).then(() => assert.fail("connected"), (e: unknown) => e);
    assert.ok(err instanceof SMTPConnectError, String(err));
    assert.equal(err.smtpError, "Could not connect to empty.test:25: getaddrinfo ENOTFOUND empty.test (IPv4 addresses only: sourceAddress 127.0.0.1 is IPv4)");
  });
});
