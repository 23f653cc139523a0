/**
 * Python's bound auth objects (auth_plain, auth_login, auth_cram_md5): credentials unset
 * (null or undefined, user or password) are one TypeError that says so, before anything is
 * sent, not a complaint about a field's type.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { authCramMd5Object, authLoginObject, authPlainObject, type CredentialsGetter } from "../../src/auth/auth-object.js";

const UNSET: ReturnType<CredentialsGetter>[] = [
  { user: null, password: "p" },
  { user: undefined, password: "p" },
  { user: "u", password: null },
  { user: "u", password: undefined },
  { password: "p" },
  { user: "u" },
];

test("auth objects: a user or password unset (null or undefined) is the TypeError 'user and password must be set before authenticating'", () => {
  for (const creds of UNSET) {
    const get: CredentialsGetter = () => creds;
    for (const authobject of [authPlainObject(get), authLoginObject(get, () => 0), authCramMd5Object(get)]) {
      assert.throws(() => authobject(), { name: "TypeError", message: "user and password must be set before authenticating" }, JSON.stringify(creds));
    }
  }
});
