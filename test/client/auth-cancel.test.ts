import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPAuthenticationError } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

// RFC 4954 §4: the server MUST answer the client's "*" with 501. A server that answers it
// with another 334 still waits for an answer and would read the next command as one; one
// that answers 235 has logged the client in after all. Either way the session is in a
// state the client cannot know: the connection is closed, so no later command's reply
// comes from the exchange.

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");

for (const [what, answer] of [["334 (still waiting for an answer)", "334 "], ["235 (logged in after all)", "235 2.7.0 ok"]] as const) {
  test(`a cancelled exchange whose '*' the server answers with ${what}: SMTPAuthenticationError, and the connection is closed`, async () => {
    const script = `${greeting(["AUTH CRAM-MD5"])}C: AUTH CRAM-MD5
S: 334 not base64!
C: *
S: ${answer}
`;
    await withScript(script, async (client) => {
      await assert.rejects(client.login("u", "p"), (err: unknown) => err instanceof SMTPAuthenticationError && /not valid base64/.test(err.message));
      await assert.rejects(client.noop(), /closed|connect/i);
    });
  });
}

// Any 4yz or 5yz (400, the lowest, included) ends the exchange: only the RFC's 501 is asked for.
for (const [what, code] of [["501, as RFC 4954 asks", 501], ["400 (a failure, though not the RFC's 501)", 400]] as const) {
  test(`a cancelled exchange answered with ${what}: the connection stays usable`, async () => {
    const script = `${greeting(["AUTH CRAM-MD5"])}C: AUTH CRAM-MD5
S: 334 not base64!
C: *
S: ${code} cancelled
C: NOOP
S: 250 2.0.0 ok
`;
    await withScript(script, async (client) => {
      await assert.rejects(client.login("u", "p"), (err: unknown) => err instanceof SMTPAuthenticationError && err.smtpCode === code);
      assert.equal((await client.noop()).code, 250);
    });
  });
}

for (const answer of ["334 ", "235 2.7.0 ok"]) {
  test(`a mechanism's own refusal of a challenge, '*' answered with ${answer.trim()}: the connection is closed`, async () => {
    const script = `${greeting(["AUTH PLAIN"])}C: AUTH PLAIN ${b64("\0u\0p")}
S: 334 
C: *
S: ${answer}
`;
    await withScript(script, async (client) => {
      await assert.rejects(client.login("u", "p"), (err: unknown) => err instanceof SMTPAuthenticationError && /unexpected extra challenge/.test(err.message));
      await assert.rejects(client.noop(), /closed|connect/i);
    });
  });
}
