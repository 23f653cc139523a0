// parsePostfixTarget on its own (the advice built from it is tested in
// test/cli/postfix-target.test.ts): the port it names must be one a TCP connection can use,
// since the advice tells the user to give exactly that port.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parsePostfixTarget, postfixPort } from "../../src/protocol/postfix-target.js";

/** A host as Postfix's forms write it without brackets: no ":", "@", "/", "[" or "]". */
const host = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/);

describe("parsePostfixTarget: hosts", () => {
  it("an address literal's IPv6: tag in brackets is left out of the host the advice gives", () => {
    assert.equal(parsePostfixTarget("smtp:[ipv6:2001:db8::1]")?.host, "2001:db8::1");
    assert.equal(parsePostfixTarget("relay:[IPv6:::1]:25")?.host, "::1");
    assert.equal(parsePostfixTarget("lmtp:inet:[ipv6:::1]:24")?.host, "::1");
    assert.equal(parsePostfixTarget("lmtp:[::1]:24")?.host, "::1");
  });
});

describe("parsePostfixTarget: ports", () => {
  it("a port outside 1-65535 is given but not known (advice would name a port connect() refuses)", () => {
    for (const form of ["lmtp:host:99999", "lmtp:inet:host:70000", "lmtp:[::1]:65536", "smtp:[h]:99999", "smtp:h:65536", "relay:h:0", "lmtp:h:0", "lmtp:h:00000"]) {
      const target = parsePostfixTarget(form);
      assert.ok(target !== undefined, form);
      assert.equal(target.port, undefined, form);
      assert.equal(target.portGiven, true, form);
      assert.equal(postfixPort(target), null, form);
    }
  });

  it("1 and 65535 are ports; leading zeros are read as decimal; the lmtp service is 24", () => {
    assert.equal(parsePostfixTarget("lmtp:h:1")?.port, 1);
    assert.equal(parsePostfixTarget("smtp:[h]:65535")?.port, 65535);
    assert.equal(parsePostfixTarget("lmtp:inet:h:00025")?.port, 25);
    assert.equal(parsePostfixTarget("lmtp:h:LMTP")?.port, 24);
  });

  it("property: every form with a decimal port names it exactly when it is 1-65535", () => {
    const forms = (h: string, p: string): string[] => [`lmtp:${h}:${p}`, `lmtp:inet:${h}:${p}`, `inet:${h}:${p}`, `lmtp:[${h}]:${p}`, `smtp:[${h}]:${p}`, `relay:${h}:${p}`];
    fc.assert(fc.property(host, fc.integer({ min: 0, max: 99999 }), (h, n) => {
      const expected = n >= 1 && n <= 65535 ? n : undefined;
      for (const form of forms(h, String(n))) {
        const target = parsePostfixTarget(form);
        // smtp:25-like values (a host named smtp/relay and a port) are not Postfix's form
        if (target === undefined) continue;
        assert.equal(target.port, expected, form);
        assert.equal(postfixPort(target), expected ?? null, form);
      }
    }));
  });

  it("property: any text parses without throwing, and a port it names is 1-65535", () => {
    const piece = fc.constantFrom("lmtp:", "smtp:", "relay:", "unix:", "inet:", ":", "[", "]", "::1", "h", "0", "24", "65535", "65536", "99999", "lmtp", "@", "/");
    fc.assert(fc.property(fc.array(piece, { maxLength: 8 }).map((a) => a.join("")), (text) => {
      const target = parsePostfixTarget(text);
      const port = target === undefined ? undefined : postfixPort(target);
      assert.ok(port === undefined || port === null || (Number.isInteger(port) && port >= 1 && port <= 65535), `${text}: ${String(port)}`);
    }));
  });
});
