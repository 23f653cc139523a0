// Unit tests of the CLI's output helpers and error mapping.
import { mock, test } from "node:test";
import { strict as assert } from "node:assert";
import { Writable } from "node:stream";
import { setTimeout } from "node:timers/promises";
import type { TLSInfo } from "../../src/index.js";
import {
  SMTPAuthenticationError, SMTPConnectError, SMTPDataError, SMTPException, SMTPRecipientsRefused, SMTPSenderRefused,
  SMTPNotSupportedError, SMTPServerDisconnected, SMTPTimeoutError,
} from "../../src/index.js";
import { describeError, exitCodeFor } from "../../src/cli/connect.js";
import { ExitCode } from "../../src/cli/exit-codes.js";
import { formatCapabilities, formatTls, probeTitle } from "../../src/cli/probe.js";
import { formatBytes, formatTimeLeft, startCounter, startProgress, startWaitNote } from "../../src/cli/progress.js";
import { formatMessage } from "../../src/cli/serve.js";
import type { ReceivedMessage } from "../../src/server/debug-server.js";

const message = {
  envelope: { mailFrom: "a@x.org", rcptTo: ["b@x.org", "c@x.org"], mailParams: { BODY: "8BITMIME", SMTPUTF8: true as const }, mailParamsSent: "BODY=8BITMIME SMTPUTF8", rcptParamsSent: ["", ""] },
  data: Buffer.from("Subject: s\r\n\r\nbody\r\n"),
  size: 20,
  session: "abc",
  secure: true,
  user: "alice",
};

/** {@link message} with other data. */
const withData = (data: Buffer): ReceivedMessage => ({ ...message, data, size: data.length });

