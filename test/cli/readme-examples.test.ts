// Every command line that README's "Command line" section shows must still parse: a new usage
// error (conflicting flags, an empty or odd value refused) must not turn a documented command
// into exit 2. The whole commands are taken from the README itself; the flags it documents in
// its prose, with a placeholder value (NAME, MS), are listed here with a value.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "../helpers/parse-args.js";

const README = readFileSync(fileURLToPath(new URL("../../../README.md", import.meta.url)), "utf8");

/** README's "## Command line" section. */
function section(): string {
  const start = README.indexOf("\n## Command line\n");
  assert.ok(start >= 0, "README has a Command line section");
  const end = README.indexOf("\n## ", start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

/** `line` split as a shell would (quotes, no expansion), up to a redirection or a pipe. */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|'([^']*)'|([^\s"'<|>]+)|([<|>])/g)) {
    if (m[4] !== undefined) break;
    out.push(m[1] ?? m[2] ?? m[3]!);
  }
  return out;
}

/** An error parsing `argv`, or undefined; --version's "error" is its output. */
function parseError(argv: string[]): string | undefined {
  const { error } = parse(...argv);
  return error === undefined || error.code === "commander.version" || error.code === "commander.helpDisplayed" ? undefined : error.message;
}

test("every smtplib command line in README's Command line section parses", () => {
  const commands = [...section().matchAll(/`([^`]*\bsmtplib (?:send|probe|serve|--version)[^`]*)`/g)]
    .map((m) => words(m[1]!.replace(/^.*?\|\s*/, "")))
    .map((w) => w.slice(w.indexOf("smtplib") + 1));
  assert.ok(commands.length >= 5, JSON.stringify(commands));
  for (const argv of commands) assert.equal(parseError(argv), undefined, argv.join(" "));
});

const SEND = ["send", "--server", "mail.example.org:587", "--from", "a@example.org", "--to", "b@example.org"];
const CERT = ["--tls-cert", "cert.pem", "--tls-key", "key.pem"];

test("the flags README's Command line section and --help document, as they show them, parse", () => {
  const documented: string[][] = [
    [...SEND, "--file", "-"], [...SEND, "--subject", "TEXT", "--body", "TEXT"], [...SEND, "--from", "Jörg <j@x.test>", "--subject", "s"],
    [...SEND, "--mail-option", "RET=HDRS", "--rcpt-option", "NOTIFY=SUCCESS,FAILURE"], [...SEND, "--mail-option", "BODY=BINARYMIME"],
    [...SEND, "--user", "NAME", "--password-env", "VAR"], [...SEND, "--user", "NAME", "--password-env", "VAR", "--auth-mech", "LOGIN"],
    [...SEND, "--no-pipelining", "--no-chunking"], [...SEND, "--timeout", "30000", "--helo", "client.example.org", "-vv"],
    [...SEND, "--require-tls", "--ca-file", "ca.pem", "--servername", "mail.example.org"], [...SEND, "--starttls", "--insecure"], [...SEND, "--ssl"],
    ["send", "--lmtp", "--server", "/var/run/dovecot/lmtp", "--from", "a@example.org", "--to", "b@example.org"],
    ["send", "--lmtp", "--server", "./lmtp", "--from", "a@example.org", "--to", "b@example.org"],
    ["send", "--lmtp", "--starttls", "--server", "mail.example.org:24", "--from", "a@example.org", "--to", "b@example.org"],
    ["probe", "mail.example.org:25", "--lmtp", "--require-tls"], ["probe", "mail.example.org", "--ssl", "-v"],
    ["serve", "--size", "0", "--print-max", "0", "--max-clients", "10", "--max-recipients", "5"],
    ["serve", "--lmtp", "--socket", "/tmp/lmtp.sock"], ["serve", "--greeting-delay", "300"],
    ["serve", "--auth", "user:pass", "--auth-required"], ["serve", "--auth-file", "users.txt", "--auth-file", "more.txt"],
    ["serve", "--chunking"], ["serve", "--offer", "chunking"], ["serve", "--hide", "smtputf8"], ["serve", "--lmtp", "--quiet"],
    ["serve", ...CERT], ["serve", ...CERT, "--tls-implicit"], ["serve", ...CERT, "--hide", "starttls"], ["serve", ...CERT, "--offer", "requiretls"],
    ["serve", "--refuse-sender", "<>", "--refuse-recipient", "b@example.org"],
    // --help's examples
    [...SEND, "--mail-option", "ENVID=id", "--rcpt-option", "NOTIFY=SUCCESS,FAILURE"], ["serve", "--refuse-sender", ""],
  ];
  for (const argv of documented) assert.equal(parseError(argv), undefined, argv.join(" "));
});
