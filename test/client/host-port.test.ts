import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { splitHostPort } from "../../src/client/host-port.js";
import diagnostics from "node:diagnostics_channel";
import { SMTP, SMTP_SSL } from "../../src/index.js";

describe("splitHostPort (Python's host:port splitting in connect)", () => {
  it("splits host:port when port is 0, as Python does", () => {
    assert.deepEqual(splitHostPort("mail.example.org:2525", 0, 25), { host: "mail.example.org", port: 2525 });
    assert.deepEqual(splitHostPort("127.0.0.1:587", 0, 25), { host: "127.0.0.1", port: 587 });
    // ":0" is port 0: the default, as Python's connect() treats port 0.
    assert.deepEqual(splitHostPort("h:0", 0, 465), { host: "h", port: 465 });
  });

  it("keeps the given port and leaves the host alone when a port is given", () => {
    assert.deepEqual(splitHostPort("mail.example.org", 2525, 25), { host: "mail.example.org", port: 2525 });
    // Python splits only when port is 0: with a port, "h:1" is a host name (that fails to resolve).
    assert.deepEqual(splitHostPort("h:1", 2525, 25), { host: "h:1", port: 2525 });
  });

  it("uses the default port and localhost for empty parts", () => {
    assert.deepEqual(splitHostPort("mail.example.org", 0, 25), { host: "mail.example.org", port: 25 });
    assert.deepEqual(splitHostPort("", 0, 25), { host: "localhost", port: 25 });
    assert.deepEqual(splitHostPort(":2525", 0, 25), { host: "localhost", port: 2525 });
  });

  it("leaves a bare IPv6 address alone (more than one colon)", () => {
    assert.deepEqual(splitHostPort("::1", 0, 25), { host: "::1", port: 25 });
    assert.deepEqual(splitHostPort("2001:db8::25", 2525, 25), { host: "2001:db8::25", port: 2525 });
  });

  it("splits a bracketed IPv6 address with a port and drops the brackets (beyond Python)", () => {
    assert.deepEqual(splitHostPort("[::1]:2525", 0, 25), { host: "::1", port: 2525 });
    assert.deepEqual(splitHostPort("[2001:db8::25]:587", 0, 25), { host: "2001:db8::25", port: 587 });
    assert.deepEqual(splitHostPort("[::1]", 0, 25), { host: "::1", port: 25 });
    assert.deepEqual(splitHostPort("[::1]", 2525, 25), { host: "::1", port: 2525 });
    assert.deepEqual(splitHostPort("[127.0.0.1]:26", 0, 25), { host: "127.0.0.1", port: 26 });
  });

  it("refuses an address literal's IPv6: tag (a name lookup of \"IPv6:::1\" before), giving the address without it", () => {
    assert.throws(() => splitHostPort("[IPv6:::1]:25", 0, 25), (e: unknown) => e instanceof TypeError && e.message.endsWith('give the address alone, "[::1]:25"'));
    assert.throws(() => splitHostPort("[ipv6:2001:db8::1]", 0, 25), (e: unknown) => e instanceof TypeError && e.message.endsWith('give the address alone, "[2001:db8::1]"'));
    assert.throws(() => splitHostPort("IPv6:::1", 0, 25), (e: unknown) => e instanceof TypeError && e.message.endsWith('give the address alone, "::1"'));
    assert.deepEqual(splitHostPort("[::1]:25", 0, 25), { host: "::1", port: 25 });
  });

  it("refuses empty brackets rather than connecting to localhost", () => {
    assert.throws(() => splitHostPort("[]", 0, 25), { name: "TypeError", message: 'no host between the brackets: "[]"' });
    assert.throws(() => splitHostPort("[]:25", 0, 25), { name: "TypeError", message: 'no host between the brackets: "[]:25"' });
    assert.throws(() => splitHostPort("[]", 2525, 25), TypeError);
  });

  it("takes an absolute path as a Unix socket", () => {
    assert.deepEqual(splitHostPort("/var/run/dovecot/lmtp", 0, 24), { host: "/var/run/dovecot/lmtp", port: 24, path: "/var/run/dovecot/lmtp" });
  });

  it("refuses a non-numeric or out-of-range port", () => {
    assert.throws(() => splitHostPort("h:smtp", 0, 25), { name: "TypeError", message: 'nonnumeric port: "smtp"' });
    assert.throws(() => splitHostPort("h:", 0, 25), { name: "TypeError", message: 'nonnumeric port: ""' });
    assert.throws(() => splitHostPort("h:-1", 0, 25), TypeError);
    assert.throws(() => splitHostPort("[::1]:x", 0, 25), { name: "TypeError", message: 'nonnumeric port: "x"' });
    assert.throws(() => splitHostPort("h:65536", 0, 25), RangeError);
    assert.throws(() => splitHostPort("h", 70000, 25), RangeError);
    assert.throws(() => splitHostPort("h", -1, 25), RangeError);
    assert.throws(() => splitHostPort("h", 2.5, 25), RangeError);
  });

  it("refuses a URL as the host (Nodemailer's smtps://user:pass@host) with a TypeError before any lookup, never showing a password in it", async () => {
    assert.throws(() => splitHostPort("smtp://127.0.0.1", 2525, 25), {
      name: "TypeError",
      message: 'host must be a host name or address, not a URL "smtp://127.0.0.1": give the host and the port apart, as connect("mail.example.org", 587)',
    });
    assert.throws(() => splitHostPort("SMTPS://mail.example.org:465", 0, 25), /not a URL .*; smtps:\/\/ is SMTP_SSL \(TLS from the first byte, port 465\)$/);
    const published: unknown[] = [];
    const listen = (m: unknown): void => { published.push(m); };
    diagnostics.subscribe("smtplib.connect", listen);
    try {
      for (const Client of [SMTP, SMTP_SSL]) {
        await assert.rejects(Client.connect("smtps://bob:s3cret-pw@127.0.0.1:465"), (err: unknown) => {
          assert.ok(err instanceof TypeError, String(err));
          assert.match(err.message, /^host must be a host name or address, not a URL \(not shown: it holds a user part\): .*; the user and password go to login\(\)$/);
          assert.doesNotMatch(`${err.message} ${err.stack ?? ""} ${String(err.cause)}`, /s3cret-pw/);
          return true;
        });
      }
    } finally {
      diagnostics.unsubscribe("smtplib.connect", listen);
    }
    assert.equal(published.length, 0, "no connection attempted, no name looked up");
    // a password holding "/", "?" or "#" (as a generated one may), given unencoded, is not shown either
    for (const pw of ["ab/cd-s3cret", "ab?cd-s3cret", "ab#cd-s3cret"]) {
      assert.throws(() => splitHostPort(`smtps://bob:${pw}@mail.example.org:465`, 0, 25), (err: unknown) => {
        assert.ok(err instanceof TypeError, String(err));
        assert.match(err.message, /\(not shown: it holds a user part\)/);
        assert.doesNotMatch(`${err.message} ${err.stack ?? ""}`, /s3cret/);
        return true;
      });
    }
    // a password typed unencoded, with a "/", "?" or "#" that ends the URL's authority before
    // its "@"; and user:password@host without a scheme: TypeError, the password never shown
    for (const host of ["smtps://bob:s3cret/pw@127.0.0.1:465", "smtp://bob:s3cret?pw@127.0.0.1", "smtp://bob:s3cret#pw@127.0.0.1", "bob:s3cret-pw@127.0.0.1:587", "bob:s3cret-pw@127.0.0.1"]) {
      assert.throws(() => splitHostPort(host, 0, 25), (err: unknown) => {
        assert.ok(err instanceof TypeError, `${host}: ${String(err)}`);
        assert.match(err.message, /^host must be a host name or address, not (a URL|user@host) \(not shown: it holds a user part\): .*the user and password (go )?to login\(\)$/, host);
        assert.doesNotMatch(err.message, /s3cret/, host);
        return true;
      });
    }
    await assert.rejects(SMTP.connect("bob:s3cret-pw@127.0.0.1", 2525), (err: unknown) => err instanceof TypeError && !/s3cret/.test(err.message));
    // a Unix socket path and a name with a colon and port are not URLs
    assert.deepEqual(splitHostPort("/run/smtp://x", 0, 24), { host: "/run/smtp://x", port: 24, path: "/run/smtp://x" });
  });

  it("refuses a host that is not a string or holds CR, LF or NUL", () => {
    assert.throws(() => splitHostPort(undefined as unknown as string, 0, 25), { name: "TypeError", message: "host must be a string" });
    for (const bad of ["h\r\n", "h\nQUIT", "h\0", "/sock\r"]) {
      assert.throws(() => splitHostPort(bad, 0, 25), { name: "TypeError", message: "host must not contain CR, LF or NUL" });
    }
  });

  it("round-trips any name and port written as name:port (property)", () => {
    const name = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,30}$/);
    fc.assert(fc.property(name, fc.integer({ min: 1, max: 65535 }), (h, p) => {
      assert.deepEqual(splitHostPort(`${h}:${p}`, 0, 25), { host: h, port: p });
    }));
  });

  it("round-trips any IPv6 address written as [address]:port (property)", () => {
    fc.assert(fc.property(fc.ipV6(), fc.integer({ min: 1, max: 65535 }), (h, p) => {
      assert.deepEqual(splitHostPort(`[${h}]:${p}`, 0, 25), { host: h, port: p });
      assert.deepEqual(splitHostPort(h, p, 25), { host: h, port: p });
    }));
  });
});
