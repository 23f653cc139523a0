// Unit tests of the CLI's argument parsing (no I/O, no child processes).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { resolve } from "node:path";
import { CommanderError } from "commander";
import { flagValue, parseHostPort, parseUserPass, PASSWORD_MECHANISMS } from "../../src/cli/flag-values.js";
import { defaultRegistry } from "../../src/auth/registry.js";
import { parse } from "../helpers/parse-args.js";

test("host[:port] forms", () => {
  assert.deepEqual(parseHostPort("mail.example.org"), { host: "mail.example.org", port: 0 });
  assert.deepEqual(parseHostPort("mail.example.org:587"), { host: "mail.example.org", port: 587 });
  assert.deepEqual(parseHostPort("[::1]:2525"), { host: "::1", port: 2525 });
  assert.deepEqual(parseHostPort("[::1]"), { host: "::1", port: 0 });
  assert.deepEqual(parseHostPort("::1"), { host: "::1", port: 0 });
  assert.deepEqual(parseHostPort("2001:db8::25"), { host: "2001:db8::25", port: 0 });
  // an IPv4 address literal (RFC 5321 §4.1.3), as the library's splitHostPort takes it
  assert.deepEqual(parseHostPort("[127.0.0.1]:26"), { host: "127.0.0.1", port: 26 });
  assert.deepEqual(parseHostPort("[192.0.2.25]"), { host: "192.0.2.25", port: 0 });
  for (const bad of ["host:x", "host:70000", ":25", "", "host:-1"]) assert.throws(() => parseHostPort(bad), /./, bad);
  // Typos that used to reach DNS (exit 5, "getaddrinfo ENOTFOUND") are usage errors.
  for (const bad of ["[::1", "[::1:25", "::1]:25", "[mail.example.org]:25", "[localhost]", "mail.example.org:25:", "a:b:c", "[::1]:",
    "[127.0.0.1]:", "[127.0.0.1]:x", "[127.0.0.256]:25", "[127.0.0]:25", "[127.0.0.1:25]", "[ 127.0.0.1]"]) {
    assert.throws(() => parseHostPort(bad), /host:port|the port is not a number/, bad);
  }
  // an address literal as a mail address writes it: the advice gives the address without its tag
  assert.throws(() => parseHostPort("[IPv6:::1]:25"), /"IPv6:" tag .*: give the address alone, \[::1\]:25$/);
});

test("send --password-env: a value that is no variable name (the password given by mistake) is a usage error that does not show it", () => {
  const base = ["send", "--server", "h", "--from", "a@x.org", "--to", "b@x.org", "--user", "alice"];
  for (const value of ["s3cr3t!pw", "pass word", "9lives", ""]) {
    const r = parse(...base, "--password-env", value);
    assert.equal(r.command, undefined, value);
    assert.equal(r.error?.message, "error: --password-env (the value is not shown: it may hold a password): not the name of an environment variable (letters, digits and _): give the variable's name, not the password");
    if (value !== "") assert.ok(!(r.error?.message ?? "").includes(value) && !r.err.includes(value), value);
  }
  for (const name of ["PW", "smtp_password", "_X1"]) assert.equal((parse(...base, "--password-env", name).command as { passwordEnv?: string }).passwordEnv, name);
});

test("user:pass keeps colons in the password", () => {
  assert.deepEqual(parseUserPass("alice:a:b:c"), ["alice", "a:b:c"]);
  assert.throws(() => parseUserPass("alice"));
  assert.throws(() => parseUserPass(":pw"));
});

test("send: all options", () => {
  const { command } = parse("send", "--server", "localhost:2525", "--from", "a@x.org", "--to", "b@x.org", "--to", "c@x.org",
    "--file", "msg.eml", "--starttls", "--user", "alice", "--password-env", "PW", "-vv", "--timeout", "5000", "--ca-file", "ca.pem",
    "--mail-option", "RET=HDRS", "--mail-option", "ENVID=q1+2B", "--rcpt-option", "NOTIFY=SUCCESS,FAILURE", "--no-pipelining", "--no-chunking", "--auth-mech", "login", "--auth-mech", "Plain", "--auth-mech", "LOGIN");
  assert.deepEqual(command, {
    kind: "send", host: "localhost", port: 2525, tlsMode: "starttls", insecure: false, lmtp: false,
    caFile: "ca.pem", timeout: 5000, from: "a@x.org", to: ["b@x.org", "c@x.org"], file: "msg.eml",
    user: "alice", passwordEnv: "PW", verbosity: 2, progress: true,
    mailOptions: ["RET=HDRS", "ENVID=q1+2B"], rcptOptions: ["NOTIFY=SUCCESS,FAILURE"], pipelining: false, chunking: false,
    authMechanisms: ["LOGIN", "PLAIN"],
  });
});

test("send: defaults, stdin, -v, --ssl, --require-tls, --lmtp, --no-progress", () => {
  const base = ["send", "--server", "h", "--from", "a@x.org", "--to", "b@x.org"];
  const plain = parse(...base).command;
  assert.equal(plain?.kind, "send");
  if (plain?.kind !== "send") return;
  assert.equal(plain.file, undefined);
  assert.equal(plain.port, 0);
  assert.equal(plain.tlsMode, "none");
  assert.equal(plain.verbosity, 0);
  assert.deepEqual((parse(...base, "-v").command as { verbosity: number }).verbosity, 1);
  assert.deepEqual((parse(...base, "-v", "-v", "-v").command as { verbosity: number }).verbosity, 2);
  assert.equal((parse(...base, "--ssl").command as { tlsMode: string }).tlsMode, "ssl");
  assert.equal((parse(...base, "--require-tls").command as { tlsMode: string }).tlsMode, "require-tls");
  assert.equal((parse(...base, "--lmtp").command as { lmtp: boolean }).lmtp, true);
  assert.equal((parse(...base, "--no-progress").command as { progress: boolean }).progress, false);
});

