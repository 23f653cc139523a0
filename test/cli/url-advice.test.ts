// A URL given as the server is a usage error that says what to give instead. Its advice
// must apply to the command line it was given with: `lmtps://` (LMTP over TLS from the
// first byte, which smtplib does not speak) got "give HOST:PORT" as if it were plain, with
// neither --lmtp nor LMTP's way to TLS (STARTTLS, --require-tls); `lmtp://` did not say
// --lmtp; and advice to add a flag that conflicts with one given (--ssl after --starttls or
// --require-tls; --require-tls after --starttls; --lmtp with --ssl) led to another usage
// error. Each advice here is followed, and the command it gives then parses.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { parse } from "../helpers/parse-args.js";

const base = ["--from", "a@x.org", "--to", "b@x.org"];
const LMTP_TLS = "LMTP over TLS only with STARTTLS (--ssl is SMTP only): give mail.example.org:PORT, an LMTP port of the server that offers STARTTLS, with";
const LMTPS = `lmtps:// is LMTP over TLS from the first byte, which smtplib does not speak: it speaks ${LMTP_TLS}`;
const SMTPS_LMTP = `smtps:// is TLS from the first byte, and smtplib speaks ${LMTP_TLS}`;
const NO_SSL = "without --ssl (smtplib speaks LMTP over TLS only with STARTTLS: --require-tls)";

// [the command line, the advice after "a URL, not host[:port]: ", the command line following it]
const cases: [string[], string, string[]][] = [
  [["send", "--server", "lmtps://mail.example.org:24", ...base], `${LMTPS} --lmtp and --require-tls`,
    ["send", "--server", "mail.example.org:2424", ...base, "--lmtp", "--require-tls"]],
  [["probe", "LMTPS://mail.example.org", "--lmtp"], `${LMTPS} --require-tls`,
    ["probe", "mail.example.org:2424", "--lmtp", "--require-tls"]],
  [["send", "--lmtp", "--starttls", "--server", "lmtps://mail.example.org", ...base], `${LMTPS} --require-tls (instead of --starttls)`,
    ["send", "--lmtp", "--server", "mail.example.org:2424", ...base, "--require-tls"]],
  [["probe", "--ssl", "lmtps://mail.example.org:24"], `${LMTPS} --lmtp and --require-tls, without --ssl`,
    ["probe", "mail.example.org:2424", "--lmtp", "--require-tls"]],
  [["send", "--lmtp", "--starttls", "--server", "smtps://mail.example.org", ...base], `${SMTPS_LMTP} --require-tls (instead of --starttls)`,
    ["send", "--lmtp", "--server", "mail.example.org:2424", ...base, "--require-tls"]],
  [["send", "--server", "lmtp://mail.example.org:24", ...base], "give mail.example.org:24 with --lmtp",
    ["send", "--server", "mail.example.org:24", ...base, "--lmtp"]],
  [["send", "--starttls", "--server", "lmtp://mail.example.org:24", ...base], "give mail.example.org:24 with --lmtp",
    ["send", "--starttls", "--server", "mail.example.org:24", ...base, "--lmtp"]],
  [["probe", "--require-tls", "--lmtp", "lmtp://mail.example.org"], "give mail.example.org",
    ["probe", "--require-tls", "--lmtp", "mail.example.org"]],
  [["send", "--ssl", "--server", "lmtp://mail.example.org:24", ...base], `give mail.example.org:24 with --lmtp, ${NO_SSL}`,
    ["send", "--server", "mail.example.org:24", ...base, "--lmtp"]],
  [["probe", "--ssl", "--lmtp", "lmtp://mail.example.org:24"], `give mail.example.org:24 ${NO_SSL}`,
    ["probe", "--lmtp", "mail.example.org:24"]],
  [["send", "--require-tls", "--server", "smtps://mail.example.org", ...base], "give mail.example.org:465 with --ssl instead of --require-tls",
    ["send", "--server", "mail.example.org:465", ...base, "--ssl"]],
  [["probe", "--starttls", "smtps://mail.example.org:4650"], "give mail.example.org:4650 with --ssl instead of --starttls",
    ["probe", "mail.example.org:4650", "--ssl"]],
];

