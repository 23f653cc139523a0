import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTP, SMTP_SSL } from "../../src/index.js";

// `user` and `password` are writable, as in Python. A value of the wrong type (a number read
// from a configuration file, a Buffer, an object) used to be kept as it was, and refused only
// at login(), far from the assignment; a password's TypeError must never show the value.

const SECRET = 20251201;
const WRONG: readonly [unknown, string][] = [
  [SECRET, "a number"],
  [Buffer.from(String(SECRET)), "an object"],
  [{ toString: () => String(SECRET) }, "an object"],
  [[String(SECRET)], "an array"],
  [true, "a boolean"],
  [BigInt(SECRET), "a bigint"],
];

for (const Cls of [SMTP, SMTP_SSL, LMTP]) {
  for (const what of ["user", "password"] as const) {
    test(`${Cls.name}: ${what} = a value that is not a string is a TypeError at the assignment, naming ${what} and the type, never the value`, () => {
      const client = new Cls();
      client[what] = "kept";
      for (const [value, type] of WRONG) {
        assert.throws(() => { (client as unknown as Record<string, unknown>)[what] = value; }, (err: unknown) => {
          assert.ok(err instanceof TypeError);
          assert.equal(err.message, `${what} must be a string or null, got ${type}`);
          assert.ok(!err.message.includes(String(SECRET)));
          return true;
        });
        assert.equal(client[what], "kept"); // the last good value stays
      }
    });

    test(`${Cls.name}: ${what} takes a string, and null or undefined for none (read back as null)`, () => {
      const client = new Cls();
      assert.equal(client[what], null);
      client[what] = "p\u00e4ss word"; // any text: its CR, LF and NUL are checked at login()
      assert.equal(client[what], "p\u00e4ss word");
      client[what] = null;
      assert.equal(client[what], null);
      client[what] = "x";
      (client as unknown as Record<string, unknown>)[what] = undefined;
      assert.equal(client[what], null);
    });
  }
}