test("send: usage errors", () => {
  const base = ["send", "--server", "h", "--from", "a@x.org", "--to", "b@x.org"];
  const cases: string[][] = [
    ["send", "--from", "a@x.org", "--to", "b@x.org"],
    ["send", "--server", "h", "--to", "b@x.org"],
    ["send", "--server", "h", "--from", "a@x.org"],
    [...base, "--ssl", "--starttls"],
    [...base, "--starttls", "--require-tls"],
    [...base, "--ssl", "--lmtp"],
    [...base, "--user", "alice"],
    [...base, "--password-env", "PW"],
    [...base, "--timeout", "0"],
    [...base, "--timeout", "2147483648"],
    [...base, "--bogus"],
    ["send", "--server", "h:99999", "--from", "a", "--to", "b"],
    // not one address: refused before connecting, naming the option
    ["send", "--server", "h", "--from", "a b", "--to", "b@x.org"],
    [...base, "--to", "<c@x.org"],
    [...base, "--to", "c@x.org, d@x.org"],
    ["send", "--server", "h", "--from", "a\u0007@x.org", "--to", "b@x.org"],
    // not one ESMTP parameter: refused before connecting (CR/LF injection included)
    [...base, "--mail-option", ""],
    [...base, "--mail-option", "RET=HDRS ENVID=x"],
    [...base, "--mail-option", "RET="],
    [...base, "--mail-option", "=HDRS"],
    [...base, "--mail-option", "-RET=HDRS"],
    [...base, "--mail-option", "RET=A=B"],
    [...base, "--rcpt-option", "NOTIFY=NEVER\r\nRCPT TO:<x@y>"],
    [...base, "--rcpt-option", "NOTIFY=NEVER\u0000"],
    [...base, "--rcpt-option", "NOTIFY\t=NEVER"],
  ];
  for (const argv of cases) {
    const r = parse(...argv);
    assert.ok(r.error, `no error for ${argv.join(" ")}`);
    assert.notEqual(r.error.code, "commander.helpDisplayed");
  }
});

test("send: --mail-option/--rcpt-option take RFC 5321 esmtp-params (a UTF-8 value too) and name themselves when refused", () => {
  const base = ["send", "--server", "h", "--from", "a@x.org", "--to", "b@x.org"];
  const ok = parse(...base, "--mail-option", "SMTPUTF8", "--mail-option", "BODY=8BITMIME", "--rcpt-option", "ORCPT=utf-8;jürgen@x.org").command;
  assert.deepEqual(ok?.kind === "send" && [ok.mailOptions, ok.rcptOptions], [["SMTPUTF8", "BODY=8BITMIME"], ["ORCPT=utf-8;jürgen@x.org"]]);
  const bad = parse(...base, "--rcpt-option", "NOTIFY=NEVER\r\nDATA");
  assert.equal(bad.error?.message, 'error: --rcpt-option "NOTIFY=NEVER\\r\\nDATA": not an ESMTP parameter (KEYWORD or KEYWORD=value, no spaces)');
});

test("send: an ESMTP value with white space, a zero-width or a bidi control past ASCII is a usage error naming it by code point, even with SMTPUTF8", () => {
  const base = ["send", "--server", "h", "--from", "a@x.org", "--to", "b@x.org", "--mail-option", "SMTPUTF8"];
  const words = "Unicode white space, a zero-width, invisible or bidi control character";
  for (const [flag, value, code] of [["--mail-option", "ENVID=a\u200bb", "U+200B"], ["--rcpt-option", "ORCPT=utf-8;b\u2060@x.org", "U+2060"],
    ["--mail-option", "ENVID=a\ufeffb", "U+FEFF"], ["--rcpt-option", "NOTIFY=NEVER\u2066", "U+2066"], ["--mail-option", "ENVID=a\u00a0b", "U+00A0"]]) {
    const bad = parse(...base, flag!, value!);
    assert.equal(bad.error?.code, "smtplib.usage", value);
    assert.ok(bad.error.message.endsWith(`: not an ESMTP parameter (KEYWORD or KEYWORD=value, no spaces) (it holds ${code}: ${words})`), bad.error.message);
  }
  assert.match(parse(...base, "--mail-option", "ENVID=a\u2028b").error?.message ?? "", /\(it holds U\+2028: a Unicode line separator\)$/);
  // ZWNJ and ZWJ, which Persian and Indic words need, are taken (as in an address)
  assert.equal(parse(...base, "--rcpt-option", "ORCPT=utf-8;\u0645\u06cc\u200c\u0631\u0648\u200d@x.org").command?.kind, "send");
});

test("send: a non-ASCII parameter value without SMTPUTF8 is a usage error naming it; with --mail-option SMTPUTF8 or a non-ASCII address it is taken", () => {
  const base = ["send", "--server", "h", "--from", "a@x.org", "--to", "b@x.org"];
  const bad = parse(...base, "--mail-option", "ENVID=é");
  assert.equal(bad.error?.code, "smtplib.usage");
  assert.equal(bad.error?.message, 'error: --mail-option "ENVID=é": a non-ASCII value needs SMTPUTF8 (add --mail-option SMTPUTF8)');
  assert.equal(parse(...base, "--rcpt-option", "ORCPT=utf-8;jé@x.org").error?.code, "smtplib.usage");
  assert.equal(parse(...base, "--mail-option", "ENVID=é", "--mail-option", "smtputf8").command?.kind, "send");
  assert.equal(parse("send", "--server", "h", "--from", "a@x.org", "--to", "jé@x.org", "--rcpt-option", "ORCPT=utf-8;jé@x.org").command?.kind, "send");
  // a display name past ASCII is not sent: it asks for no SMTPUTF8 (the library then refused the value only after EHLO)
  assert.equal(parse("send", "--server", "h", "--from", "Jörg <a@x.org>", "--to", "b@x.org", "--mail-option", "ENVID=é").error?.code, "smtplib.usage");
});