test("serve prints the envelope and the data, cut at --print-max", () => {
  const full = formatMessage(message, 3);
  assert.match(full, /^---------- message 3 \(20 bytes, session abc, TLS, user alice\) -+\n/);
  assert.match(full, /\nMAIL FROM: <a@x\.org> BODY=8BITMIME SMTPUTF8\nRCPT TO: {3}<b@x\.org>\nRCPT TO: {3}<c@x\.org>\n\nSubject: s\r\n\r\nbody\r\n-+ end of message 3/);
  const cut = formatMessage(message, 1, 10);
  assert.match(cut, /\nSubject: s\n\[\.\.\. 10 more bytes not shown/);
});

test("probe's first line names the port it connects to, the default one included (25, 465 with --ssl, 2003 with --lmtp); a Unix socket has none", () => {
  const plain = { host: "mx.example.org", port: 0, tlsMode: "none", lmtp: false } as const;
  assert.equal(probeTitle(plain), "probe mx.example.org:25 (plain text)");
  assert.equal(probeTitle({ ...plain, tlsMode: "ssl" }), "probe mx.example.org:465 (implicit TLS)");
  assert.equal(probeTitle({ ...plain, lmtp: true, tlsMode: "starttls" }), "probe mx.example.org:2003 (STARTTLS if offered, LMTP)");
  assert.equal(probeTitle({ ...plain, host: "::1", port: 2525 }), "probe [::1]:2525 (plain text)");
  assert.equal(probeTitle({ ...plain, host: "/run/dovecot/lmtp", lmtp: true }), "probe /run/dovecot/lmtp (plain text, LMTP)");
});

test("probe formats capabilities and TLS details", () => {
  assert.deepEqual(formatCapabilities(new Map([["size", "1000"], ["auth", " PLAIN LOGIN"], ["pipelining", ""]])), ["  SIZE 1000", "  AUTH PLAIN LOGIN", "  PIPELINING"]);
  const info = {
    protocol: "TLSv1.3", authorized: true, cipher: { name: "TLS_AES_256_GCM_SHA384", version: "TLSv1.3", standardName: "TLS_AES_256_GCM_SHA384" },
    peerCertificate: { subject: { CN: "localhost" }, issuer: { CN: "test CA" }, subjectaltname: "DNS:localhost", valid_from: "Jan  1 00:00:00 2026 GMT", valid_to: "Jan 11 00:00:00 2026 GMT", fingerprint256: "AB:CD" },
  } as unknown as TLSInfo;
  const lines = formatTls(info, Date.parse("2026-01-01T00:00:00Z")).join("\n");
  assert.match(lines, /protocol +TLSv1\.3/);
  assert.match(lines, /subject +CN=localhost/);
  assert.match(lines, /issuer +CN=test CA/);
  assert.match(lines, /\(10 days left\)/);
  assert.match(formatTls(info, Date.parse("2026-01-13T00:00:00Z")).join("\n"), /EXPIRED 2 days ago/);
  assert.match(formatTls(info, Date.parse("2026-01-10T00:00:00Z")).join("\n"), /\(1 day left\)/);
  // the last day counts hours, not "0 days left"; just expired is not "EXPIRED 1 days ago"
  assert.match(formatTls(info, Date.parse("2026-01-10T19:00:00Z")).join("\n"), /\(5 hours left\)/);
  assert.match(formatTls(info, Date.parse("2026-01-11T01:30:00Z")).join("\n"), /\(EXPIRED 1 hour ago\)/);
  assert.match(formatTls(info, Date.parse("2026-01-10T23:59:00Z")).join("\n"), /\(less than an hour left\)/);
  // seen with --insecure: a certificate whose validity has not begun is not "13 days left"
  assert.match(formatTls(info, Date.parse("2025-12-29T00:00:00Z")).join("\n"), /\(NOT VALID YET: starts in 3 days\)/);
});

// With --insecure, "verified NO" said only "certificate not trusted or name mismatch": the
// reason Node gives (expired, self-signed, issuer unknown, another host's name) was dropped,
// though a probe is run to find out what is wrong with a server's TLS.
test("probe's TLS details: a certificate not verified (--insecure) says why, in words and Node's code", () => {
  const base = { protocol: "TLSv1.3", cipher: { name: "TLS_AES_256_GCM_SHA384", standardName: "TLS_AES_256_GCM_SHA384", version: "TLSv1.3" }, peerCertificate: {}, authorized: false };
  const verified = (authorizationError?: string): string => formatTls({ ...base, ...(authorizationError === undefined ? {} : { authorizationError }) } as unknown as TLSInfo).find((l) => l.includes("verified"))!;
  assert.equal(verified("CERT_HAS_EXPIRED"), "  verified           NO: the certificate has expired (CERT_HAS_EXPIRED; --insecure was given)");
  assert.equal(verified("DEPTH_ZERO_SELF_SIGNED_CERT"), "  verified           NO: the certificate is self-signed, and not trusted (DEPTH_ZERO_SELF_SIGNED_CERT; --insecure was given)");
  assert.equal(verified("UNABLE_TO_VERIFY_LEAF_SIGNATURE"), "  verified           NO: its issuer is not trusted: give its CA as --ca-file (UNABLE_TO_VERIFY_LEAF_SIGNATURE; --insecure was given)");
  assert.equal(verified("ERR_TLS_CERT_ALTNAME_INVALID"), "  verified           NO: the certificate is for another host name (see its names below, and --servername) (ERR_TLS_CERT_ALTNAME_INVALID; --insecure was given)");
  assert.equal(verified("CERT_REVOKED"), "  verified           NO: CERT_REVOKED (--insecure was given)");
  assert.equal(verified(), "  verified           NO (certificate not trusted or name mismatch; --insecure was given)");
  assert.equal(formatTls({ ...base, authorized: true } as unknown as TLSInfo)[2], "  verified           yes");
});

test("bytes are shown in binary units", () => {
  assert.equal(formatBytes(512), "512 B");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(50 * 1024 * 1024), "50.0 MiB");
});

