// Postfix's way of writing an LMTP destination (main.cf's `virtual_transport =
// lmtp:unix:private/dovecot-lmtp`, `lmtp:inet:host:port`, `lmtp:host:port`), given as the
// server, was taken whole: as a Unix socket path ("lmtp:unix:/run/x", relative: a file of
// that name under the current directory) or as a host name (looked up in DNS). smtplib takes
// a socket path (`--lmtp /path`) or host:port: the form is refused with a usage error that
// names the target to give and the flags to give with it (fitted to those given, as a URL's
// advice is), and the library's connect() refuses it with a TypeError that says the same.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { LMTP, SMTP, SMTPPool } from "../../src/index.js";
import { parsePostfixTarget } from "../../src/protocol/postfix-target.js";
import { parse } from "../helpers/parse-args.js";

const MESSAGE = ["--from", "a@x.test", "--to", "b@x.test", "--subject", "s"];

/** The usage error of `probe` and of `send --server` with `server` and `flags`, the same for both. */
function refused(server: string, flags: string[] = []): string {
  const probe = parse("probe", ...flags, server);
  const send = parse("send", ...flags, "--server", server, ...MESSAGE);
  assert.ok(probe.error !== undefined && send.error !== undefined, `${server}: parsed`);
  assert.equal(send.error.message.replace(/^error: --server /, ""), probe.error.message.replace(/^error: probe.s server /, ""));
  return probe.error.message;
}

/** `argv` (after probe) parses, to `host` and `port`, over LMTP or not. */
function parses(argv: string[], host: string, port: number, lmtp: boolean): void {
  const r = parse("probe", ...argv);
  assert.equal(r.error?.message, undefined, argv.join(" "));
  assert.ok(r.command !== undefined && r.command.kind === "probe");
  assert.deepEqual([r.command.host, r.command.port, r.command.lmtp], [host, port, lmtp], argv.join(" "));
}

test("lmtp:unix:/path, unix:/path: a usage error saying to give the path with --lmtp; followed, it parses", () => {
  for (const server of ["lmtp:unix:/run/dovecot/lmtp", "LMTP:UNIX:/run/dovecot/lmtp", "unix:/run/dovecot/lmtp"]) {
    assert.ok(refused(server).endsWith(`"${server}": Postfix's form of an LMTP destination, not host[:port] or a socket path: give /run/dovecot/lmtp with --lmtp`), refused(server));
    assert.ok(refused(server, ["--lmtp"]).endsWith("give /run/dovecot/lmtp"), refused(server, ["--lmtp"]));
  }
  parses(["--lmtp", "/run/dovecot/lmtp"], "/run/dovecot/lmtp", 0, true);
});

test("lmtp:unix:private/dovecot-lmtp (Postfix's path, relative to its queue directory): the path there by default, and where to look", () => {
  assert.ok(refused("lmtp:unix:private/dovecot-lmtp").endsWith("give /var/spool/postfix/private/dovecot-lmtp with --lmtp (Postfix's unix: paths are under its queue directory, /var/spool/postfix by default: postconf -h queue_directory says where)"), refused("lmtp:unix:private/dovecot-lmtp"));
});

test("lmtp:inet:host:port, lmtp:host:port, lmtp:[host], lmtp:inet:[v6]:port: host:port with --lmtp (no port: Postfix's 24); followed, it parses", () => {
  const cases: [string, string, string, number][] = [
    ["lmtp:inet:mx.test:2003", "mx.test:2003", "mx.test", 2003],
    ["lmtp:mx.test:2003", "mx.test:2003", "mx.test", 2003],
    ["lmtp:[mx.test]", "mx.test:24", "mx.test", 24],
    ["lmtp:inet:mx.test", "mx.test:24", "mx.test", 24],
    ["lmtp:inet:mx.test:lmtp", "mx.test:24", "mx.test", 24],
    ["lmtp:inet:[::1]:24", "[::1]:24", "::1", 24],
  ];
  for (const [server, give, host, port] of cases) {
    assert.ok(refused(server).endsWith(`: give ${give} with --lmtp`), refused(server));
    parses(["--lmtp", give], host, port, true);
  }
  // a port named by a service smtplib does not know: not guessed
  assert.ok(refused("lmtp:mx.test:foo").endsWith(": give mx.test:PORT with --lmtp"));
});

