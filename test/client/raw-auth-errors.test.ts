/**
 * A line of an AUTH exchange sent raw (`docmd`/`putcmd`) that cannot go on the wire (a CR,
 * LF or NUL, text past ASCII) is a TypeError before anything is sent, as any command is;
 * but its message never shows the line: it holds the credentials (debug output masks them,
 * and errors are logged as often). Other commands still show what was wrong.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { GREET, greeting, withScript } from "../helpers/client.js";

const SECRET = Buffer.from("\0user\0hunter2").toString("base64");

/** Asserts that `call` rejects with a TypeError that does not show the secret. */
async function refusedUnseen(call: Promise<unknown>, secret = SECRET): Promise<void> {
  await assert.rejects(call, (err: unknown) => {
    assert.ok(err instanceof TypeError, String(err));
    assert.ok(!err.message.includes(secret), err.message);
    return true;
  });
}

test("docmd/putcmd: an AUTH line, or an answer to its challenge, that cannot be sent is refused without showing it", async () => {
  const answer = Buffer.from("hunter2").toString("base64");
  const script = `${GREET}C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: *\nS: 501 cancelled\nC: NOOP\nS: 250 ok\n`;
  const lines: string[] = [];
  await withScript(script, async (client) => {
    await refusedUnseen(client.docmd("AUTH", `PLAIN ${SECRET}\n`));
    await refusedUnseen(client.putcmd(`AUTH PLAIN ${SECRET}\r\n`));
    await refusedUnseen(client.docmd("auth", `plain ${SECRET}\u00e9`));
    assert.equal((await client.docmd("AUTH LOGIN")).code, 334);
    await refusedUnseen(client.docmd(`${answer}\r\n`), answer);
    await refusedUnseen(client.putcmd(answer, "\0"), answer);
    assert.equal((await client.docmd("*")).code, 501);
    await client.noop();
  }, { debugLevel: 1, debugOutput: (l) => lines.push(l) });
  // Nothing refused was sent, nor did it start masking: the exchange shows as it went.
  assert.deepEqual(lines.filter((l) => l.startsWith("C: ")), ["C: AUTH LOGIN", "C: ****", "C: NOOP"]);
});

test("docmd/putcmd: a line whose CR or LF is followed by an AUTH command (several commands in one call) is refused without quoting it", async () => {
  await withScript(GREET, async (client) => {
    await refusedUnseen(client.docmd(`NOOP\r\nAUTH PLAIN ${SECRET}`));
    await refusedUnseen(client.docmd("NOOP", `x\nauth\tplain ${SECRET}`));
    await refusedUnseen(client.putcmd("RSET", `\r\n AUTH PLAIN ${SECRET}`));
  });
});

test("docmd: any other command that cannot be sent still shows its text in the TypeError", async () => {
  await withScript(GREET, async (client) => {
    await assert.rejects(client.docmd("XFOO", "bar\r\nRSET"), /command argument must not contain CR, LF or NUL: "bar\\r\\nRSET"/);
  });
});

// A raw AUTH line (docmd/putcmd) that cannot be sent is a TypeError that does not quote
// the line: it holds credentials, base64 or (a likely mistake) not yet encoded.

const PASSWORD = "pässwört-S3cret";
const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const hides = (secret: string) => (err: unknown): boolean => err instanceof TypeError && !err.message.includes(secret) && !err.message.includes(b64(secret)) && true;

test("docmd/putcmd: an AUTH line with CR, LF, NUL or text past ASCII is refused without quoting the credentials", async () => {
  const script = `${greeting(["AUTH LOGIN PLAIN"])}C: AUTH LOGIN
S: 334 VXNlcm5hbWU6
C: *
S: 501 5.7.0 cancelled
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await assert.rejects(client.docmd("AUTH PLAIN", `\0u\0${PASSWORD}`), hides(PASSWORD), "raw credentials, not base64");
    await assert.rejects(client.docmd("AUTH", `PLAIN ${b64(`\0u\0${PASSWORD}`)}\r\n`), hides(`\0u\0${PASSWORD}`), "a CRLF too many");
    await assert.rejects(client.putcmd("auth plain", `${b64(`\0u\0${PASSWORD}`)}\n`), hides(`\0u\0${PASSWORD}`));
    assert.equal((await client.docmd("AUTH LOGIN")).code, 334);
    // the answer to a challenge: the password itself, not base64
    await assert.rejects(client.docmd(PASSWORD), hides(PASSWORD));
    assert.equal((await client.docmd("*")).code, 501);
  });
});

test("docmd: an AUTH line whose words are separated by other white space (\\v, a no-break space) is masked in traces and not quoted in errors", async () => {
  const secret = b64(`\0u\0${PASSWORD}`);
  const lines: string[] = [];
  await withScript(`${GREET}C: AUTH\vPLAIN ${secret}\nS: 501 5.5.2 syntax error\n`, async (client) => {
    assert.equal((await client.docmd("AUTH\vPLAIN", secret)).code, 501);
    await assert.rejects(client.docmd("AUTH\u00a0PLAIN", secret), hides(`\0u\0${PASSWORD}`));
  }, { debugLevel: 1, debugOutput: (l) => lines.push(l) });
  assert.ok(lines.length > 0 && !lines.some((l) => l.includes(secret)), lines.join("\n"));
});

test("send(): raw bytes that start an AUTH command with other white space (\\v) mask the answers that follow", async () => {
  const secret = b64(PASSWORD);
  const lines: string[] = [];
  await withScript(`${GREET}C: AUTH\vLOGIN\nS: 334 UGFzc3dvcmQ6\nC: ${secret}\nS: 235 ok\n`, async (client) => {
    await client.send("AUTH\vLOGIN\r\n");
    assert.equal((await client.getreply()).code, 334);
    assert.equal((await client.docmd(secret)).code, 235);
  }, { debugLevel: 1, debugOutput: (l) => lines.push(l) });
  assert.ok(lines.length > 0 && !lines.some((l) => l.includes(secret)), lines.join("\n"));
});

test("send(): an AUTH command after another command in the same raw bytes masks the answers that follow; the earlier command's reply does not end that", async () => {
  const user = Buffer.from("user").toString("base64");
  const pass = Buffer.from("hunter2").toString("base64");
  const script = `${GREET}C: NOOP\nC: AUTH LOGIN\nS: 250 ok\nS: 334 VXNlcm5hbWU6\nC: ${user}\nS: 334 UGFzc3dvcmQ6\nC: ${pass}\nS: 235 ok\nC: NOOP\nS: 250 ok\n`;
  const lines: string[] = [];
  await withScript(script, async (client) => {
    await client.send("NOOP\r\nAUTH LOGIN\r\n");
    assert.equal((await client.getreply()).code, 250);
    assert.equal((await client.getreply()).code, 334);
    await client.putcmd(user);
    assert.equal((await client.getreply()).code, 334);
    await client.putcmd(pass);
    assert.equal((await client.getreply()).code, 235);
    await client.noop();
  }, { debugLevel: 1, debugOutput: (l) => lines.push(l) });
  const all = lines.join("\n");
  assert.ok(!all.includes(pass) && !all.includes(user), all);
  assert.equal(lines.at(-2), "C: NOOP", all);
});
