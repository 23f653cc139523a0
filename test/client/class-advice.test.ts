/**
 * Advice in errors names the class the caller used. Nodemailer's `secure` given to
 * `SMTP_SSL` (TLS from the first byte already) told its user to "use the SMTP_SSL class", and
 * given to `LMTP` (which has no implicit TLS) the same; `LMTP.connect()` and
 * `SMTP_SSL.connect()` with the options where the host or the port goes said to call
 * `SMTP.connect(...)` (or `new SMTP(options)`); and an LMTP server without STARTTLS was said
 * to be worth trying on port 465 with SMTP_SSL, which speaks SMTP.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTP, SMTP_SSL, SMTPNotSupportedError, type SMTPOptions } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

/** The message of what `fn` throws. */
function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("nothing thrown");
}

/** The start of the message for an unknown option (the list of known ones follows). */
const unknown = (key: string, hint: string): RegExp => new RegExp(`^unknown SMTP option "${key}" \\(${hint.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\); known: `);

test("Nodemailer's secure: SMTP is told to use SMTP_SSL; SMTP_SSL (and a subclass of it) that it has TLS already; LMTP that it has no implicit TLS", () => {
  const secure = { secure: true } as SMTPOptions;
  assert.match(thrown(() => new SMTP(secure)), unknown("secure", "Nodemailer's: for TLS from the first byte (port 465) use the SMTP_SSL class; for STARTTLS set requireTLS: true"));
  const forSSL = unknown("secure", "Nodemailer's: SMTP_SSL is TLS from the first byte already, leave it out; for STARTTLS instead, connect with SMTP and set requireTLS: true");
  assert.match(thrown(() => new SMTP_SSL(secure)), forSSL);
  class Mine extends SMTP_SSL {}
  assert.match(thrown(() => new Mine(secure)), forSSL);
  const forLMTP = thrown(() => new LMTP(secure));
  assert.match(forLMTP, unknown("secure", "Nodemailer's: LMTP has no TLS from the first byte; for STARTTLS set requireTLS: true"));
  assert.doesNotMatch(forLMTP, /SMTP_SSL/);
});

test("Nodemailer's host, port and lmtp options: the advice names the class called", () => {
  assert.match(thrown(() => new SMTP_SSL({ host: "mx.example.org" } as SMTPOptions)), unknown("host", "give the host and port to SMTP_SSL.connect(host, port, options)"));
  assert.match(thrown(() => new LMTP({ port: 24 } as SMTPOptions)), unknown("port", "give the host and port (or a Unix socket path) to LMTP.connect(host, port, options)"));
  assert.match(thrown(() => new LMTP({ lmtp: true } as SMTPOptions)), unknown("lmtp", "Nodemailer's: the LMTP class speaks LMTP already, leave it out"));
  assert.match(thrown(() => new SMTP({ host: "mx.example.org" } as SMTPOptions)), unknown("host", "give the host and port to SMTP.connect(host, port, options)"));
});

test("LMTP.connect() and SMTP_SSL.connect() with options where the host or the port goes: the TypeError names that class", async () => {
  await assert.rejects(LMTP.connect({ host: "127.0.0.1", port: 24 } as never), {
    name: "TypeError", message: "host must be a string, got an object: LMTP.connect(host, port, options) takes the host and the port as arguments, not in an object",
  });
  await assert.rejects(SMTP_SSL.connect("127.0.0.1", { timeout: 5000 } as never), {
    name: "TypeError", message: "port must be a number, got an object: options come third, SMTP_SSL.connect(host, port, options), or go to new SMTP_SSL(options)",
  });
  await assert.rejects(new LMTP().connect("127.0.0.1", { timeout: 5000 } as never), {
    name: "TypeError", message: "port must be a number, got an object: options come third, LMTP.connect(host, port, options), or go to new LMTP(options)",
  });
});

test("LMTP: starttls() to a server without STARTTLS says to look for an LMTP port with STARTTLS, not 465 with SMTP_SSL", async () => {
  await withScript(greeting(["PIPELINING"], "LHLO"), async (client) => {
    await assert.rejects(client.starttls(), (err: unknown) => {
      assert.ok(err instanceof SMTPNotSupportedError, String(err));
      assert.equal(err.message, "STARTTLS extension not supported by server. Look for an LMTP port of the server that offers STARTTLS (LMTP has no TLS from the first byte); a server known to offer STARTTLS that does not here may have it stripped on the path.");
      return true;
    });
  }, {}, LMTP);
});