test("the advice fits the TLS flags given: --ssl (no LMTP over implicit TLS), a TLS-only flag without a TLS mode", () => {
  assert.ok(refused("lmtp:unix:/run/lmtp", ["--ssl"]).endsWith("give /run/lmtp with --lmtp, without --ssl (smtplib speaks LMTP over TLS only with STARTTLS: --require-tls)"));
  assert.ok(refused("lmtp:inet:mx.test:24", ["--ca-file", "ca.pem"]).endsWith("give mx.test:24 with --lmtp, and --require-tls or --starttls (--ca-file needs TLS; or, for no TLS, without --ca-file)"));
  assert.ok(refused("lmtp:inet:mx.test:24", ["--require-tls", "--ca-file", "ca.pem"]).endsWith("give mx.test:24 with --lmtp"));
});

test("not Postfix's form: a host named lmtp, unix or inet with its port, and a plain socket path, are taken as before", () => {
  parses(["lmtp:24"], "lmtp", 24, false);
  parses(["--lmtp", "unix:2003"], "unix", 2003, true);
  parses(["--lmtp", "/run/lmtp:unix:x"], "/run/lmtp:unix:x", 0, true);
  for (const value of ["lmtp:24", "unix:25", "inet:2525", "mx.test:25", "/run/lmtp", "lmtp"]) assert.equal(parsePostfixTarget(value), undefined, value);
});

test("connect() and a pool refuse it with a TypeError naming what to give (LMTP's class for lmtp:), before any lookup", async () => {
  const cases: [string, RegExp][] = [
    ["lmtp:unix:/run/lmtp", /not Postfix's form "lmtp:unix:\/run\/lmtp": give the socket's path as the host, LMTP\.connect\("\/run\/lmtp"\)$/],
    ["lmtp:inet:mx.invalid:2003", /: give the host and the port apart, LMTP\.connect\("mx\.invalid", 2003\)$/],
    ["lmtp:unix:private/dovecot-lmtp", /: give the socket's absolute path as the host \(Postfix's relative unix: paths are under its queue directory, \/var\/spool\/postfix by default\)$/],
  ];
  for (const [host, said] of cases) {
    for (const cls of [LMTP, SMTP]) {
      await assert.rejects(cls.connect(host), (err: unknown) => err instanceof TypeError && said.test(err.message), `${cls.name} ${host}`);
    }
  }
  assert.throws(() => new SMTPPool({ host: "lmtp:inet:mx.invalid:2003", protocol: "lmtp" }), (err: unknown) => err instanceof TypeError && /\{ host: "mx\.invalid", port: 2003, protocol: "lmtp" \}$/.test(err.message));
});

test("inet:host:port and smtp://host:port with --lmtp --ssl: the advice leaves --ssl out (or puts --require-tls instead), as --lmtp --ssl is itself a usage error; followed, it parses", () => {
  for (const server of ["inet:h.test:2424", "smtp://h.test:2424"]) {
    // "give h.test:2424" alone, followed with the flags given, met "--ssl cannot be combined with --lmtp"
    assert.match(refused(server, ["--lmtp", "--ssl"]), /give h\.test:2424 without --ssl \(smtplib speaks LMTP over TLS only with STARTTLS: --require-tls\)$/);
    assert.match(refused(server, ["--lmtp", "--ssl", "--insecure"]), /give h\.test:2424 with --require-tls instead of --ssl \(smtplib speaks LMTP over TLS only with STARTTLS, and --insecure needs TLS; or, for no TLS, without --ssl and --insecure\)$/);
  }
  assert.ok(parse("probe", "--lmtp", "--ssl", "h.test:2424").error !== undefined);
  parses(["--lmtp", "h.test:2424"], "h.test", 2424, true);
  parses(["--lmtp", "--require-tls", "--insecure", "h.test:2424"], "h.test", 2424, true);
});