test("send: an address that is not one address names its option", () => {
  const r = parse("send", "--server", "h", "--from", "a@x.org", "--to", "b@x.org", "--to", "c d");
  assert.equal(r.error?.code, "smtplib.usage");
  assert.match(r.error.message, /--to "c d": cannot parse address "c d"/);
  assert.match(parse("send", "--server", "h", "--from", "<a@x", "--to", "b@x.org").error?.message ?? "", /--from "<a@x": /);
  // recipients as one comma-separated --to: repeat --to (the library's advice is about arrays)
  assert.equal(parse("send", "--server", "h", "--from", "a@x.org", "--to", "b@x.org,c@x.org").error?.message,
    'error: --to "b@x.org,c@x.org": cannot parse address "b@x.org,c@x.org": it holds 2 addresses, and a sender or a recipient is one (give --to once for each)');
  assert.equal(parse("send", "--server", "h", "--from", "a@x.org, b@x.org", "--to", "c@x.org").error?.message,
    'error: --from "a@x.org, b@x.org": cannot parse address "a@x.org, b@x.org": it holds 2 addresses, and a sender or a recipient is one');
  // the null sender and display-name forms stay accepted
  assert.equal(parse("send", "--server", "h", "--from", "", "--to", "Bob <b@x.org>").command?.kind, "send");
});

test("send: a recipient that is the null path (<>) is a usage error naming --to, before connecting", () => {
  for (const to of ["<>", " <> "]) {
    const r = parse("send", "--server", "h", "--from", "a@x.org", "--to", "b@x.org", "--to", to);
    assert.equal(r.error?.code, "smtplib.usage", to);
    assert.match(r.error.message, /--to "[^"]*": a recipient cannot be the null path <>/);
  }
});

test("serve: defaults and options", () => {
  const d = parse("serve").command;
  assert.deepEqual(d, {
    kind: "serve", host: "127.0.0.1", port: 8025, lmtp: false, users: new Map(), authFiles: [], authRequired: false, size: 32 * 1024 * 1024,
    refuseSenders: [], refuseRecipients: [], quiet: false, printMax: 65536, extensions: {}, maxClients: 100, maxRecipients: 1000, greetingDelay: 0,
  });
  const socket = parse("serve", "--socket", "/tmp/s.sock", "--lmtp").command;
  assert.ok(socket !== undefined && socket.kind === "serve" && socket.socket === "/tmp/s.sock" && socket.lmtp, "--socket");
  const unlimited = parse("serve", "--size", "0").command;
  // kept as 0 (the debugging server's "no limit"): left out, the server's own 32 MiB applied
  assert.ok(unlimited !== undefined && unlimited.kind === "serve" && unlimited.size === 0, "--size 0: no limit");
  const full = parse("serve", "--port", "0", "--host", "::1", "--lmtp", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-implicit",
    "--auth", "alice:pw", "--auth", "bob:x:y", "--auth-required", "--size", "1000", "--refuse-sender", "s@x", "--refuse-recipient", "r@x", "--quiet", "--print-max", "0",
    "--hide", "pipelining,8BITMIME", "--offer", "dsn", "--max-clients", "3", "--max-recipients", "101", "--greeting-delay", "250").command;
  assert.deepEqual(full, {
    kind: "serve", host: "::1", port: 0, lmtp: true, tls: { certFile: "c.pem", keyFile: "k.pem", implicit: true },
    users: new Map([["alice", "pw"], ["bob", "x:y"]]), authFiles: [], authRequired: true, size: 1000,
    refuseSenders: ["s@x"], refuseRecipients: ["r@x"], quiet: true, printMax: 0,
    extensions: { pipelining: false, eightBitMime: false, dsn: true }, maxClients: 3, maxRecipients: 101, greetingDelay: 250,
  });
  for (const argv of [["--tls-cert", "c"], ["--tls-key", "k"], ["--tls-implicit"], ["--auth-required"], ["--auth", "nopass"], ["--port", "x"], ["--hide", "bogus"],
    ["--max-clients", "0"], ["--max-clients", "-1"], ["--max-recipients", "1.5"], ["--max-recipients", "x"],
    ["--greeting-delay", "-1"], ["--greeting-delay", "0.5"], ["--greeting-delay", "2147483648"],
    ["--socket", "/tmp/s.sock", "--port", "25"], ["--socket", "/tmp/s.sock", "--host", "::1"], ["--socket", ""],
    // past what a double holds exactly: 2^53
    ["--max-clients", "9007199254740992"], ["--size", "99999999999999999999"], ["--print-max", "9007199254740992"]]) {
    assert.ok(parse("serve", ...argv).error, argv.join(" "));
  }
});

test("serve: --chunking and --offer chunking offer CHUNKING; it is off by default", () => {
  for (const argv of [["--chunking"], ["--offer", "chunking"], ["--offer", "dsn", "--chunking"]]) {
    const cmd = parse("serve", ...argv).command;
    assert.ok(cmd?.kind === "serve" && cmd.extensions.chunking === true, argv.join(" "));
  }
  const d = parse("serve").command;
  assert.ok(d?.kind === "serve" && d.extensions.chunking === undefined);
});

test("serve: --offer/--hide starttls and --offer requiretls without a certificate are usage errors, not silently ignored", () => {
  for (const argv of [["--offer", "starttls"], ["--hide", "starttls"], ["--offer", "requiretls"], ["--offer", "dsn,requiretls"]]) {
    const r = parse("serve", ...argv);
    assert.equal(r.command, undefined, argv.join(" "));
    assert.match(r.error?.message ?? "", /needs --tls-cert and --tls-key/, argv.join(" "));
  }
  for (const argv of [["--offer", "starttls"], ["--hide", "starttls"], ["--offer", "requiretls"]]) {
    assert.ok(parse("serve", "--tls-cert", "c", "--tls-key", "k", ...argv).command, `${argv.join(" ")} with a certificate`);
  }
});

