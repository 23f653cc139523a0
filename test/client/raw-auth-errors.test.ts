import assert from "node:assert/strict";
import { test } from "node:test";
import { greeting, withScript } from "../helpers/client.js";

// A raw AUTH line (docmd/putcmd) that cannot be sent is a TypeError that does not quote
// the line: it holds credentials, base64 or (a likely mistake) not yet encoded.

const PASSWORD = "pässwört-S3cret";
const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const hides = (secret: string) => (err: unknown): boolean => err instanceof TypeError && !err.message.includes(secret) && !err.message.includes(b64(secret)) && /AUTH/.test(err.message);

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
