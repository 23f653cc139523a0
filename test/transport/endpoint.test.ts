// How messages name a server (src/transport/endpoint.ts), and an IPv6 connection failure end to end.
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { SMTP, SMTPConnectError } from "../../src/index.js";
import { endpoint } from "../../src/transport/endpoint.js";

test("endpoint: an IPv6 address in brackets, a Unix socket path alone, anything else as host:port", () => {
  assert.equal(endpoint("::1", 25), "[::1]:25");
  assert.equal(endpoint("2001:db8::2", 587), "[2001:db8::2]:587");
  assert.equal(endpoint("127.0.0.1", 25), "127.0.0.1:25");
  assert.equal(endpoint("mx.example.org", 465), "mx.example.org:465");
  assert.equal(endpoint("/run/dovecot/lmtp", 2003), "/run/dovecot/lmtp", "a socket path has no port");
  assert.equal(endpoint("[::1]", 25), "[::1]:25");
});

test("a refused connection to an IPv6 address names it in brackets", async () => {
  // A port that was free a moment ago, on ::1.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "::1", resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((r) => probe.close(r));
  await assert.rejects(SMTP.connect("::1", port, { localHostname: "client.test", timeout: 5000 }), (err: unknown) => {
    assert.ok(err instanceof SMTPConnectError, String(err));
    assert.match(err.message, new RegExp(`Could not connect to \\[::1\\]:${port}: `));
    return true;
  });
});
