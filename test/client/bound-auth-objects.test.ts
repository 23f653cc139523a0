/**
 * Python's bound auth objects (`authPlain`, `authLogin`, `authCramMd5`) given to `auth()`:
 * PLAIN's and LOGIN's reveal the password whatever the mechanism is called, so on a link in
 * clear that is not loopback (here a `socketFactory` socket: its peer is a proxy, not the
 * server) they are refused before anything is sent; unset credentials are a TypeError
 * before anything is sent, even when the auth object would be asked only at the first
 * challenge; and `login()` keeps the password for them, as Python's does.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { SMTP, SMTPException, type SMTPOptions } from "../../src/index.js";
import { GREET, greeting, LOCAL } from "../helpers/client.js";
import { expectedClientBytes, startScriptServer } from "../helpers/script-server.js";

const BASE: SMTPOptions = { localHostname: LOCAL, timeout: 5000 };

/** Runs `script` with a client connected through a socketFactory (a link that is not loopback). */
async function throughFactory(script: string, run: (client: SMTP) => Promise<void>): Promise<void> {
  const server = await startScriptServer(script);
  try {
    const client = await SMTP.connect("mx.example.test", 25, { ...BASE, socketFactory: () => net.connect(server.port, "127.0.0.1") });
    await run(client);
    await client.quit();
    await server.done;
    assert.equal(server.received(), expectedClientBytes(script), "the bytes the client wrote");
  } finally {
    await server.close();
  }
}

describe("bound auth objects on a link in clear, not loopback", () => {
  for (const [object, name] of [["authPlain", "X-PLAIN"], ["authLogin", "X-LOGIN"]] as const) {
    it(`auth("${name}", ${object}) is refused, naming allowInsecureAuth; no AUTH line is sent`, async () => {
      await throughFactory(`${GREET}C: QUIT\nS: 221 bye\n`, async (client) => {
        client.user = "user";
        client.password = "secret";
        await assert.rejects(client.auth(name, client[object]), (err: unknown) => {
          assert.ok(err instanceof SMTPException, String(err));
          assert.match(err.message, new RegExp(`^Refusing AUTH ${name} to mx\\.example\\.test: the connection is not encrypted.*allowInsecureAuth: true`));
          return true;
        });
      });
    });
  }

  it("a caller's own auth object under a name that reveals nothing is not refused", async () => {
    await throughFactory(`${GREET}C: AUTH X-TOKEN dG9rZW4=\nS: 235 ok\nC: QUIT\nS: 221 bye\n`, async (client) => {
      assert.equal((await client.auth("X-TOKEN", () => "token")).code, 235);
    });
  });
});

describe("bound auth objects without credentials", () => {
  it("auth(\"PLAIN\", authPlain) with no initial response: TypeError before AUTH is sent", async () => {
    const server = await startScriptServer(`${greeting(["AUTH PLAIN"])}C: QUIT\nS: 221 bye\n`);
    try {
      const client = await SMTP.connect("127.0.0.1", server.port, BASE);
      await client.ehlo();
      await assert.rejects(client.auth("PLAIN", client.authPlain, { initialResponseOk: false }), {
        name: "TypeError", message: "user and password must be set before authenticating",
      });
      await client.quit();
      await server.done;
    } finally {
      await server.close();
    }
  });
});

describe("login() keeps the credentials for the bound auth objects", () => {
  it("user and password are those of the last login(), and authPlain answers with them", async () => {
    const script = `${greeting(["AUTH PLAIN"])}C: AUTH PLAIN AHVzZXIAc2VjcmV0\nS: 535 no\nC: AUTH PLAIN AHVzZXIAc2VjcmV0\nS: 235 ok\nC: QUIT\nS: 221 bye\n`;
    const server = await startScriptServer(script);
    try {
      const client = await SMTP.connect("127.0.0.1", server.port, BASE);
      await assert.rejects(client.login("user", "secret"), { name: "SMTPAuthenticationError" });
      assert.equal(client.user, "user");
      assert.equal(client.password, "secret");
      assert.equal((await client.auth("PLAIN", client.authPlain)).code, 235);
      await client.quit();
      await server.done;
      assert.equal(server.received(), expectedClientBytes(script));
    } finally {
      await server.close();
    }
  });
});
