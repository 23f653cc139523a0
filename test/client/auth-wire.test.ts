import assert from "node:assert/strict";
import { test } from "node:test";
import { createScramSha256Mechanism, SMTP, SMTPAuthenticationError, SMTPException, SMTPNotSupportedError, SMTPPool } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";
import { startScriptServer } from "../helpers/script-server.js";

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const EHLO = (auth: string): string => greeting([`AUTH ${auth}`]);

test("login prefers CRAM-MD5 over PLAIN and LOGIN, as the registry orders them (RFC 2195 vector)", async () => {
  const challenge = "<1896.697170952@postoffice.reston.mci.net>";
  const script = `${EHLO("LOGIN PLAIN CRAM-MD5")}C: AUTH CRAM-MD5
S: 334 ${b64(challenge)}
C: ${b64("tim b913a602c7eda7a495b4e6e7334d3890")}
S: 235 2.7.0 ok
`;
  await withScript(script, async (client) => {
    const reply = await client.login("tim", "tanstaaftanstaaf");
    assert.equal(reply.code, 235);
    assert.equal(reply.enhancedStatus, "2.7.0");
  });
});

test("login falls back to the next mechanism and throws the last SMTPAuthenticationError", async () => {
  const script = `${EHLO("PLAIN LOGIN")}C: AUTH PLAIN ${b64("\0jürgen\0pässwörd")}
S: 535 5.7.8 nope
C: AUTH LOGIN ${b64("jürgen")}
S: 334 ${b64("Password:")}
C: ${b64("pässwörd")}
S: 535 5.7.8 still no
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.login("jürgen", "pässwörd"), (err: unknown) => {
      assert.ok(err instanceof SMTPAuthenticationError);
      assert.equal(err.smtpError, "5.7.8 still no");
      assert.ok(!String(err.message).includes("pässwörd"));
      return true;
    });
  });
});

test("auth() with Python's bound auth objects; 503 is not success", async () => {
  const script = `${EHLO("LOGIN")}C: AUTH LOGIN
S: 334 ${b64("Username:")}
C: ${b64("u")}
S: 334 ${b64("Password:")}
C: ${b64("p")}
S: 235 ok
C: AUTH PLAIN ${b64("\0u\0p")}
S: 503 already authenticated
`;
  await withScript(script, async (client) => {
    client.user = "u";
    client.password = "p";
    await client.ehlo();
    assert.equal((await client.auth("login", client.authLogin, { initialResponseOk: false })).code, 235);
    await assert.rejects(client.auth("PLAIN", client.authPlain), SMTPAuthenticationError);
  });
});

test("no AUTH advertised: SMTPNotSupportedError; nothing matching: SMTPException", async () => {
  await withScript(`S: 220 mx\nC: EHLO client.test\nS: 250 mx`, async (client) => {
    await assert.rejects(client.login("u", "p"), SMTPNotSupportedError);
  });
  await withScript(EHLO("GSSAPI NTLM"), async (client) => {
    await assert.rejects(client.login("u", "p"), (err: unknown) => err instanceof SMTPException && err.message === "No suitable authentication method found.");
  });
});

test("no AUTH advertised on a link in clear by a server that offers STARTTLS: the error says AUTH may come with TLS, and how (only then)", async () => {
  const advice = /not supported by server\. The server offers STARTTLS, and many servers offer AUTH only over TLS: call starttls\(\) before login\(\) \(or set requireTLS\)\.$/;
  await withScript(greeting(["STARTTLS", "PIPELINING"]), async (client) => {
    await assert.rejects(client.login("u", "p"), (err: unknown) => err instanceof SMTPNotSupportedError && advice.test(err.message));
  });
  // No STARTTLS on offer: the plain message, as before.
  await withScript(greeting(["PIPELINING"]), async (client) => {
    await assert.rejects(client.login("u", "p"), (err: unknown) => err instanceof SMTPNotSupportedError && err.message === "SMTP AUTH extension not supported by server.");
  });
});

test("loginWith a token uses OAUTHBEARER, calling the token function", async () => {
  let calls = 0;
  const server = await startScriptServer(`${EHLO("OAUTHBEARER XOAUTH2 PLAIN")}C! AUTH OAUTHBEARER `);
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: "client.test" });
  try {
    const p = client.loginWith({ user: "u@x.test", token: async () => { calls++; return "tok123"; } });
    await server.done;
    await new Promise((r) => setTimeout(r, 50));
    client.close();
    await p.catch(() => undefined);
  } finally {
    await server.close();
  }
  const line = server.received().split("\r\n")[1]!;
  assert.ok(line.startsWith("AUTH OAUTHBEARER "), line);
  const sent = Buffer.from(line.slice("AUTH OAUTHBEARER ".length), "base64").toString();
  assert.equal(sent, `n,a=u@x.test,\x01host=127.0.0.1\x01port=${server.port}\x01auth=Bearer tok123\x01\x01`);
  assert.equal(calls, 1);
});

/**
 * RFC 7677's SCRAM-SHA-256 example: a registry whose client uses its nonce, and the
 * server-first and client-final messages of the exchange (user "user", password "pencil").
 */
async function rfc7677(): Promise<{ registry: InstanceType<typeof import("../../src/index.js").AuthRegistry>; serverFirst: string; clientFinal: string }> {
  const { AuthRegistry } = await import("../../src/index.js");
  const { createScramSha256Mechanism } = await import("../../src/auth/scram-sha-256.js");
  return {
    registry: new AuthRegistry([createScramSha256Mechanism({ nonce: () => "rOprNGfwEbeRWgbNEkqO" })]),
    serverFirst: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    clientFinal: "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
  };
}

test("SCRAM: a 235 without the server's signature fails and closes the connection (RFC 7677 vector)", async () => {
  const { registry, serverFirst, clientFinal } = await rfc7677();
  const script = `${EHLO("SCRAM-SHA-256")}C: AUTH SCRAM-SHA-256 ${b64("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")}
S: 334 ${b64(serverFirst)}
C: ${b64(clientFinal)}
S: 235 2.7.0 ok
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.login("user", "pencil"), (err: unknown) => err instanceof SMTPAuthenticationError && err.smtpCode === 235);
    await assert.rejects(client.noop(), /closed|connect/i);
  }, { authRegistry: registry });
});