test("connect(\"lmtp:host\", port) and a pool's { host: \"lmtp:host\", port }: the advice keeps the port the caller gave, not Postfix's 24", async () => {
  // Followed, "LMTP.connect(\"mx.invalid\", 24)" would reach another port than the one given.
  await assert.rejects(LMTP.connect("lmtp:mx.invalid", 2424), (err: unknown) => err instanceof TypeError && /: give the host and the port apart, LMTP\.connect\("mx\.invalid", 2424\)$/.test(err.message));
  await assert.rejects(LMTP.connect("lmtp:inet:[::1]", 2424), (err: unknown) => err instanceof TypeError && /LMTP\.connect\("::1", 2424\)$/.test(err.message));
  assert.throws(() => new SMTPPool({ host: "lmtp:mx.invalid", port: 2424, protocol: "lmtp" }), (err: unknown) => err instanceof TypeError && /\{ host: "mx\.invalid", port: 2424, protocol: "lmtp" \}$/.test(err.message));
  // No port given: Postfix's 24; a port in the value wins, as in "host:port".
  await assert.rejects(LMTP.connect("lmtp:mx.invalid"), (err: unknown) => err instanceof TypeError && /LMTP\.connect\("mx\.invalid", 24\)$/.test(err.message));
  await assert.rejects(LMTP.connect("lmtp:mx.invalid:2003", 2424), (err: unknown) => err instanceof TypeError && /LMTP\.connect\("mx\.invalid", 2003\)$/.test(err.message));
});