test("errors map to the documented exit codes", () => {
  const reply = { code: 550, message: "no", lines: ["no"] };
  assert.equal(exitCodeFor(new SMTPRecipientsRefused(new Map([["x@y", reply]]))), ExitCode.REFUSED);
  assert.equal(exitCodeFor(new SMTPSenderRefused(550, "no", "a@b")), ExitCode.REFUSED);
  assert.equal(exitCodeFor(new SMTPDataError(554, "no")), ExitCode.REFUSED);
  // a 2yz before the server had all of the message: no refusal, and it may have been delivered
  assert.equal(exitCodeFor(new SMTPDataError(250, "queued", { delivery: "unknown" })), ExitCode.UNAVAILABLE);
  assert.equal(exitCodeFor(new SMTPAuthenticationError(535, "bad")), ExitCode.AUTH);
  // by send's phase: while logging in, no usable mechanism (a plain SMTPException) or no AUTH
  // is 6, a lost connection still 5; while sending, a missing extension is 4
  assert.equal(exitCodeFor(new SMTPException("No suitable authentication method found."), "auth"), ExitCode.AUTH);
  assert.equal(exitCodeFor(new SMTPException("No suitable authentication method found.")), ExitCode.UNAVAILABLE);
  assert.equal(exitCodeFor(new SMTPNotSupportedError("SMTP AUTH extension not supported by server."), "auth"), ExitCode.AUTH);
  assert.equal(exitCodeFor(new SMTPServerDisconnected("gone"), "auth"), ExitCode.UNAVAILABLE);
  assert.equal(exitCodeFor(new SMTPNotSupportedError("SMTPUTF8 needed"), "send"), ExitCode.REFUSED);
  assert.equal(exitCodeFor(new SMTPConnectError(554, "go away")), ExitCode.UNAVAILABLE);
  assert.equal(exitCodeFor(new SMTPServerDisconnected("gone")), ExitCode.UNAVAILABLE);
  assert.equal(exitCodeFor(new SMTPTimeoutError("slow")), ExitCode.UNAVAILABLE);
  assert.equal(exitCodeFor(new SMTPException("TLS failed")), ExitCode.UNAVAILABLE);
  assert.equal(exitCodeFor(Object.assign(new Error("refused"), { code: "ECONNREFUSED" })), ExitCode.UNAVAILABLE);
  assert.equal(exitCodeFor(new TypeError("bad address")), ExitCode.USAGE);
  assert.equal(exitCodeFor(new Error("bug")), ExitCode.FAILURE);
  assert.match(describeError(new SMTPSenderRefused(550, "no such sender", "a@b")), /sender <a@b> refused: 550 no such sender/);
  assert.match(describeError(new SMTPException("outer", { cause: new Error("inner") })), /SMTPException: outer \(inner\)/);
  // The library's advice for a server that offers AUTH only over TLS, as the CLI's flags.
  assert.match(describeError(new SMTPNotSupportedError("SMTP AUTH extension not supported by server. The server offers STARTTLS, and many servers offer AUTH only over TLS: call starttls() before login() (or set requireTLS).")), /AUTH only over TLS: give --starttls or --require-tls\.$/);
});

test("serve shows a message's terminal escape sequences and other control characters escaped, keeping CR, LF and TAB", () => {
  const hostile = { ...withData(Buffer.from("Subject: \u001b[2J\tcleared?\r\n\r\nbody\u0000\r\n")), envelope: { ...message.envelope, mailFrom: "a\u001b]0;x\u0007@x.org" } };
  const shown = formatMessage(hostile, 1);
  assert.ok(![0x00, 0x07, 0x1b].some((c) => shown.includes(String.fromCharCode(c))), JSON.stringify(shown));
  assert.match(shown, /MAIL FROM: <a\\u001b\]0;x\\u0007@x\.org>/);
  assert.match(shown, /Subject: \\u001b\[2J\tcleared\?\r\n\r\nbody\\u0000\r\n/);
});

