// The CLI's flag value readers by property: host:port, user:password (and --auth-file's
// lines) give back what they were made from; an extension name is one of the known ones.

import { test } from "node:test";
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { CommanderError } from "commander";
import { EXTENSIONS, parseExtensions, parseHostPort, parseUserPass } from "../../src/cli/flag-values.js";
import { parseAuthFile } from "../../src/cli/auth-file.js";

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
const name = fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join("."));
const port = fc.integer({ min: 0, max: 65535 });

test("property: host:port, [IPv6]:port and [IPv4]:port give back the host and port; a bare IPv6 address port 0", () => {
  fc.assert(fc.property(name, port, (host, p) => {
    assert.deepEqual(parseHostPort(`${host}:${p}`), { host, port: p });
    assert.deepEqual(parseHostPort(host), { host, port: 0 });
  }));
  fc.assert(fc.property(fc.ipV6(), port, (host, p) => {
    assert.deepEqual(parseHostPort(`[${host}]:${p}`), { host, port: p });
    assert.deepEqual(parseHostPort(`[${host}]`), { host, port: 0 });
    assert.deepEqual(parseHostPort(host), { host, port: 0 });
  }));
  fc.assert(fc.property(fc.ipV4(), port, (host, p) => {
    assert.deepEqual(parseHostPort(`${host}:${p}`), { host, port: p });
    assert.deepEqual(parseHostPort(`[${host}]:${p}`), { host, port: p });
  }));
});

const user = fc.string({ minLength: 1, maxLength: 12 }).filter((u) => !/[:\r\n]/.test(u) && u === u.trim() && u !== "" && !u.startsWith("#"));
const password = fc.string({ maxLength: 16 }).filter((p) => !/[\r\n]/.test(p));

test("property: user:password gives back the user and the password, colons and spaces kept", () => {
  fc.assert(fc.property(user, password, (u, p) => {
    assert.deepEqual(parseUserPass(`${u}:${p}`), [u, p]);
  }));
});

test("property: an --auth-file made of user:password lines (LF or CRLF, comments, blank lines, a BOM) gives back its users", () => {
  const entry = fc.tuple(user, password);
  const noise = fc.constantFrom("", "   ", "# a comment: not:a user", "  #x");
  fc.assert(fc.property(fc.array(entry, { minLength: 1, maxLength: 6 }), fc.array(noise, { maxLength: 3 }), fc.constantFrom("\n", "\r\n"), fc.boolean(), (entries, extra, eol, bom) => {
    const text = (bom ? "\uFEFF" : "") + [...extra, ...entries.map(([u, p]) => `${u}:${p}`)].join(eol);
    assert.deepEqual(parseAuthFile(text, "f"), new Map(entries));
  }));
});

test("serve --hide/--offer: a name that is not a known extension is a usage error, Object.prototype's names included", () => {
  for (const bad of ["constructor", "__proto__", "toString", "valueOf", "nope"]) {
    assert.throws(() => parseExtensions([bad], []), (e: unknown) => e instanceof CommanderError && /unknown extension/.test(e.message), bad);
    assert.throws(() => parseExtensions([], [bad]), CommanderError, bad);
  }
  for (const known of Object.keys(EXTENSIONS)) assert.doesNotThrow(() => parseExtensions([known.toUpperCase()], []), known);
});