// An extension both hidden and offered was taken silently, the offer winning whatever the
// order (`--chunking --hide chunking` offered CHUNKING); and --hide/--offer starttls with
// --tls-implicit changed nothing (no STARTTLS on an implicit-TLS port), though the same flags
// without a certificate, which change nothing either, are usage errors.
test("serve: an extension both hidden and offered, and --hide/--offer starttls with --tls-implicit, are usage errors", () => {
  const cases: [string[], string][] = [
    [["--hide", "chunking", "--chunking"], "error: --hide chunking and --offer chunking (or --chunking) contradict each other: give one"],
    [["--chunking", "--hide", "chunking"], "error: --hide chunking and --offer chunking (or --chunking) contradict each other: give one"],
    [["--offer", "dsn", "--hide", "size,DSN"], "error: --hide dsn and --offer dsn contradict each other: give one"],
    [["--hide", "pipelining", "--offer", "pipelining"], "error: --hide pipelining and --offer pipelining contradict each other: give one"],
    [["--tls-cert", "c", "--tls-key", "k", "--hide", "starttls", "--offer", "starttls"], "error: --hide starttls and --offer starttls contradict each other: give one"],
    [["--tls-cert", "c", "--tls-key", "k", "--tls-implicit", "--hide", "starttls"], "error: --hide starttls does nothing with --tls-implicit (TLS from the first byte: STARTTLS is never offered)"],
    [["--tls-cert", "c", "--tls-key", "k", "--tls-implicit", "--offer", "starttls"], "error: --offer starttls does nothing with --tls-implicit (TLS from the first byte: STARTTLS is never offered)"],
  ];
  for (const [argv, message] of cases) {
    const r = parse("serve", ...argv);
    assert.equal(r.error?.exitCode, 2, argv.join(" "));
    assert.equal(r.error?.message, message, argv.join(" "));
  }
  // the same extension twice in one list, and requiretls with implicit TLS (its sessions are TLS): taken
  assert.ok(parse("serve", "--hide", "pipelining", "--hide", "pipelining,size").command);
  assert.ok(parse("serve", "--offer", "chunking", "--chunking").command);
  assert.ok(parse("serve", "--tls-cert", "c", "--tls-key", "k", "--tls-implicit", "--offer", "requiretls").command);
});

test("serve: an empty --host (an unset variable: --host \"$HOST\") is a usage error naming the flag, not every interface", () => {
  for (const host of ["", " "]) {
    const r = parse("serve", "--host", host);
    assert.equal(r.command, undefined, JSON.stringify(r.command));
    assert.match(r.error?.message ?? "", /^error: --host " ?": an address to listen on is required/);
  }
});

test("serve: --host [::1] (bracketed, as serve prints it) listens on ::1, not on a name [::1] looked up in DNS", () => {
  const r = parse("serve", "--host", "[::1]").command;
  assert.equal(r?.kind === "serve" ? r.host : undefined, "::1");
  const name = parse("serve", "--host", "[localhost]").command;
  assert.equal(name?.kind === "serve" ? name.host : undefined, "[localhost]");
});

test("serve: --auth-file (read when the server starts, repeatable as --auth) adds to --auth and satisfies --auth-required; help points to it", () => {
  const r = parse("serve", "--auth-file", "users.txt", "--auth", "alice:pw", "--auth-file", "more.txt", "--auth-required").command;
  assert.ok(r?.kind === "serve");
  assert.deepEqual(r.authFiles, ["users.txt", "more.txt"]);
  assert.deepEqual(r.users, new Map([["alice", "pw"]]));
  assert.equal(r.authRequired, true);
  assert.equal((parse("serve", "--auth-file", "users.txt", "--auth-required").command as { authRequired: boolean }).authRequired, true);
  assert.match(parse("serve", "--auth-required").error?.message ?? "", /--auth-required needs --auth-file or at least one --auth/);
  const help = parse("serve", "--help").out.replace(/\s+/g, " ");
  assert.match(help, /--auth <user:pass> .*process list \(ps\): prefer --auth-file/);
  assert.match(help, /--auth-file <file> .*this file \(repeatable\), one user:password a line .*spaces around the user name dropped, the password kept as written/);
});

test("probe: target and TLS mode", () => {
  assert.deepEqual(parse("probe", "smtp.example.org:465", "--ssl").command, {
    kind: "probe", host: "smtp.example.org", port: 465, tlsMode: "ssl", insecure: false, lmtp: false, verbosity: 0, json: false, timeout: 30_000,
  });
  assert.equal((parse("probe", "mx.example.org", "-v").command as { verbosity: number }).verbosity, 1);
  assert.equal((parse("probe", "mx.example.org", "-vvv").command as { verbosity: number }).verbosity, 2);
  assert.ok(parse("probe").error);
  // probe answers within seconds by default; --timeout still sets it; send keeps the library's.
  assert.equal((parse("probe", "mx.example.org", "--timeout", "500").command as { timeout?: number }).timeout, 500);
  assert.equal((parse("send", "--server", "mx.example.org", "--from", "a@x.org", "--to", "b@x.org").command as { timeout?: number }).timeout, undefined);
  assert.deepEqual(parse("send", "--server", "[127.0.0.1]:2525", "--from", "a@x.org", "--to", "b@x.org").command,
    { kind: "send", host: "127.0.0.1", port: 2525, tlsMode: "none", insecure: false, lmtp: false, from: "a@x.org", to: ["b@x.org"], verbosity: 0, progress: true,
      mailOptions: [], rcptOptions: [], pipelining: true, chunking: true, authMechanisms: [] });
  assert.equal(parse("probe", "[127.0.0.1]").command?.host, "127.0.0.1");
});

