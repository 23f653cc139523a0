import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addressLiteral, heloDomain } from "../../src/transport/local-name.js";

describe("heloDomain: a computed host name as an EHLO argument", () => {
  it("keeps a fully qualified name, without its trailing dot", () => {
    assert.equal(heloDomain("mail.example.org"), "mail.example.org");
    assert.equal(heloDomain("MAIL.Example.ORG"), "MAIL.Example.ORG");
    assert.equal(heloDomain("host-1.example."), "host-1.example");
    assert.equal(heloDomain("1host.example"), "1host.example");
  });

  it("gives an internationalized name in A-labels (RFC 6531 §3.7.1: EHLO is ASCII)", () => {
    assert.equal(heloDomain("bücher.example"), "xn--bcher-kva.example");
  });

  it("refuses what is not an RFC 5321 domain with a dot", () => {
    for (const bad of ["my host.example", "my_pc.example", "-bad.example", "bad-.example", "a..example", ".example",
      "nodots", "", "127.0.0.1", "host.example\t", `${"a".repeat(64)}.example`, "[127.0.0.1]", "a.b\x1b"]) {
      assert.equal(heloDomain(bad), null, JSON.stringify(bad));
    }
  });
});

describe("addressLiteral (RFC 5321 §4.1.3)", () => {
  it("brackets IPv4, tags IPv6, unmaps IPv4-mapped IPv6 and drops a zone", () => {
    assert.equal(addressLiteral("192.0.2.1"), "[192.0.2.1]");
    assert.equal(addressLiteral("2001:db8::1"), "[IPv6:2001:db8::1]");
    assert.equal(addressLiteral("::ffff:192.0.2.1"), "[192.0.2.1]");
    assert.equal(addressLiteral("fe80::1%eth0"), "[IPv6:fe80::1]");
  });
});
