// Advice to leave out --ssl for LMTP (which has no implicit TLS) given with a TLS-only flag
// (--ca-file, --insecure, --servername): "without --ssl", followed, was a second usage error,
// "--ca-file applies to TLS only: add --require-tls ...". The first message now names all
// there is to change: --require-tls instead of --ssl, or, for no TLS, those flags left out
// too; and each way, followed, parses. The cases: a Unix socket path without --lmtp, an
// lmtp:// URL, and a host name that is a Unix socket in the current directory.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectHint } from "../../src/cli/connect.js";
import { SMTPConnectError } from "../../src/index.js";
import { parse } from "../helpers/parse-args.js";

const MESSAGE = ["--from", "a@x.test", "--to", "b@x.test", "--subject", "s"];

/** Parses `argv` (a usage error expected) and returns its message. */
function usage(argv: string[]): string {
  const r = parse(...argv);
  assert.ok(r.error !== undefined, `${argv.join(" ")}: parsed, expected a usage error`);
  return r.error.message;
}

/** `argv` parses, as an LMTP command with the TLS mode `mode`. */
function parses(argv: string[], mode: string): void {
  const r = parse(...argv);
  assert.equal(r.error?.message, undefined, argv.join(" "));
  assert.ok(r.command !== undefined && r.command.kind !== "serve", argv.join(" "));
  assert.deepEqual([r.command.lmtp, r.command.tlsMode], [true, mode], argv.join(" "));
}

/** For each command (send, probe), its argv with `flags` and the server `server`. */
function commands(flags: string[], server: string): string[][] {
  return [["probe", ...flags, server], ["send", ...flags, "--server", server, ...MESSAGE]];
}

const TLS_ONLY: [string[], string, string][] = [
  [["--ca-file", "ca.pem"], "--ca-file needs TLS", "without --ssl and --ca-file"],
  [["--insecure"], "--insecure needs TLS", "without --ssl and --insecure"],
  [["--servername", "mx.test", "--ca-file", "ca.pem"], "--ca-file and --servername need TLS", "without --ssl, --ca-file and --servername"],
];

test("--ssl and a TLS-only flag with a Unix socket path, without --lmtp: --lmtp with --require-tls instead of --ssl, or without --ssl and the flag; both parse", () => {
  for (const [only, needs, without] of TLS_ONLY) {
    for (const argv of commands(["--ssl", ...only], "/run/lmtp.sock")) {
      const said = usage(argv);
      assert.ok(said.includes("(give --lmtp and --require-tls instead of --ssl (LMTP has no implicit TLS, and "), said);
      assert.ok(said.includes(needs) && said.includes(`or, for no TLS, ${without})`), said);
    }
    // the advice followed, each way
    for (const argv of commands(["--lmtp", "--require-tls", ...only], "/run/lmtp.sock")) parses(argv, "require-tls");
    for (const argv of commands(["--lmtp"], "/run/lmtp.sock")) parses(argv, "none");
  }
  // without a TLS-only flag, "without --ssl" alone works, as before
  assert.ok(usage(["probe", "--ssl", "/run/lmtp.sock"]).endsWith("(give --lmtp, without --ssl: LMTP has no implicit TLS)"));
});

test("--ssl and a TLS-only flag with an lmtp:// URL: the same advice, with or without --lmtp given; both ways parse", () => {
  for (const [url, target] of [["lmtp:///run/lmtp.sock", "/run/lmtp.sock"], ["lmtp://mx.test:24", "mx.test:24"]] as const) {
    for (const lmtp of [[], ["--lmtp"]]) {
      for (const [only, needs, without] of TLS_ONLY) {
        const [probe] = commands([...lmtp, "--ssl", ...only], url);
        const said = usage(probe!);
        assert.ok(said.includes(`give ${target} with ${lmtp.length === 0 ? "--lmtp and " : ""}--require-tls instead of --ssl (smtplib speaks LMTP over TLS only with STARTTLS, and ${needs}; or, for no TLS, ${without})`), said);
        parses(["probe", "--lmtp", "--require-tls", ...only, target], "require-tls");
        parses(["probe", "--lmtp", target], "none");
      }
    }
  }
});