test("a URL as the server: the advice fits the protocol (lmtps://, lmtp://) and the flags given, and following it gives a command that parses", () => {
  for (const [argv, advice, followed] of cases) {
    const r = parse(...argv);
    assert.equal(r.error?.exitCode, 2, argv.join(" "));
    assert.match(r.error?.message ?? "", /^error: (--server|probe's server) "[^"]+": a URL, not host\[:port\]: /, argv.join(" "));
    assert.equal(r.error?.message.replace(/^[^]*?a URL, not host\[:port\]: /, ""), advice, argv.join(" "));
    const ok = parse(...followed);
    assert.equal(ok.error, undefined, `${followed.join(" ")}: ${ok.error?.message ?? ""}`);
  }
});

test("an lmtps:// URL holding a user part: LMTP's advice, and the value not shown", () => {
  const r = parse("send", "--server", "lmtps://bob:s3cret-pw@mail.example.org:24", ...base);
  assert.equal(r.error?.message, `error: --server (the value is not shown: it may hold a password): a URL, not host[:port]: ${LMTPS} --lmtp and --require-tls; a user goes in --user and a password in an environment variable named by --password-env (a command line is readable by every local user)`);
});

// smtps, lmtp and lmtps are not special schemes to the URL parser: it keeps their host
// percent-encoded, and the advice named it so: "smtps://bücher.example" got "give
// b%C3%BCcher.example:465 with --ssl", a host name no DNS lookup finds. The advice names the
// host as typed, and following it gives the host the URL named.
test("a URL whose host is not ASCII or is percent-encoded: the advice names the host as typed, and following it connects there", () => {
  const hosts: [string, string, string][] = [
    ["smtps://bücher.example", "give bücher.example:465 with --ssl", "bücher.example"],
    ["lmtp://bücher.example:24", "give bücher.example:24 with --lmtp", "bücher.example"],
    ["smtps://mail%2Eexample.org:465", "give mail.example.org:465 with --ssl", "mail.example.org"],
    ["lmtps://bücher.example", `${LMTPS.replace("mail.example.org", "bücher.example")} --lmtp and --require-tls`, "bücher.example"],
    // a host that decodes to another value (a socket path, a user part) is not named
    ["smtps://a%2Fb:465", "give HOST[:PORT] with --ssl", ""],
    ["smtps://a%40b:465", "give HOST[:PORT] with --ssl", ""],
    // a percent-encoded "[" is no IPv6 address: "[x/y" would be read as a socket path
    ["smtps://%5Bx%2Fy:465", "give HOST[:PORT] with --ssl", ""],
  ];
  for (const [url, advice, host] of hosts) {
    const r = parse("probe", url);
    assert.equal(r.error?.message.replace(/^[^]*?a URL, not host\[:port\]: /, ""), advice, url);
    if (host === "") continue;
    const given = /give (\S+)/.exec(advice)![1]!.replace(":PORT", ":2424").replace(/,$/, "");
    const flags = url.startsWith("lmtp") ? ["--lmtp"] : ["--ssl"];
    assert.equal(parse("probe", given, ...flags).command?.host, host, url);
  }
});

// lmtp:///var/run/dovecot/lmtp names a Unix socket (no host): the advice said "give
// HOST[:PORT] with --lmtp", a placeholder for the path it held. It gives the path.
test("an lmtp:// URL with no host but a path: the advice gives the socket's path, and following it parses", () => {
  for (const [argv, advice, followed] of [
    [["send", "--server", "lmtp:///var/run/dovecot/lmtp", ...base], "give /var/run/dovecot/lmtp with --lmtp", ["send", "--server", "/var/run/dovecot/lmtp", "--lmtp", ...base]],
    [["probe", "--lmtp", "lmtp:///run/dovecot%20lmtp"], "give /run/dovecot lmtp", ["probe", "--lmtp", "/run/dovecot lmtp"]],
  ] as const) {
    const r = parse(...argv);
    assert.equal(r.error?.message.replace(/^[^]*?a URL, not host\[:port\]: /, ""), advice, argv.join(" "));
    const ok = parse(...followed);
    assert.equal(ok.error, undefined, `${followed.join(" ")}: ${ok.error?.message ?? ""}`);
    assert.equal(ok.command?.host, followed.find((a) => a.startsWith("/")), followed.join(" "));
  }
});
