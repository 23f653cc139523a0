/**
 * A pool words the client's advice in its errors as its own options (`inPoolWords`), but the
 * server's own words in a message (a reply's text, a recipient's reply, a line the client
 * quotes and marks with `serverSaid`) are the server's: a refusal saying "use SMTP_SSL" must
 * reach the pool's user as the server sent it, not as `use protocol: "smtps"`, which the
 * server never said. The client's words around them are still worded for the pool.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { serverSaid } from "../../src/error-text.js";
import { sentNothing } from "../../src/errors.js";
import { SMTPException, SMTPPool, SMTPRecipientsRefused, SMTPResponseException, SMTPServerDisconnected } from "../../src/index.js";
import { inPoolWords } from "../../src/pool/pool-wording.js";
import { greeting } from "../helpers/client.js";
import { startScriptServer } from "../helpers/script-server.js";

/** Server text made of phrases the pool rewords in the client's words. */
const SAID = "use SMTP_SSL, or port 465 with SMTP_SSL";

test("pool with requireTLS: STARTTLS refused with a text that reads as the client's advice -> the pool's error quotes it as the server sent it", async () => {
  const server = await startScriptServer(`${greeting(["STARTTLS"])}C: STARTTLS\nS: 454 4.7.0 ${SAID}\n-- wait 2000\n`);
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, localHostname: "client.test", requireTLS: true, timeout: 10_000 });
  try {
    const err: unknown = await pool.sendmail("a@x.test", "b@x.test", "hi\r\n").then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SMTPException, String(err));
    assert.ok(err.message.includes(`454 4.7.0 ${SAID}`), err.message);
    assert.doesNotMatch(err.message, /protocol: "smtps"/, err.message);
  } finally {
    await pool.close();
    await server.close();
  }
});

test("inPoolWords: a reply ending in a full stop, which the words saying nothing was sent took (an error told so before the pool words it), kept as the server sent it", () => {
  const said = "use SMTP_SSL; call starttls() before login() (or set requireTLS).";
  const err = sentNothing(new SMTPResponseException(454, `4.7.0 ${said}`)) as SMTPResponseException;
  assert.ok(err.message.endsWith(`${said.slice(0, -1)}: the message was not sent`), err.message);
  const before = err.message;
  inPoolWords(err);
  assert.equal(err.message, before);
});

test("inPoolWords: each refused recipient's reply kept (the same text twice, both times); a marked quote kept; the client's advice around them worded for the pool", () => {
  const refused = new SMTPRecipientsRefused(new Map([["b@y.test", { code: 550, message: `5.7.1 ${SAID}` }], ["c@y.test", { code: 550, message: `5.7.1 ${SAID}` }]]));
  const before = refused.message;
  assert.equal(inPoolWords(refused), refused);
  assert.equal(refused.message, before);
  assert.equal(refused.message.split(SAID).length, 3, refused.message);

  const line = `server ${SAID}`;
  const marked = serverSaid(new SMTPServerDisconnected(`Connection closed: "${line}" (use SMTP_SSL)`), line);
  inPoolWords(marked);
  assert.equal(marked.message, `Connection closed: "${line}" (use protocol: "smtps")`);
});