test("a host name that is a Unix socket here, with --ssl and --ca-file: the hint says --require-tls instead of --ssl, or without --ssl and --ca-file", async () => {
  const dir = await mkdtemp(join(tmpdir(), "smtplib-ssl-advice-"));
  const name = "lmtp.invalid";
  const server = createServer((sock) => sock.end());
  await new Promise<void>((resolve) => server.listen(join(dir, name), resolve));
  const cwd = process.cwd();
  try {
    process.chdir(dir);
    const err = new SMTPConnectError(-1, `getaddrinfo ENOTFOUND ${name}`, { cause: Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: "ENOTFOUND" }) });
    const hint = connectHint(err, { host: name, port: 0, tlsMode: "ssl", insecure: false, lmtp: false, caFile: "ca.pem" });
    assert.equal(hint, ` (./${name} is a Unix socket: give its path with a slash, ./${name}, and --lmtp, with --require-tls instead of --ssl (LMTP has no implicit TLS, and --ca-file needs TLS; or, for no TLS, without --ssl and --ca-file))`);
    parses(["probe", "--lmtp", "--require-tls", "--ca-file", "ca.pem", `./${name}`], "require-tls");
    parses(["probe", "--lmtp", `./${name}`], "none");
    // without a TLS-only flag: "without --ssl" alone, as before
    assert.ok(connectHint(err, { host: name, port: 0, tlsMode: "ssl", insecure: false, lmtp: false }).endsWith(", and --lmtp, without --ssl)"));
  } finally {
    process.chdir(cwd);
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  }
});

test("a TLS-only flag without a TLS mode, with a socket path (no --lmtp) or an lmtp:// or smtp:// URL: the advice names a TLS mode to add, or the flag left out; both ways parse", () => {
  // a socket path: the socket's error first (the flag's own said "or --ssl", which --lmtp refuses)
  for (const argv of commands(["--ca-file", "ca.pem"], "/run/lmtp.sock")) {
    assert.ok(usage(argv).endsWith("(give --lmtp and --require-tls or --starttls (--ca-file needs TLS; or, for no TLS, without --ca-file))"), usage(argv));
  }
  for (const mode of ["--require-tls", "--starttls"]) {
    for (const argv of commands(["--lmtp", mode, "--ca-file", "ca.pem"], "/run/lmtp.sock")) parses(argv, mode.slice(2));
  }
  for (const [url, target] of [["lmtp:///run/lmtp.sock", "/run/lmtp.sock"], ["lmtp://mx.test:24", "mx.test:24"]] as const) {
    assert.ok(usage(["probe", "--insecure", url]).endsWith(`give ${target} with --lmtp, and --require-tls or --starttls (--insecure needs TLS; or, for no TLS, without --insecure)`), usage(["probe", "--insecure", url]));
    assert.ok(usage(["probe", "--lmtp", "--insecure", url]).endsWith(`give ${target} with --require-tls or --starttls (--insecure needs TLS; or, for no TLS, without --insecure)`));
    parses(["probe", "--lmtp", "--require-tls", "--insecure", target], "require-tls");
    parses(["probe", "--lmtp", target], "none");
  }
  const smtp = usage(["probe", "--servername", "mx.test", "smtp://mx.test:25"]);
  assert.ok(smtp.endsWith("give mx.test:25 with --require-tls, --starttls or --ssl (--servername needs TLS; or, for no TLS, without --servername)"), smtp);
  for (const mode of ["--require-tls", "--starttls", "--ssl"]) {
    const r = parse("probe", mode, "--servername", "mx.test", "mx.test:25");
    assert.equal(r.error?.message, undefined, mode);
  }
});
