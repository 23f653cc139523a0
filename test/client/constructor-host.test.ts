// `new SMTP("mx.example.org", 25)`, Python's SMTP(host, port), which connects in its
// constructor: ours takes options and does no I/O (API.md), and said only "SMTP options
// must be an object, got the string ...". It now says what to write instead, for each
// client class with its default port, and for the pool, which takes the host in its options.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LMTP, SMTP, SMTP_SSL, SMTPPool } from "../../src/index.js";

const construct = (cls: unknown, ...args: unknown[]): void => void new (cls as new (...a: unknown[]) => unknown)(...args);

for (const [cls, name, port] of [[SMTP, "SMTP", 25], [SMTP_SSL, "SMTP_SSL", 465], [LMTP, "LMTP", 2003]] as const) {
  test(`new ${name}("mx.example.org", 25): a TypeError saying to write await ${name}.connect(host, port)`, () => {
    for (const args of [["mx.example.org"], ["mx.example.org", 25]]) {
      assert.throws(() => construct(cls, ...args), (e: unknown) => {
        assert.ok(e instanceof TypeError);
        assert.equal(e.message, `new ${name}() takes an options object, not a host: it does no I/O, so it cannot connect as Python's ${name}(host, port) does; `
          + `write await ${name}.connect("mx.example.org", port) (port optional, ${port} by default), or new ${name}(options) and then await client.connect("mx.example.org", port)`);
        return true;
      });
    }
  });
}

test("a host with control characters is shown escaped, a long one cut", () => {
  assert.throws(() => construct(SMTP, "mx\x1b[31m.test"), /await SMTP\.connect\("mx\\u001b\[31m\.test", port\)/);
  assert.throws(() => construct(SMTP, "h".repeat(300)), /await SMTP\.connect\("h{100}\.\.\." \(300 characters\), port\)/);
});

test("a number, null or an array is still the generic message (no host to show)", () => {
  assert.throws(() => construct(SMTP, 25), /^TypeError: SMTP options must be an object, got number 25$/);
  assert.throws(() => construct(SMTP, ["mx.example.org"]), /^TypeError: SMTP options must be an object, got an array$/);
});

test('new SMTPPool("mx.example.org"): a TypeError saying to give the host in the options', () => {
  assert.throws(() => construct(SMTPPool, "mx.example.org", 25), (e: unknown) => {
    assert.ok(e instanceof TypeError);
    assert.equal(e.message, 'new SMTPPool() takes an options object, not a host: write new SMTPPool({ host: "mx.example.org", port }) (port optional: by default the protocol\'s, 25 for "smtp")');
    return true;
  });
});