test("smtp:[host]:port, relay:[host] (Postfix's relayhost and transport form): refused with host:port to give (no port: the protocol's), never looked up whole nor sent to port 25; smtp:25 is still a host named smtp", async () => {
  // connect() took "smtp:[relay.test]:587" whole as a host (its colons read as IPv6's), to port 25.
  await assert.rejects(SMTP.connect("smtp:[relay.invalid]:587"), (err: unknown) => err instanceof TypeError && /not Postfix's form "smtp:\[relay\.invalid\]:587": give the host and the port apart, SMTP\.connect\("relay\.invalid", 587\)$/.test(err.message));
  await assert.rejects(SMTP.connect("relay:[relay.invalid]"), (err: unknown) => err instanceof TypeError && /SMTP\.connect\("relay\.invalid"\)$/.test(err.message));
  assert.ok(refused("smtp:[relay.test]:587").endsWith(`"smtp:[relay.test]:587": Postfix's form of a destination, not host[:port] or a socket path: give relay.test:587`), refused("smtp:[relay.test]:587"));
  assert.ok(refused("SMTP:[relay.test]").endsWith(": give relay.test"), refused("SMTP:[relay.test]"));
  parses(["relay.test:587"], "relay.test", 587, false);
  parses(["smtp:25"], "smtp", 25, false);
  for (const value of ["smtp:25", "relay:2525"]) assert.equal(parsePostfixTarget(value), undefined, value);
});

test("smtp:host:port, smtp:host, relay:host (Postfix's nexthop without brackets): refused as the bracketed form is, host and port kept, in connect(), a pool's host and --server", async () => {
  // connect() took "smtp:relay.invalid:587" whole as a host name (looked up in DNS), and "smtp:relay.invalid" with a port given too.
  await assert.rejects(SMTP.connect("smtp:relay.invalid:587"), (err: unknown) => err instanceof TypeError && /not Postfix's form "smtp:relay\.invalid:587": give the host and the port apart, SMTP\.connect\("relay\.invalid", 587\)$/.test(err.message));
  await assert.rejects(SMTP.connect("smtp:relay.invalid", 2525), (err: unknown) => err instanceof TypeError && /: give the host and the port apart, SMTP\.connect\("relay\.invalid", 2525\)$/.test(err.message));
  await assert.rejects(SMTP.connect("Relay:relay.invalid"), (err: unknown) => err instanceof TypeError && /: give the host, SMTP\.connect\("relay\.invalid"\)$/.test(err.message));
  assert.throws(() => new SMTPPool({ host: "smtp:relay.invalid:587" }), (err: unknown) => err instanceof TypeError && /not Postfix's form "smtp:relay\.invalid:587": give the host and the port apart, \{ host: "relay\.invalid", port: 587 \}$/.test(err.message));
  assert.ok(refused("smtp:relay.test:587").endsWith(`"smtp:relay.test:587": Postfix's form of a destination, not host[:port] or a socket path: give relay.test:587`), refused("smtp:relay.test:587"));
  assert.ok(refused("relay:relay.test").endsWith(": give relay.test"), refused("relay:relay.test"));
  assert.ok(refused("smtp:relay.test:submission").endsWith(": give relay.test:PORT"), refused("smtp:relay.test:submission"));
  // still what they were: a host named smtp, lmtp or relay with its port, host:port, IPv6 bracketed or bare
  parses(["smtp:25"], "smtp", 25, false);
  parses(["relay:2525"], "relay", 2525, false);
  parses(["lmtp:24"], "lmtp", 24, false);
  parses(["mx.test:25"], "mx.test", 25, false);
  parses(["[::1]:2525"], "::1", 2525, false);
  parses(["::1"], "::1", 0, false);
  for (const value of ["smtp:25", "relay:2525", "lmtp:24", "mx.test:25", "[::1]", "[::1]:25", "::1", "2001:db8::1"]) assert.equal(parsePostfixTarget(value), undefined, value);
});

test("lmtp:inet::24, lmtp:[]:24, smtp:[]:25, lmtp:unix: (no host, no path): the advice says none is named and gives the form with an example, in the CLI, connect() and a pool", async () => {
  // It said "give HOST:24" in the CLI, and LMTP.connect("", 24) (an empty host: localhost) in the library.
  for (const server of ["lmtp:inet::24", "lmtp::24", "lmtp:[]:24"]) {
    assert.ok(refused(server).endsWith(`"${server}": Postfix's form of an LMTP destination, not host[:port] or a socket path, and it names no host: give the server's host and port (such as mail.example.org:24) with --lmtp`), refused(server));
    await assert.rejects(LMTP.connect(server), (err: unknown) => err instanceof TypeError &&
      err.message.endsWith(`not Postfix's form "${server}", which names no host: give the server's host name or address and the port apart, as LMTP.connect("mail.example.org", 24)`), server);
  }
  assert.ok(refused("smtp:[]:25").endsWith(", and it names no host: give the server's host and port (such as mail.example.org:25)"), refused("smtp:[]:25"));
  await assert.rejects(SMTP.connect("smtp:[]"), (err: unknown) => err instanceof TypeError && /, which names no host: give the server's host name or address, as SMTP\.connect\("mail\.example\.org"\)$/.test(err.message));
  assert.throws(() => new SMTPPool({ host: "lmtp:inet::24", protocol: "lmtp" }), (err: unknown) => err instanceof TypeError && /which names no host: .*, as \{ host: "mail\.example\.org", port: 24, protocol: "lmtp" \}$/.test(err.message));
  assert.ok(refused("lmtp:unix:").endsWith(`"lmtp:unix:": Postfix's form of an LMTP destination, not host[:port] or a socket path, and it names no socket path: give the socket's path (such as /run/dovecot/lmtp) with --lmtp`), refused("lmtp:unix:"));
  await assert.rejects(LMTP.connect("lmtp:unix:"), (err: unknown) => err instanceof TypeError && /"lmtp:unix:", which names no socket path: give the socket's absolute path as the host, as LMTP\.connect\("\/run\/dovecot\/lmtp"\)$/.test(err.message));
});

test("a Postfix-like value with a user part (lmtp:user:password@host) is refused as a user part, never shown as Postfix's form", async () => {
  assert.equal(parsePostfixTarget("lmtp:user:secret@mx.invalid"), undefined);
  await assert.rejects(LMTP.connect("lmtp:user:secret@mx.invalid"), (err: unknown) => err instanceof TypeError && !err.message.includes("secret") && /user part/.test(err.message));
  const said = parse("probe", "smtp:user:secret@mx.test").error?.message ?? "parsed";
  assert.match(said, /not shown: it may hold a password\): a user part/);
  assert.ok(!said.includes("secret"), said);
});

test("smtp:2001:db8::1, relay:::1 (an IPv6 address without the brackets Postfix needs): refused with the bracket form in the CLI, the address alone in connect(), LMTP and a pool; 2001:db8::1 alone is still a host, as in Python", async () => {
  // connect() took "smtp:2001:db8::1" whole as a host name (its colons read as IPv6's, so not split), and the CLI said only "not host:port".
  const brackets = /not Postfix's form "smtp:2001:db8::1" \(in Postfix's form an IPv6 address goes in brackets, \[2001:db8::1\]: it cannot tell a port from the last group\): give the host, SMTP\.connect\("2001:db8::1"\)$/;
  await assert.rejects(SMTP.connect("smtp:2001:db8::1"), (err: unknown) => err instanceof TypeError && brackets.test(err.message));
  await assert.rejects(new SMTP().connect("smtp:2001:db8::1"), (err: unknown) => err instanceof TypeError && brackets.test(err.message));
  await assert.rejects(SMTP.connect("relay:::1", 2525), (err: unknown) => err instanceof TypeError && /\[::1\]: .*: give the host and the port apart, SMTP\.connect\("::1", 2525\)$/.test(err.message));
  await assert.rejects(LMTP.connect("SMTP:fe80::1%eth0"), (err: unknown) => err instanceof TypeError && /\[fe80::1%eth0\]: .*LMTP\.connect\("fe80::1%eth0"\)$/.test(err.message));
  assert.throws(() => new SMTPPool({ host: "smtp:2001:db8::1" }), (err: unknown) => err instanceof TypeError && /goes in brackets, \[2001:db8::1\]: .*: give the host, \{ host: "2001:db8::1" \}$/.test(err.message));
  assert.ok(refused("smtp:2001:db8::1").endsWith(`"smtp:2001:db8::1": Postfix's form of a destination, not host[:port] or a socket path: give [2001:db8::1] (an IPv6 address goes in brackets, in Postfix's form as in host:port: it cannot tell a port from the last group)`), refused("smtp:2001:db8::1"));
  // followed, it parses; and the forms that worked still do (lmtp: without brackets has Postfix's advice already)
  parses(["[2001:db8::1]"], "2001:db8::1", 0, false);
  parses(["2001:db8::1"], "2001:db8::1", 0, false);
  parses(["smtp:25"], "smtp", 25, false);
  assert.deepEqual(parsePostfixTarget("smtp:[2001:db8::1]:25"), { lmtp: false, smtp: true, host: "2001:db8::1", portGiven: true, port: 25 });
  for (const value of ["2001:db8::1", "::1", "smtp:25", "relay:2525"]) assert.equal(parsePostfixTarget(value), undefined, value);
  // Python's connect("2001:db8::1") leaves an address with more than one colon whole: so does ours
  const { splitHostPort } = await import("../../src/client/host-port.js");
  assert.deepEqual(splitHostPort("2001:db8::1", 0, 25), { host: "2001:db8::1", port: 25 });
});