test("serve shows a lone CR as \\r (it would let later text overwrite the line), a bare LF as \\n, and bytes that are not UTF-8 as \\xNN, not U+FFFD", () => {
  const data = Buffer.concat([
    Buffer.from("X-Spam: yes\rX-Okay: fine\r\nlatin1: caf"), Buffer.from([0xe9, 0x20, 0xff, 0xc3]),
    Buffer.from(" utf8: Grüße \u009b2J\r\nbare\nLF\r\n"),
  ]);
  const shown = formatMessage(withData(data), 1);
  assert.ok(!shown.includes("\ufffd") && !/\r(?!\n)/.test(shown), JSON.stringify(shown));
  assert.match(shown, /\nX-Spam: yes\\rX-Okay: fine\r\nlatin1: caf\\xe9 \\xff\\xc3 utf8: Grüße \\u009b2J\r\nbare\\n\nLF\r\n-+ end/);
  // --print-max inside "ü" (2 bytes) cuts before it, not through it
  const cut = formatMessage(withData(Buffer.from("Grüße")), 1, 3);
  assert.match(cut, /\nGr\n\[\.\.\. 5 more bytes not shown/);
});

/** A terminal that records what is written to it. */
function fakeTerminal(): { stream: NodeJS.WriteStream; text: () => string } {
  let written = "";
  const stream = Object.assign(new Writable({ write(chunk: Buffer, _enc, done) { written += chunk.toString(); done(); } }), { isTTY: true, columns: 120 });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => written };
}

test("the progress bar's time left is a time or '?', never cli-progress's NULL/INF placeholders cut to 'LLs'/'NFs'", () => {
  // More bytes go out than the file holds (CRLF for bare LF, dot-stuffing): the bar sits at
  // its total while the last writes are counted, and cli-progress's own estimate turns NaN.
  const term = fakeTerminal();
  const bar = startProgress(1000, term.stream);
  bar.add(600);
  for (let i = 0; i < 20; i++) bar.add(100);
  bar.stop();
  const shown = term.text();
  assert.match(shown, /100% \| 1000 B\/1000 B \| /);
  assert.doesNotMatch(shown, /LLs|NFs|NULL|INF|NaN/);
  for (const [, left] of shown.matchAll(/\| (\S+) left/g)) assert.match(left!, /^(\?|\d+s|\d+m\d\ds|\d+h\d\dm|>99h)$/, left);
});

test("a link that stalls (the server stops reading) turns the time left into 'nothing sent for Ns', in the bar and in the counter; bytes going out again bring the estimate back", async () => {
  const check = { stallMs: 60, tickMs: 20 };
  const term = fakeTerminal();
  const bar = startProgress(1000, term.stream, check);
  const counterTerm = fakeTerminal();
  const counter = startCounter(100, counterTerm.stream, check);
  try {
    bar.add(100);
    counter.add(150);
    await setTimeout(200);
    assert.match(term.text(), /10% \| 100 B\/1000 B \| nothing sent for 0s/);
    assert.match(counterTerm.text(), /sending 150 B \| nothing sent for 0s \(size unknown\)/);
    bar.add(100);
    await setTimeout(30);
  } finally {
    // a running bar's render timer would keep the test process alive
    bar.stop();
    counter.stop();
  }
  assert.match(term.text().split("nothing sent for").at(-1)!, /20% \| 200 B\/1000 B \| \d+s left/);
  // all of it written: the wait is for the server's reply to the end of the message, not a stall
  const full = fakeTerminal();
  const done = startProgress(1000, full.stream, check);
  try {
    done.add(1000);
    await setTimeout(200);
  } finally {
    done.stop();
  }
  assert.match(full.text(), /100% \| 1000 B\/1000 B \| all sent, waiting for the reply: 0s/);
  assert.doesNotMatch(full.text(), /nothing sent/);
});

test("time left: at the average rate so far", () => {
  assert.equal(formatTimeLeft(0, 1000, 5000), "?");
  assert.equal(formatTimeLeft(500, 1000, 0), "?");
  assert.equal(formatTimeLeft(500, 1000, 10_000), "10s");
  assert.equal(formatTimeLeft(100, 1000, 20_000), "3m00s");
  assert.equal(formatTimeLeft(1, 1000, 10_000), "2h46m");
  assert.equal(formatTimeLeft(1, 1_000_000, 10_000), ">99h");
  assert.equal(formatTimeLeft(1000, 1000, 10_000), "0s");
});

test("an error without a reply code (the library's -1: no connection, no valid reply) is printed without '-1'", () => {
  assert.equal(describeError(new SMTPConnectError(-1, "Could not connect to h:25: connect ECONNREFUSED 127.0.0.1:25")),
    "SMTPConnectError: Could not connect to h:25: connect ECONNREFUSED 127.0.0.1:25");
  assert.equal(describeError(new SMTPConnectError(554, "go away")), "SMTPConnectError: 554 go away");
});

