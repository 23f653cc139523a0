import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPResponseException } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

// An AUTH exchange written raw (docmd, putcmd + getreply, send) whose server echoes the
// credentials: the transcript and any error show them masked, as for login(). The reply
// returned to the caller is what the server said (as Python returns it): the caller wrote
// the credentials, and a reply changed under it could break its own exchange.

const PASSWORD = "s3cr3t-PASSW0RD";
const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const PLAIN = b64(`\0alice\0${PASSWORD}`);

/** Runs `fn` on `script` with a transcript; returns its lines. */
async function traced(script: string, fn: (client: import("../../src/index.js").SMTP) => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  await withScript(script, async (client) => {
    await client.ehlo();
    await fn(client);
  }, { debugLevel: 1, debugOutput: (line) => lines.push(line) });
  return lines;
}

test("docmd AUTH PLAIN <base64>, refused with it echoed: masked in the transcript, returned as sent", async () => {
  const lines = await traced(`${greeting(["AUTH PLAIN"])}C: AUTH PLAIN ${PLAIN}
S: 535 5.7.8 bad credentials ${PLAIN}
`, async (client) => {
    const reply = await client.docmd("AUTH", `PLAIN ${PLAIN}`);
    assert.equal(reply.message, `5.7.8 bad credentials ${PLAIN}`);
  });
  assert.ok(lines.includes("S: 535 5.7.8 bad credentials ****"), lines.join("\n"));
  assert.ok(!lines.join("\n").includes(PLAIN));
});

test("AUTH LOGIN sent raw with putcmd/getreply, its password's answer echoed: masked in the transcript", async () => {
  const lines = await traced(`${greeting(["AUTH LOGIN"])}C: AUTH LOGIN ${b64("alice")}
S: 334 ${b64("Password:")}
C: ${b64(PASSWORD)}
S: 535 5.7.8 bad password ${b64(PASSWORD)}
C: NOOP
S: 250 ok ${b64(PASSWORD)}
`, async (client) => {
    await client.putcmd("AUTH LOGIN", b64("alice"));
    assert.equal((await client.getreply()).code, 334);
    await client.putcmd(b64(PASSWORD));
    assert.equal((await client.getreply()).code, 535);
    await client.docmd("NOOP");
  });
  assert.ok(lines.includes("S: 535 5.7.8 bad password ****"), lines.join("\n"));
  // The exchange is over: the NOOP after it shows as sent; a later reply that echoes its
  // credential is still masked (a 421 may quote it), until the connection's end.
  assert.ok(lines.includes("C: NOOP") && lines.includes("S: 250 ok ****"), lines.join("\n"));
});

test("AUTH PLAIN sent with send(), cut over two writes, refused with it echoed: masked in the transcript", async () => {
  const cut = 12;
  const lines = await traced(`${greeting(["AUTH LOGIN"])}C! AUTH PLAIN ${PLAIN.slice(0, cut)}
C: ${PLAIN.slice(cut)}
S: 535 5.7.8 bad credentials ${PLAIN}
`, async (client) => {
    await client.send(`AUTH PLAIN ${PLAIN.slice(0, cut)}`);
    await client.send(`${PLAIN.slice(cut)}\r\n`);
    assert.equal((await client.getreply()).code, 535);
  });
  assert.ok(lines.includes("S: 535 5.7.8 bad credentials ****"), lines.join("\n"));
});

test("docmd AUTH PLAIN <base64> answered by a malformed line that echoes it: masked in the error", async () => {
  await traced(`${greeting(["AUTH PLAIN"])}C: AUTH PLAIN ${PLAIN}
S: ERR ${PLAIN}
`, async (client) => {
    await assert.rejects(client.docmd(`AUTH PLAIN ${PLAIN}`), (err: unknown) => {
      assert.ok(err instanceof SMTPResponseException);
      assert.equal(err.smtpError, 'Malformed reply line "ERR ****"');
      return true;
    });
  });
});

test("docmd AUTH PLAIN and send() of LOGIN answers, refused with what the server decoded: the password is masked in the transcript", async () => {
  const lines = await traced(`${greeting(["AUTH PLAIN LOGIN"])}C: AUTH PLAIN ${PLAIN}
S: 535 5.7.8 bad credentials: decoded as \\x00alice\\x00${PASSWORD}
C: AUTH LOGIN
S: 334 VXNlcm5hbWU6
C: ${b64("alice")}
C: ${b64(PASSWORD)}
S: 334 UGFzc3dvcmQ6
S: 535 5.7.8 alice ${PASSWORD} refused
`, async (client) => {
    assert.equal((await client.docmd("AUTH", `PLAIN ${PLAIN}`)).code, 535);
    assert.equal((await client.docmd("AUTH LOGIN")).code, 334);
    await client.send(`${b64("alice")}\r\n${b64(PASSWORD)}\r\n`);
    assert.equal((await client.getreply()).code, 334);
    assert.equal((await client.getreply()).code, 535);
  });
  const all = lines.join("\n");
  assert.ok(!all.includes(PASSWORD), all);
  assert.ok(lines.includes("S: 535 5.7.8 bad credentials: decoded as ****"), all);
  assert.ok(lines.includes("S: 535 5.7.8 **** **** refused"), all);
});
