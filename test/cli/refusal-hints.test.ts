// The hints `send` adds to a refusal (refusal-hints.ts), each on its own: the whole text of a
// login hint, which refusals get a size hint (only a message too large: not a routing or
// media error whose status shares a digit with X.3.4), and a SMTPUTF8 hint only for the
// library's "SMTPUTF8 not supported", not for another extension the server lacks.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { SMTPDataError, SMTPNotSupportedError, SMTPSenderRefused } from "../../src/index.js";
import { loginHint, sizeHint, utf8Hint } from "../../src/cli/refusal-hints.js";
import type { SendCommand } from "../../src/cli/args.js";
import type { Client } from "../../src/cli/connect.js";

/** A connected client as the hints read it: its EHLO keywords and whether it is in TLS. */
function client(features: [string, string][], encrypted: boolean): Client {
  const map = new Map(features);
  return { esmtpFeatures: map, encrypted, hasExtn: (name: string) => map.has(name.toLowerCase()) } as unknown as Client;
}

const cmd = (over: Partial<SendCommand> = {}): SendCommand => ({ from: "a@x.test", to: ["b@y.test"], mailOptions: [], ...over }) as unknown as SendCommand;

test("loginHint: a server that offers neither AUTH nor STARTTLS: the whole hint names the submission ports 587 and 465", () => {
  const refused = new SMTPSenderRefused(530, "5.7.0 Authentication required", "a@x.test");
  assert.equal(loginHint(refused, client([["size", "1000"]], false), cmd()),
    " (the server requires a login but offers no AUTH and no STARTTLS on this connection: its submission port may, 587 with --require-tls or 465 with --ssl, with --user and --password-env)");
  assert.equal(loginHint(refused, client([], true), cmd()),
    " (the server requires a login but offers no AUTH on this connection: its submission port may, 587 with --require-tls or 465 with --ssl, with --user and --password-env)");
});

// With --starttls (gone on in clear) or --ssl given, the hint said "587 with --require-tls
// or 465 with --ssl": followed, either flag beside the one given is a usage error (commander
// refuses --ssl, --starttls and --require-tls together). The flag advised goes instead.
test("loginHint after --starttls or --ssl: a TLS flag advised says it goes instead of the one given, so the command followed parses", () => {
  const refused = new SMTPSenderRefused(530, "5.7.0 Authentication required", "a@x.test");
  assert.equal(loginHint(refused, client([["size", "1000"]], false), cmd({ tlsMode: "starttls" })),
    " (the server requires a login but offers no AUTH and no STARTTLS on this connection: its submission port may, 587 with --require-tls instead of --starttls or 465 with --ssl instead of --starttls, with --user and --password-env)");
  assert.equal(loginHint(refused, client([], true), cmd({ tlsMode: "ssl" })),
    " (the server requires a login but offers no AUTH on this connection: its submission port may, 587 with --require-tls instead of --ssl or 465 with --ssl, with --user and --password-env)");
});

test("loginHint --lmtp: a server that offers neither AUTH nor STARTTLS: the hint names no submission port and no --ssl (a usage error with --lmtp)", () => {
  const refused = new SMTPSenderRefused(530, "5.7.0 Authentication required", "a@x.test");
  const hint = loginHint(refused, client([["size", "1000"]], false), cmd({ lmtp: true }));
  assert.equal(hint, " (the server requires a login but offers no AUTH and no STARTTLS on this connection: another LMTP port of the server may (over TLS with --require-tls only; --ssl is SMTP only), with --user and --password-env)");
  assert.doesNotMatch(hint, /\b465\b|\b587\b|with --ssl/);
});

test("loginHint: after a login (--user given), a server without STARTTLS gets no hint: its own text is all that is known", () => {
  const refused = new SMTPSenderRefused(530, "5.7.0 Authentication required", "a@x.test");
  assert.equal(loginHint(refused, client([["auth", "PLAIN"]], false), cmd({ user: "u" })), "");
  assert.equal(loginHint(refused, client([], true), cmd({ user: "u" })), "");
});

test("sizeHint: a 452 with X.3.4 (too big for the system now) gets the sizes; without a client (no EHLO known) no hint", () => {
  const c = client([["size", "1000"]], false);
  assert.equal(sizeHint(new SMTPDataError(452, "4.3.4 Message too big for system"), 300, c), " (the message is 300 bytes as sent; the server's limit is SIZE 1000 bytes)");
  assert.equal(sizeHint(new SMTPDataError(552, "5.3.4 Message too big for system"), 300, undefined), "");
});

test("sizeHint: a 554 or 452 with a routing (X.4.4), media (5.3.0), mailbox-disabled (5.2.1) or address-syntax (5.1.3) status gets no size hint; 5.3.4 does", () => {
  const c = client([["size", "1000"]], false);
  assert.equal(sizeHint(new SMTPDataError(554, "5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain"), 300, c), "");
  assert.equal(sizeHint(new SMTPDataError(554, "5.3.0 Other or undefined media error"), 300, c), "");
  assert.equal(sizeHint(new SMTPSenderRefused(452, "4.4.4 Unable to route", "a@x.test"), 300, c), "");
  assert.equal(sizeHint(new SMTPDataError(554, "5.2.1 Mailbox disabled, not accepting messages"), 300, c), "");
  assert.equal(sizeHint(new SMTPDataError(554, "5.1.3 Bad destination mailbox address syntax"), 300, c), "");
  assert.equal(sizeHint(new SMTPDataError(554, "5.3.4 Message too big for system"), 300, c), " (the message is 300 bytes as sent; the server's limit is SIZE 1000 bytes)");
});

test("sizeHint: Exchange's 550 5.3.4 gets the sizes; a 550 without that status (no such user) does not", () => {
  const c = client([["size", "1000"]], false);
  assert.equal(sizeHint(new SMTPDataError(550, "5.3.4 Message size exceeds fixed maximum message size"), 300, c), " (the message is 300 bytes as sent; the server's limit is SIZE 1000 bytes)");
  assert.equal(sizeHint(new SMTPSenderRefused(550, "5.1.1 User unknown", "a@x.test"), 300, c), "");
  assert.equal(sizeHint(new SMTPDataError(550, "Message size exceeds fixed maximum message size"), 300, c), "");
});

test("utf8Hint: only the library's \"SMTPUTF8 not supported\" gets it; another extension the server lacks does not, even with a non-ASCII address", () => {
  const wide = cmd({ to: ["ü@y.test"] });
  assert.equal(utf8Hint(new SMTPNotSupportedError("SMTPUTF8 not supported by server"), wide), " (<ü@y.test> is not ASCII: only a server that offers SMTPUTF8 takes it)");
  assert.equal(utf8Hint(new SMTPNotSupportedError("STARTTLS extension not supported by server."), wide), "");
  assert.equal(utf8Hint(new SMTPNotSupportedError("8BITMIME not supported by server"), wide), "");
});

test("utf8Hint: after the library's A-label advice, only the addresses it is for (not that they need SMTPUTF8 again)", () => {
  const advised = new SMTPNotSupportedError("SMTPUTF8 not supported by server: give the domain in A-labels: j@xn--tda.test");
  assert.equal(utf8Hint(advised, cmd({ to: ["j@ü.test"] })), " (for <j@ü.test>)");
  assert.equal(utf8Hint(advised, cmd({ to: ["j@ü.test"], mailOptions: ["smtputf8"] })), " (for <j@ü.test>; --mail-option SMTPUTF8 asks for it too)");
});