test("--ca-file, --insecure and --servername without a TLS mode are usage errors (the link would stay in clear text, unverified); with one they are taken", () => {
  for (const flags of [["--ca-file", "ca.pem"], ["--insecure"], ["--servername", "mx.test"]]) {
    for (const argv of [["send", "--server", "mx.test", "--from", "a@x.org", "--to", "b@x.org", ...flags], ["probe", "mx.test", ...flags]]) {
      const r = parse(...argv);
      assert.equal(r.error?.exitCode, 2, argv.join(" "));
      assert.equal(r.error?.message, `error: ${flags[0]} applies to TLS only: add --require-tls (STARTTLS, or fail), --starttls (if offered) or --ssl (TLS from the first byte)`);
      for (const mode of ["--starttls", "--require-tls", "--ssl"]) assert.ok(parse(...argv, mode).command, `${argv.join(" ")} ${mode}`);
    }
  }
});

// With --lmtp the advice named --ssl too, which is a usage error with --lmtp (no LMTP over
// implicit TLS): following it led to another usage error.
test("--ca-file, --insecure or --servername without a TLS mode, with --lmtp: the advice names LMTP's TLS flags only, not --ssl", () => {
  for (const flags of [["--ca-file", "ca.pem"], ["--insecure"], ["--servername", "mx.test"]]) {
    for (const argv of [["send", "--lmtp", "--server", "mx.test", "--from", "a@x.org", "--to", "b@x.org", ...flags], ["probe", "mx.test", ...flags, "--lmtp"]]) {
      const r = parse(...argv);
      assert.equal(r.error?.exitCode, 2, argv.join(" "));
      assert.equal(r.error?.message, `error: ${flags[0]} applies to TLS only: add --require-tls (STARTTLS, or fail) or --starttls (if offered)`);
      for (const mode of ["--starttls", "--require-tls"]) assert.ok(parse(...argv, mode).command, `${argv.join(" ")} ${mode}`);
    }
  }
});

// An empty --helo or --servername (an unset variable: --helo "$NAME") was taken and ignored:
// EHLO sent the default name, and the certificate was checked against the host, unsaid.
test("an empty --helo or --servername is a usage error naming the flag, not silently the default", () => {
  for (const [flag, reason] of [["--helo", "an empty one would send the default name instead"], ["--servername", "an empty one would check the certificate against the host instead"]]) {
    for (const value of ["", " "]) {
      for (const argv of [["probe", "mx.test", "--require-tls", flag, value], ["send", "--server", "mx.test", "--from", "a@x.org", "--to", "b@x.org", "--require-tls", flag, value]]) {
        const r = parse(...argv);
        assert.equal(r.error?.exitCode, 2, argv.join(" "));
        assert.equal(r.error?.message, `error: ${flag} "${value}": a name is required (${reason}, unsaid)`);
      }
    }
  }
  assert.equal((parse("probe", "mx.test", "--helo", "client.example.org").command as { localHostname?: string }).localHostname, "client.example.org");
  assert.equal((parse("probe", "mx.test", "--ssl", "--servername", "mx.example.org").command as { servername?: string }).servername, "mx.example.org");
});

// A --servername with CR or LF was taken and sent as given in the TLS handshake's SNI; a
// --helo with whitespace, CR or LF was refused only by the library, after probe had printed
// what it connects to, and not as a usage error naming the value. Both are usage errors now.
test("a --helo or --servername with whitespace, CR, LF or another control character is a usage error, before anything is sent", () => {
  const values = ["mx.test\r\nMAIL FROM:<a@x.org>", "mx.test\n", "mx test", "mx.test\t", "mx\u0000.test", "mx\u001b.test", "mx\u007f.test", " mx.test", "mx\u0085.test", "mx\u00a0.test"];
  for (const flag of ["--helo", "--servername"]) {
    for (const value of values) {
      for (const argv of [["probe", "mx.test", "--require-tls", flag, value], ["send", "--server", "mx.test", "--from", "a@x.org", "--to", "b@x.org", "--ssl", flag, value]]) {
        const r = parse(...argv);
        assert.equal(r.error?.exitCode, 2, JSON.stringify(argv));
        assert.ok(r.error?.message.startsWith(`error: ${flag} "`), r.error?.message);
      }
    }
  }
  // an IDN: the library takes A-labels only in EHLO; SNI takes it as Node does
  assert.match(parse("probe", "mx.test", "--helo", "bücher.example").error?.message ?? "", /^error: --helo "bücher\.example": the name must be ASCII/);
});