test("a cause's trailing newline (OpenSSL's messages end with one) is not printed as \\n", () => {
  const tls = new Error("803C8AB2A07F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:ssl3_record.c:350:\n");
  assert.equal(describeError(new SMTPException("TLS handshake failed", { cause: tls })),
    "SMTPException: TLS handshake failed (803C8AB2A07F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:ssl3_record.c:350:)");
});

test("a message of unknown size (stdin from a pipe): nothing below the threshold, then bytes sent and rate; stop gives the cursor back", () => {
  const small = fakeTerminal();
  const quiet = startCounter(1000, small.stream);
  quiet.add(999);
  quiet.stop();
  assert.equal(small.text(), "");
  const term = fakeTerminal();
  const counter = startCounter(1000, term.stream);
  counter.add(600);
  counter.add(2048);
  counter.stop();
  assert.match(term.text(), /sending 2\.6 KiB \| (\?|\d+(\.\d)? (B|KiB|MiB|GiB)\/s) \(size unknown\)/);
  assert.ok(term.text().includes("\x1b[?25h"), "the cursor is shown again");
});

test("the counter of a message of unknown size updates in place as more is sent", () => {
  const term = fakeTerminal();
  const counter = startCounter(1000, term.stream);
  counter.add(1500);
  const first = term.text();
  counter.add(3 * 1024 * 1024);
  counter.stop();
  assert.match(first, /sending 1\.5 KiB/);
  assert.match(term.text().slice(first.length), /sending 3\.0 MiB/);
  const stopped = term.text().length;
  counter.add(4 * 1024 * 1024);
  assert.equal(term.text().length, stopped, "nothing is written after stop()");
});

test("a server slow to answer a small message: after the quiet time a line says what is awaited and for how long; a new wait restarts it; stop() erases it; a quick server shows nothing", async () => {
  const check = { stallMs: 60, tickMs: 20 };
  const quick = fakeTerminal();
  const fast = startWaitNote("the greeting", quick.stream, check);
  await setTimeout(30);
  fast.stop();
  assert.equal(quick.text(), "");
  const term = fakeTerminal();
  const note = startWaitNote("the greeting", term.stream, check);
  try {
    await setTimeout(150);
    assert.ok(term.text().endsWith("\r\x1b[Kwaiting for the greeting: 0s"), JSON.stringify(term.text()));
    const before = term.text().length;
    note.waitingFor("the reply to the message");
    await setTimeout(30);
    assert.equal(term.text().length, before + "\r\x1b[K".length, "erased, and nothing new before the quiet time");
    await setTimeout(150);
    assert.match(term.text(), /waiting for the reply to the message: 0s$/);
  } finally {
    note.stop();
  }
  assert.ok(term.text().endsWith("\r\x1b[K"), "the line erased");
});

test("the waiting line shows exactly the quiet time after the wait began, at any phase, then counts each whole second (it showed up to a second late)", () => {
  mock.timers.enable({ apis: ["setTimeout", "Date"] });
  try {
    const term = fakeTerminal();
    const note = startWaitNote("the greeting", term.stream, { stallMs: 3_000, tickMs: 1_000, now: () => Date.now() });
    mock.timers.tick(2_500);
    note.waitingFor("the reply to MAIL"); // half-way through a second of the first wait
    mock.timers.tick(2_999);
    assert.equal(term.text(), "", "nothing before the quiet time");
    mock.timers.tick(1);
    assert.equal(term.text(), "\r\x1b[Kwaiting for the reply to MAIL: 3s");
    mock.timers.tick(999);
    assert.equal(term.text(), "\r\x1b[Kwaiting for the reply to MAIL: 3s");
    mock.timers.tick(1);
    assert.ok(term.text().endsWith("\r\x1b[Kwaiting for the reply to MAIL: 4s"), JSON.stringify(term.text()));
    note.stop();
    const after = term.text();
    mock.timers.tick(10_000);
    assert.equal(term.text(), after, "nothing after stop()");
    assert.ok(after.endsWith("4s\r\x1b[K"), "the line erased");
  } finally {
    mock.timers.reset();
  }
});
