// The debugging server's transcript logger by property: an AUTH command's credentials and
// the SASL answers after it never reach a transcript line, whatever white space separates
// the words and whether or not smtp-server masked them first.

import { test } from "node:test";
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { createTranscriptLogger, type TranscriptEntry } from "../../src/server/transcript.js";

/** smtp-server's own masking (smtp-connection.js `_redactCredentials`), as it logs a command line. */
function smtpServerLogs(line: string, continuation: boolean): { command: string; line: string } {
  const name = line.split(" ").shift()!.toUpperCase();
  if (continuation) return { command: "AUTH", line: "/* secured */" };
  const parts = line.trim().split(/\s+/);
  return name === "AUTH" && parts.length > 2 ? { command: name, line: `${parts.slice(0, 2).join(" ")} /* secured */` } : { command: name, line };
}

const blank = fc.string({ unit: fc.constantFrom(" ", "\t", "\v", "\f", "\u00a0", "\u2003", "\u3000"), minLength: 1, maxLength: 3 });
const secret = fc.stringMatching(/^[A-Za-z0-9+/]{12,30}={0,2}$/);
const verb = fc.constantFrom("AUTH", "auth", "Auth");
const mech = fc.constantFrom("PLAIN", "LOGIN", "XOAUTH2", "plain");

test("property: AUTH's initial response and the answers that follow (masked by smtp-server or not) never reach the transcript", () => {
  fc.assert(fc.property(fc.tuple(blank, blank, blank), verb, mech, secret, fc.array(secret, { maxLength: 2 }), fc.boolean(), fc.boolean(),
    ([lead, b1, b2], v, m, initial, answers, leading, serverMasks) => {
      const entries: TranscriptEntry[] = [];
      const logger = createTranscriptLogger((e) => entries.push(e));
      const send = (line: string, continuation = false): void => {
        const logged = serverMasks ? smtpServerLogs(line, continuation) : { command: line.split(" ").shift()!.toUpperCase(), line };
        logger.debug({ tnx: "command", cid: "s1", command: logged.command }, "C:", logged.line);
      };
      send(`${leading ? lead : ""}${v}${b1}${m}${b2}${initial}`);
      for (const a of answers) send(a, true);
      send("NOOP");
      const text = entries.map((e) => e.line).join("\n");
      for (const s of [initial, ...answers]) assert.ok(!text.includes(s), text);
      assert.equal(entries.at(-1)?.line, "NOOP");
    }), { numRuns: 2000 });
});

// What a client may put between AUTH, its mechanism and its credentials when it gets the
// syntax wrong: smtp-server answers 504 or 500 and logs the line as sent.
const glue = fc.string({ unit: fc.constantFrom(" ", "\t", "\0", "=", ",", ":", ";", "\v", "\u00a0"), minLength: 1, maxLength: 2 });

test("property: an AUTH line whose words are glued by anything (AUTH PLAIN=<base64>, AUTH\\0PLAIN\\0<base64>, AUTHENTICATE) never shows its credentials", () => {
  fc.assert(fc.property(fc.constantFrom("AUTH", "auth", "AUTHENTICATE"), glue, mech, glue, secret, fc.boolean(),
    (v, g1, m, g2, initial, serverMasks) => {
      const entries: TranscriptEntry[] = [];
      const logger = createTranscriptLogger((e) => entries.push(e));
      const line = `${v}${g1}${m}${g2}${initial}`;
      const logged = serverMasks ? smtpServerLogs(line, false) : { command: line.split(" ").shift()!.toUpperCase(), line };
      logger.debug({ tnx: "command", cid: "s1", command: logged.command }, "C:", logged.line);
      const text = entries.map((e) => e.line).join("\n");
      assert.ok(!text.includes(initial), text);
      assert.match(text, /^(AUTH|auth|AUTHENTICATE) /);
    }), { numRuns: 2000 });
});

test("an AUTH line's verb and mechanism stay when set off by white space; a SASL answer that begins as AUTH does is masked whole", () => {
  const entries: TranscriptEntry[] = [];
  const logger = createTranscriptLogger((e) => entries.push(e));
  const send = (line: string): void => logger.debug({ tnx: "command", cid: "s1", command: line.split(" ").shift()!.toUpperCase() }, "C:", line);
  for (const line of ["AUTH LOGIN", "AUTH PLAIN=AGFsaWNlAHB3", "AUTHzZWNyZXQ=", "AUTH\0PLAIN\0AGFsaWNlAHB3", "NOOP", "auth  plain  AGFsaWNlAHB3"]) send(line);
  // after an AUTH, one naming no mechanism set off by white space may be an answer sent unasked: masked whole
  assert.deepEqual(entries.map((e) => e.line), ["AUTH LOGIN", "***", "***", "***", "NOOP", "auth plain ***"]);
  // with no AUTH before it, the glued line's verb stays
  const fresh: TranscriptEntry[] = [];
  const logger2 = createTranscriptLogger((e) => fresh.push(e));
  for (const line of ["AUTH PLAIN=AGFsaWNlAHB3", "NOOP", "AUTH\0PLAIN\0AGFsaWNlAHB3"]) logger2.debug({ tnx: "command", cid: "s1", command: line.split(" ").shift()!.toUpperCase() }, "C:", line);
  assert.deepEqual(fresh.map((e) => e.line), ["AUTH ***", "NOOP", "AUTH ***"]);
});
