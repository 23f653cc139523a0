/**
 * Shortcuts for client tests: connect an SMTP/LMTP client to a scripted server.
 */

import assert from "node:assert/strict";
import { LMTP, SMTP, type SMTPOptions } from "../../src/index.js";
import { expectedClientBytes, startScriptServer, type ScriptServer } from "./script-server.js";

/** The EHLO name every test client uses, so transcripts are fixed. */
export const LOCAL = "client.test";

/** Starts a script server and connects a client with `localHostname: LOCAL`. */
export async function scripted<T extends typeof SMTP | typeof LMTP = typeof SMTP>(
  script: string, options: SMTPOptions = {}, cls?: T,
): Promise<{ server: ScriptServer; client: InstanceType<T> }> {
  const server = await startScriptServer(script);
  const Cls = (cls ?? SMTP) as typeof SMTP;
  const client = await Cls.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000, ...options });
  return { server, client: client as InstanceType<T> };
}

/**
 * Runs `fn` against a scripted server, then checks that the client sent exactly the
 * script's C: bytes, and always closes both ends.
 */
export async function withScript<T extends typeof SMTP | typeof LMTP = typeof SMTP>(
  script: string,
  fn: (client: InstanceType<T>, server: ScriptServer) => Promise<void>,
  options: SMTPOptions = {},
  cls?: T,
): Promise<void> {
  const server = await startScriptServer(script);
  const Cls = (cls ?? SMTP) as typeof SMTP;
  let client: SMTP | undefined;
  try {
    client = await Cls.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000, ...options });
    await fn(client as InstanceType<T>, server);
    await server.done;
    assert.equal(server.received(), expectedClientBytes(script));
  } finally {
    client?.close();
    await server.close();
  }
}

/**
 * A `debugOutput` for a client with `debugLevel: 1`, and `heard`, resolved once a line of its
 * trace includes `text` (never when `text` is undefined): a test awaits it to know that a
 * reply has come (and is held, when no command waits for it).
 */
export function heardInTrace(text: string | undefined): { heard: Promise<void>; debugOutput: (line: string) => void } {
  let resolve: () => void = () => undefined;
  const heard = new Promise<void>((r) => { resolve = r; });
  return { heard, debugOutput: (line) => { if (text !== undefined && line.includes(text)) resolve(); } };
}

/**
 * The opening of a script: the server's greeting, the client's EHLO (or LHLO) as
 * `client.test`, and a 250 reply advertising `extensions` in order.
 */
export function greeting(extensions: readonly string[], verb: "EHLO" | "LHLO" = "EHLO"): string {
  const banner = verb === "LHLO" ? "lmtp.test LMTP ready" : "mx.test ESMTP";
  const lines = [verb === "LHLO" ? "lmtp.test" : "mx.test", ...extensions];
  const replies = lines.map((text, i) => `S: 250${i === lines.length - 1 ? " " : "-"}${text}`);
  return `\nS: 220 ${banner}\nC: ${verb} client.test\n${replies.join("\n")}\n`;
}

/** The opening of a script: the server's 220 greeting alone (the test says EHLO, or not). */
export const GREET = "S: 220 mx.test ESMTP\n";

/** The opening of a script whose server offers SIZE 100000 and 8BITMIME. */
export const EHLO_SIZE_8BITMIME = greeting(["SIZE 100000", "8BITMIME"]);

/** The opening of a script whose server offers PIPELINING alone. */
export const EHLO_PIPELINING = greeting(["PIPELINING"]);

/** The opening of an LMTP script: greeting, LHLO, and a reply offering ENHANCEDSTATUSCODES. */
export const LHLO = greeting(["ENHANCEDSTATUSCODES"], "LHLO");

/** The opening of an LMTP script whose server offers ENHANCEDSTATUSCODES and PIPELINING. */
export const LHLO_PIPELINING = greeting(["ENHANCEDSTATUSCODES", "PIPELINING"], "LHLO");

/** An LMTP script up to the 354: LHLO, then MAIL from a@x.test, RCPT r1@y.test and r2@y.test, DATA, one at a time. */
export const LMTP_TWO_TO_DATA = `${LHLO}C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 250 ok
C: RCPT TO:<r2@y.test>
S: 250 ok
C: DATA
S: 354 go
`;

/** The opening of a script with a server that refuses EHLO (502) and accepts HELO: no extensions. */
export const HELO_ONLY = "\nS: 220 mx.test\nC: EHLO client.test\nS: 502 no\nC: HELO client.test\nS: 250 hi\n";

/** Script lines: the client's MAIL, RCPT and DATA for a@x.test -> b@y.test, written as one pipelined group. */
export const PIPELINED_GROUP = "C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: DATA\n";

/**
 * A whole session: EHLO (PIPELINING), one pipelined message "hi" from a@x.test to b@y.test
 * accepted, and QUIT.
 */
export const ONE_PIPELINED_HI = `${greeting(["PIPELINING"])}${PIPELINED_GROUP}S: 250 ok
S: 250 ok
S: 354 go
C: hi
C: .
S: 250 queued
C: QUIT
S: 221 bye
`;

/** Script lines: MAIL, RCPT and DATA for a@x.test -> b@y.test one at a time, each answered, up to the 354. */
export const LOCK_STEP_TO_DATA = "C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\nS: 354 go\n";