// A --servername in brackets ("[::1]", as in a URL) is no address to Node: it went out as SNI.
test("a --servername in brackets is a usage error saying to give the address without them", () => {
  for (const argv of [["probe", "::1", "--ssl", "--servername", "[::1]"], ["send", "--server", "mx.test", "--from", "a@x.org", "--to", "b@x.org", "--ssl", "--servername", "[::1]"]]) {
    const r = parse(...argv);
    assert.equal(r.error?.exitCode, 2, JSON.stringify(argv));
    assert.match(r.error?.message ?? "", /^error: --servername "\[::1\]": in brackets: give the address without brackets, "::1" \(no SNI is sent for an IP address/);
  }
  assert.match(parse("probe", "mx.test", "--ssl", "--servername", "[mx.test]").error?.message ?? "", /^error: --servername "\[mx\.test\]": in brackets: a host name holds no brackets$/);
  assert.equal((parse("probe", "::1", "--ssl", "--servername", "::1").command as { servername?: string }).servername, "::1");
});

test("a Unix socket path (for LMTP): a relative one is made absolute (the library takes only those); without --lmtp, a usage error", () => {
  assert.equal(parse("probe", "run/dovecot/lmtp", "--lmtp").command?.host, resolve("run/dovecot/lmtp"));
  assert.equal(parse("send", "--server", "./lmtp", "--lmtp", "--from", "a@x.org", "--to", "b@x.org").command?.host, resolve("lmtp"));
  assert.equal(parse("probe", "/var/run/dovecot/lmtp", "--lmtp").command?.host, "/var/run/dovecot/lmtp");
  // A colon or brackets in a path are part of it: not a port, not an IPv6 address.
  assert.deepEqual(parseHostPort("/run/lmtp:2003"), { host: "/run/lmtp:2003", port: 0 });
  assert.equal(parse("probe", "/run/a:b/[lmtp]", "--lmtp").command?.host, "/run/a:b/[lmtp]");
  for (const argv of [["probe", "/var/run/dovecot/lmtp"], ["send", "--server", "run/lmtp", "--from", "a@x.org", "--to", "b@x.org"]]) {
    const r = parse(...argv);
    assert.equal(r.error?.exitCode, 2, argv.join(" "));
    assert.match(r.error?.message ?? "", /is a Unix socket path: only LMTP connects to one \(give --lmtp\)/);
  }
});

// With --ssl the advice "give --lmtp" led to another usage error (--ssl with --lmtp).
test("a Unix socket path with --ssl and without --lmtp: the advice says --lmtp without --ssl", () => {
  for (const argv of [["probe", "/var/run/dovecot/lmtp", "--ssl"], ["send", "--ssl", "--server", "./lmtp", "--from", "a@x.org", "--to", "b@x.org"]]) {
    const r = parse(...argv);
    assert.equal(r.error?.exitCode, 2, argv.join(" "));
    assert.match(r.error?.message ?? "", /is a Unix socket path: only LMTP connects to one \(give --lmtp, without --ssl: LMTP has no implicit TLS\)$/, argv.join(" "));
  }
});

test("a URL as the server (Nodemailer's smtps://user:pass@host) is a usage error saying what to give, never showing a password in it", () => {
  const base = ["--from", "a@x.org", "--to", "b@x.org"];
  const cases: [string[], RegExp][] = [
    [["send", "--server", "smtp://127.0.0.1:2525", ...base], /^error: --server "smtp:\/\/127\.0\.0\.1:2525": a URL, not host\[:port\]: give 127\.0\.0\.1:2525$/],
    [["send", "--server", "smtps://mail.example.org", ...base], /: a URL, not host\[:port\]: give mail\.example\.org:465 with --ssl$/],
    [["send", "--server", "SMTP://mail.example.org", "--lmtp", ...base], /: a URL, not host\[:port\]: give mail\.example\.org$/],
    [["probe", "smtp://[::1]:25"], /: a URL, not host\[:port\]: give \[::1\]:25$/],
    [["send", "--server", "smtps://bob:s3cret-pw@mail.example.org:465", ...base],
      /^error: --server \(the value is not shown: it may hold a password\): a URL, not host\[:port\]: give mail\.example\.org:465 with --ssl; a user goes in --user and a password in an environment variable named by --password-env/],
    // a password given unencoded with "/", "?" or "#" in it (which end a URL's authority) is not shown either
    ...["ab/s3cret-pw", "ab?s3cret-pw", "ab#s3cret-pw"].map((pw): [string[], RegExp] => [["send", "--server", `smtps://bob:${pw}@mail.example.org:465`, ...base],
      /^error: --server \(the value is not shown: it may hold a password\): a URL, not host\[:port\]/]),
    // a password typed unencoded, whose "/", "?" or "#" ends the URL's authority before its "@"
    [["send", "--server", "smtps://bob:s3cret-pw/x@mail.example.org:465", ...base],
      /^error: --server \(the value is not shown: it may hold a password\): a URL, not host\[:port\]: give HOST\[:PORT\] with --ssl; a user goes in --user/],
    [["probe", "smtp://bob:s3cret-pw#x@mail.example.org"], /^error: probe's server \(the value is not shown: it may hold a password\): a URL, not host\[:port\]: give HOST\[:PORT\]; probe does not log in: leave the user and password out/],
    [["probe", "smtp://bob:s3cret-pw?x@mail.example.org"], /^error: probe's server \(the value is not shown: it may hold a password\): a URL, not host\[:port\]/],
    // no scheme: user:password@host[:port]
    [["send", "--server", "bob:s3cret-pw@mail.example.org:587", ...base], /^error: --server \(the value is not shown: it may hold a password\): a user part, not host\[:port\]: a user goes in --user and a password in an environment variable named by --password-env/],
    [["probe", "bob:s3cret-pw@mail.example.org"], /^error: probe's server \(the value is not shown: it may hold a password\): a user part, not host\[:port\]/],
  ];
  for (const [argv, expected] of cases) {
    const r = parse(...argv);
    assert.equal(r.error?.exitCode, 2, argv.join(" "));
    assert.match(r.error?.message ?? "", expected, argv.join(" "));
    assert.doesNotMatch(`${r.error?.message ?? ""}${r.err}`, /s3cret-pw|Unix socket/, argv.join(" "));
  }
});

// probe has no --user nor --password-env: its advice for a server value with a user part
// ("a user goes in --user and a password in ... --password-env") led, followed, to
// "error: unknown option '--user'". It says to leave them out; send's advice is unchanged.
test("probe with a user part in its server (a URL or user:password@host): the advice leaves it out, naming no flag probe lacks", () => {
  for (const value of ["smtps://bob:s3cret-pw@mail.example.org", "bob:s3cret-pw@mail.example.org:25"]) {
    const r = parse("probe", value);
    assert.equal(r.error?.exitCode, 2, value);
    assert.match(r.error?.message ?? "", /[:;] probe does not log in: leave the user and password out \(a command line is readable by every local user\)$/, value);
    assert.doesNotMatch(r.error?.message ?? "", /--user|--password-env|s3cret-pw/, value);
  }
  // the flags send's advice names, given to probe, are unknown options
  assert.equal(parse("probe", "--user", "bob", "mail.example.org").error?.code, "commander.unknownOption");
  assert.match(parse("send", "--server", "bob:s3cret-pw@mail.example.org", "--from", "a@x.org", "--to", "b@x.org").error?.message ?? "", /a user goes in --user and a password in an environment variable named by --password-env/);
});

// `--lmtp --server smtps://...` advised "give HOST:465 with --ssl", and `--lmtp --ssl` is a
// usage error (smtplib has no LMTP over implicit TLS): advice that went in a circle. With
// --lmtp (before or after the server) it is what LMTP's other errors say: STARTTLS, with
// --require-tls, at an LMTP port; no --ssl to use, no port 465.
test("an smtps:// URL as the server with --lmtp: the advice is LMTP's (STARTTLS, --require-tls), not --ssl or port 465, wherever --lmtp is given", () => {
  const base = ["--from", "a@x.org", "--to", "b@x.org"];
  const advice = "smtps:// is TLS from the first byte, and smtplib speaks LMTP over TLS only with STARTTLS (--ssl is SMTP only): give mail.example.org:PORT, an LMTP port of the server that offers STARTTLS, with --require-tls";
  const cases: [string[], string][] = [
    [["send", "--lmtp", "--server", "smtps://mail.example.org:465", ...base], `error: --server "smtps://mail.example.org:465": a URL, not host[:port]: ${advice}`],
    [["send", "--server", "smtps://mail.example.org", ...base, "--lmtp"], `error: --server "smtps://mail.example.org": a URL, not host[:port]: ${advice}`],
    [["probe", "smtps://mail.example.org", "--lmtp"], `error: probe's server "smtps://mail.example.org": a URL, not host[:port]: ${advice}`],
    [["probe", "--lmtp", "SMTPS://mail.example.org:465"], `error: probe's server "SMTPS://mail.example.org:465": a URL, not host[:port]: ${advice}`],
    [["send", "--server", "smtps://bob:s3cret-pw@mail.example.org:465", "--lmtp", ...base],
      `error: --server (the value is not shown: it may hold a password): a URL, not host[:port]: ${advice}; a user goes in --user and a password in an environment variable named by --password-env (a command line is readable by every local user)`],
  ];
  for (const [argv, expected] of cases) {
    const r = parse(...argv);
    assert.equal(r.error?.exitCode, 2, argv.join(" "));
    assert.equal(r.error?.message, expected, argv.join(" "));
  }
  // without --lmtp, --ssl is still the advice
  assert.match(parse("probe", "smtps://mail.example.org").error?.message ?? "", /give mail\.example\.org:465 with --ssl$/);
});

test("send --file - reads stdin, as when --file is not given", () => {
  const base = ["send", "--server", "mx.example.org", "--from", "a@x.org", "--to", "b@x.org"];
  const dash = parse(...base, "--file", "-").command;
  assert.ok(dash !== undefined && !("file" in dash), JSON.stringify(dash));
  assert.deepEqual(dash, parse(...base).command);
  assert.equal((parse(...base, "--file", "./-").command as { file?: string }).file, "./-");
});

test("--help is not an error; no command is", () => {
  const help = parse("send", "--help");
  assert.equal(help.error?.code, "commander.helpDisplayed");
  assert.match(help.out, /Exit codes:/);
  assert.match(help.out, /--password-env/);
  const none = parse();
  assert.ok(none.error && none.error.code !== "commander.helpDisplayed");
  assert.match(none.err, /Usage: smtplib/);
});

// serve's 1 (output not written) and 141 (output closed: serve | head) came with serve-output-pipe.test.ts
test("probe --help and serve --help end with their exit codes, as send --help does: probe 0, 1, 2, 5, 130; serve 0, 1, 2, 5, 141", () => {
  for (const [command, codes] of [["probe", ["0", "1", "2", "5", "130"]], ["serve", ["0", "1", "2", "5", "141"]]] as const) {
    const help = parse(command, "--help");
    assert.equal(help.error?.code, "commander.helpDisplayed");
    const table = help.out.split("\nExit codes:\n")[1];
    assert.ok(table !== undefined, `${command} --help has no exit codes:\n${help.out}`);
    assert.deepEqual([...table.matchAll(/^ {2}(\d+) {2}/gm)].map((m) => m[1]), codes, command);
  }
});

// send exits 2 for a --ca-file it cannot use (as probe, whose table said so), but its table
// and README's said only "usage error".
test("send --help's exit code 2 says a --ca-file that cannot be used, as probe --help's does", () => {
  for (const command of ["send", "probe"]) {
    const table = parse(command, "--help").out.split("\nExit codes:\n")[1] ?? "";
    assert.match(table, /^ {2}2 {2}usage error \(also a --ca-file that cannot be used/m, command);
  }
});

test("--auth-mech's list is the built-in registry's password mechanisms, in its order (args.ts keeps its own copy so that parsing loads no auth code)", () => {
  assert.deepEqual(PASSWORD_MECHANISMS, [...defaultRegistry()].filter((m) => m.needs === "password").map((m) => m.name));
});

test("a long bad value is quoted short in the usage error (its first 200 characters and its length), not echoed whole", () => {
  const from = `"${"a ".repeat(20_000)}<a@b.test>`;
  const bad = parse("send", "--server", "mx.example.org", "--from", from, "--to", "b@x.org");
  assert.equal(bad.error?.exitCode, 2);
  assert.ok(bad.error!.message.length < 600, `${bad.error!.message.length} characters`);
  assert.match(bad.error!.message, /^error: --from "" ?(a ){99}a?\.\.\." \(40011 characters\): address is longer than 1000 characters/);
});

test("a bad value of any parsed flag is quoted short too (commander's own wording echoed it whole), and --auth's not at all", () => {
  const long = "x".repeat(40_000);
  const send = ["send", "--server", "mx.example.org", "--from", "a@x.org", "--to", "b@x.org"];
  for (const argv of [
    [...send, "--mail-option", `${long} y`], [...send, "--rcpt-option", `${long} y`], [...send, "--timeout", long],
    [...send, "--auth-mech", long], ["send", "--server", `${long}:x`, "--from", "a@x.org", "--to", "b@x.org"],
    ["serve", "--port", long], ["serve", "--size", long], ["serve", "--max-clients", long], ["probe", `${long}:x`],
  ]) {
    const bad = parse(...argv);
    assert.equal(bad.error?.code, "smtplib.usage", argv.join(" ").slice(0, 80));
    assert.ok(bad.error.message.length < 600, `${bad.error.message.length} characters`);
    assert.match(bad.error.message, /"x{200}\.\.\." \(4000\d characters\): /);
    assert.equal(bad.err, "", "commander printed nothing of its own");
  }
  const auth = parse("serve", "--auth", "hunter2-without-a-user");
  assert.equal(auth.error?.message, "error: --auth (the value is not shown: it may hold a password): not user:password");
});

test("flagValue passes on, unchanged, an error of a parser that is not a bad value (a bug, or a usage error it words itself)", () => {
  const bug = new TypeError("not a value problem");
  assert.throws(() => flagValue("--x", () => { throw bug; })("v", undefined), (err) => err === bug);
  const own = new CommanderError(2, "smtplib.usage", "error: worded by the parser");
  assert.throws(() => flagValue("--x", () => { throw own; })("v", undefined), (err) => err === own);
  assert.equal(flagValue("--x", (v: string) => v.length)("four", undefined), 4);
});

test("send: a mistyped flag is reported as unknown (with commander's suggestion), not as the required flag it was meant to be", () => {
  const typo = parse("send", "--serevr", "localhost:25", "--from", "a@x.test", "--to", "b@x.test");
  assert.ok(typo.error, "a usage error");
  assert.match(typo.err, /unknown option '--serevr'/);
  assert.match(typo.err, /Did you mean --server\?/);
  // a flag simply left out still says which
  for (const [left, flag] of [["--server", "--server <host[:port]>"], ["--from", "--from <addr>"], ["--to", "--to <addr>"]] as const) {
    const argv = ["--server", "localhost:25", "--from", "a@x.test", "--to", "b@x.test"];
    argv.splice(argv.indexOf(left), 2);
    const missing = parse("send", ...argv);
    assert.ok(missing.error, left);
    assert.ok(missing.err.includes(`required option '${flag}' not specified`), missing.err);
  }
});

test("send and probe: --host, --hostname or --port (other tools' flags) is an unknown option that says how the server is given (send: --server host[:port]; probe: its argument); serve keeps its own --host and --port", () => {
  for (const cmd of ["send", "probe"] as const) {
    for (const [flag, shown] of [["--host", "--host"], ["--hostname=mail.example.org", "--hostname"], ["--port", "--port"]] as const) {
      const rest = cmd === "send" ? ["--from", "a@x.test", "--to", "b@x.test"] : ["mail.example.org"];
      const r = parse(cmd, flag, ...(flag.includes("=") ? [] : ["25"]), ...rest);
      assert.equal(r.error?.code, "commander.unknownOption", `${cmd} ${flag}`);
      const how = cmd === "send" ? "--server <host\\[:port\\]>" : "the argument: probe <host\\[:port\\]>";
      assert.match(r.err, new RegExp(`^error: unknown option '${shown}'\\n\\(the server is given as ${how}\\)`), `${cmd} ${flag}: ${r.err}`);
      assert.ok(!r.err.includes("mail.example.org"), r.err);
    }
  }
  // serve listens on --host and --port: they are its own flags
  const serve = parse("serve", "--host", "127.0.0.1", "--port", "0");
  assert.equal(serve.error, undefined, serve.err);
  // another unknown flag keeps commander's wording and suggestion
  assert.match(parse("send", "--serevr", "h", "--from", "a@x.test", "--to", "b@x.test").err, /unknown option '--serevr'\n\(Did you mean --server\?\)/);
});

test("an unknown option given with its value attached (--password=..., -p...) is a usage error that does not show the value", () => {
  const base = ["send", "--server", "mail.example.org:587", "--from", "a@x.test", "--to", "b@x.test"];
  for (const [flag, shown] of [["--password=hunter2-S3cret", "--password"], ["--pass=hunter2-S3cret", "--pass"], ["-phunter2-S3cret", "-p"], ["--auth=alice:hunter2-S3cret", "--auth"]] as const) {
    const r = parse(...base, flag);
    assert.equal(r.error?.code, "commander.unknownOption", flag);
    assert.ok(!r.err.includes("hunter2") && !String(r.error?.message).includes("hunter2"), `${flag}: ${r.err}`);
    assert.match(r.err, new RegExp(`^error: unknown option '${shown}'`), flag);
  }
  // Without a value: as commander says it, with its suggestion.
  assert.match(parse(...base, "--password-evn", "PW").err, /unknown option '--password-evn'\n\(Did you mean --password-env\?\)/);
  assert.match(parse("serve", "--quite").err, /unknown option '--quite'\n\(Did you mean --quiet\?\)/);
});

test("send: several --to are each checked; a malformed address literal or a line separator in --from or --to names its flag", () => {
  const ok = parse("send", "--server", "h", "--from", "a@x.org", "--to", "b@[192.0.2.1]", "--to", "c@[IPv6:2001:db8::1]", "--to", "Bob <b@[192.0.2.1]>");
  assert.deepEqual(ok.command?.kind === "send" ? ok.command.to : undefined, ["b@[192.0.2.1]", "c@[IPv6:2001:db8::1]"]);
  for (const [flag, value] of [["--to", "b@[foo]"], ["--to", "b@[999.0.0.1]"], ["--to", "b@x.org\u2028"], ["--from", "a\u2029@x.org"]] as const) {
    const args = flag === "--to" ? ["--from", "a@x.org", "--to", "c@x.org", "--to", value] : ["--from", value, "--to", "c@x.org"];
    const r = parse("send", "--server", "h", ...args);
    assert.equal(r.error?.code, "smtplib.usage", value);
    assert.ok(r.error.message.startsWith(`error: ${flag} "`), r.error.message);
  }
});