test("SCRAM: the transcript shows the server's challenges (salt, iterations, signature v=) by their length only, so it cannot be used to test password guesses; other replies as they are", async () => {
  const { registry, serverFirst, clientFinal } = await rfc7677();
  const serverFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
  const script = `${EHLO("SCRAM-SHA-256")}C: AUTH SCRAM-SHA-256 ${b64("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")}
S: 334 ${b64(serverFirst)}
C: ${b64(clientFinal)}
S: 334 ${b64(serverFinal)}
C:${" "}
S: 235 2.7.0 ok
C: NOOP
S: 334 not a challenge here
`;
  const lines: string[] = [];
  await withScript(script, async (client) => {
    assert.equal((await client.login("user", "pencil")).code, 235);
    assert.equal((await client.noop()).code, 334);
  }, { authRegistry: registry, debugLevel: 1, debugOutput: (line) => void lines.push(line) });
  const transcript = lines.join("\n");
  for (const secret of [b64(serverFirst), b64(serverFinal), b64(clientFinal)]) assert.ok(!transcript.includes(secret), transcript);
  assert.ok(lines.includes(`S: 334 <challenge, ${b64(serverFinal).length} characters, not shown>`), transcript);
  assert.ok(lines.includes("S: 235 2.7.0 ok") && lines.includes("S: 334 not a challenge here"), transcript);
});

test("loginWith an authzid skips CRAM-MD5, which cannot carry it, and acts as that identity over PLAIN", async () => {
  // Before: CRAM-MD5 (preferred) logged in as "admin" itself and the authzid was dropped.
  const script = `${EHLO("CRAM-MD5 PLAIN")}C: AUTH PLAIN ${b64("bob\0admin\0pw")}
S: 235 2.7.0 ok
`;
  await withScript(script, async (client) => {
    assert.equal((await client.loginWith({ user: "admin", password: "pw", authzid: "bob" })).code, 235);
  });
});

test("login with a lone surrogate in the password: TypeError before EHLO, as for CR, LF and NUL", async () => {
  await withScript("S: 220 mx.test ESMTP\n", async (client) => {
    await assert.rejects(client.login("u", "pa\uD83D"), (err: unknown) => err instanceof TypeError && /password.*lone surrogate/.test(err.message));
  });
});

test("a boolean option set to null is not given (README): login's initialResponseOk: null sends the initial response, SCRAM's plus: null is plain SCRAM", async () => {
  const script = `${EHLO("PLAIN")}C: AUTH PLAIN ${b64("\0u\0p")}
S: 235 ok
`;
  await withScript(script, async (client) => {
    assert.equal((await client.login("u", "p", { initialResponseOk: null as never })).code, 235);
  });
  assert.equal(createScramSha256Mechanism({ plus: null as never }).name, "SCRAM-SHA-256");
  assert.throws(() => createScramSha256Mechanism({ plus: 0 as never }), /plus must be true or false, got number 0/);
});

test("loginWith()'s credentials with a key set to null (README: not given): { authzid: null, token: null } logs in as the user itself, as a pool's auth does", async () => {
  // Before: TypeError "authorization identity must be a string" before EHLO.
  const script = `${EHLO("PLAIN")}C: AUTH PLAIN ${b64("\0u\0p")}
S: 235 ok
`;
  await withScript(script, async (client) => {
    assert.equal((await client.loginWith({ user: "u", password: "p", authzid: null, token: null } as never)).code, 235);
  });
  assert.doesNotThrow(() => new SMTPPool({ host: "127.0.0.1", auth: { user: "u", password: "p", authzid: null } as never }));
});

test("auth() with a name that is no SASL mechanism name: TypeError before EHLO and STARTTLS, even with requireTLS", async () => {
  await withScript("S: 220 mx.test ESMTP\n", async (client) => {
    for (const name of ["PLAIN\r\nQUIT", "A B", ""]) {
      await assert.rejects(client.auth(name, () => null), TypeError);
    }
  }, { requireTLS: true });
});
