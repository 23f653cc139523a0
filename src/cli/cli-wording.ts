/**
 * The library's advice in its error messages, worded as the CLI's flags, and fitted to the
 * TLS flag given. Only the library's words are reworded: the server's own words in a message
 * (a reply's text) are kept as they came, never turned into advice nor given any. Pure.
 * @module
 */
import { rewordOutside, withoutTimeoutUnitHint } from "../error-text.js";
import { errorCode } from "../errors.js";
import { LEGACY_FIX } from "../transport/tls-diagnostics.js";
import type { TlsMode } from "./args.js";

/** The library's advice for a password it would not send in clear, as {@link cliWording} words it. */
const INSECURE_AUTH_ADVICE = "Use --starttls, --require-tls or --ssl.";
/** That advice for `--lmtp`, which has no implicit TLS (`--ssl` is a usage error with it). */
const INSECURE_AUTH_ADVICE_LMTP = "Use --starttls or --require-tls (--ssl is SMTP only).";

/** What the CLI says for a library TLS option it has no flag for. */
const NO_CERT_FLAG = "(smtplib has no flag for a client certificate)";
/** The library's advice for LMTP to an implicit-TLS port (no LMTP over implicit TLS), as {@link cliWording} words it. */
const LMTP_IMPLICIT_TLS_ADVICE = "smtplib speaks LMTP over TLS only with STARTTLS (--ssl is SMTP only): connect to an LMTP port of the server that offers STARTTLS, with --require-tls";
/** The library's advice for SMTP in clear to an implicit-TLS port, as {@link cliWording} words it. */
const IMPLICIT_TLS_ADVICE = "this looks like an implicit-TLS port (such as 465): use --ssl";

/**
 * The library's advice in its errors, as CLI flags (longest phrases first), or, for an option
 * no flag sets (a client certificate, cipher suites, TLS versions, SCRAM's iteration floor),
 * that there is none: an operator cannot act on a library option's name.
 */
const CLI_WORDING: readonly [string | RegExp, string][] = [
  ["smtplib speaks LMTP over TLS only with STARTTLS: connect to an LMTP port of the server that offers STARTTLS, with requireTLS: true",
    LMTP_IMPLICIT_TLS_ADVICE],
  [/\(tls\.cert[^)]*\)/g, NO_CERT_FLAG],
  [/Set tls\.minVersion or tls\.maxVersion to a version the server speaks \([^)]*\)/g,
    "smtplib has no flag to change the TLS versions it allows (a server that speaks only TLS 1.0 or 1.1 is outdated: it needs upgrading)"],
  ["(tls.ciphers)", "(smtplib has no flag for the cipher suites)"],
  [LEGACY_FIX, "smtplib has no flag to lower it: the server needs upgrading"],
  ["minIterations lowers it", "smtplib has no flag to lower it: --auth-mech picks another mechanism"],
  ["connect with SMTP and call starttls() instead of SMTP_SSL", "leave out --ssl and give --starttls"],
  ["Use starttls() or SMTP_SSL, or set allowInsecureAuth: true to allow it.", INSECURE_AUTH_ADVICE],
  ["Use starttls() (smtplib speaks LMTP over TLS only with STARTTLS), or set allowInsecureAuth: true to allow it.", INSECURE_AUTH_ADVICE_LMTP],
  ["call starttls() before login() (or set requireTLS)", "give --starttls or --require-tls"],
  ["requireTLS is set", "--require-tls was given"],
  ["set tls.rejectUnauthorized: false", "give --insecure"],
  ["tls.rejectUnauthorized: false", "--insecure"],
  ["tls.servername", "--servername"],
  ["tls.ca", "--ca-file"],
  ["use SMTP_SSL", "use --ssl"],
  ["localHostname", "--helo"],
];

/** `message`, the library's words only, with the library's option names replaced by the CLI's flags. */
export function cliWording(message: string): string {
  let text = message;
  // the replacements hold no "$" pattern
  for (const [library, flag] of CLI_WORDING) text = text.replaceAll(library, flag);
  // a timeout under a second: the library's hint names Python's seconds; --timeout's own words say ms
  return withoutTimeoutUnitHint(text);
}

/**
 * The library's words `text` as the CLI's flags ({@link cliWording}), the advice fitted to
 * `tlsMode`: a TLS flag that conflicts with the one given (`--ssl` after `--starttls` or
 * `--require-tls`) goes instead of it, and a login refused on a link in clear after
 * `--starttls` went on without it (the server offers no STARTTLS) says so.
 */
function advice(text: string, tlsMode: TlsMode | undefined): string {
  const worded = cliWording(text);
  if (tlsMode !== "starttls" && tlsMode !== "require-tls") return worded;
  // an implicit-TLS port reached with STARTTLS flags: --ssl conflicts with them
  const instead = worded.replace(IMPLICIT_TLS_ADVICE, `${IMPLICIT_TLS_ADVICE} instead of --${tlsMode}`);
  if (tlsMode !== "starttls") return instead;
  return instead.replace(LMTP_IMPLICIT_TLS_ADVICE, `${LMTP_IMPLICIT_TLS_ADVICE} (instead of --starttls)`)
    .replace(INSECURE_AUTH_ADVICE, "The server offers no STARTTLS (--starttls went on without encryption): use --ssl instead of --starttls if it has an implicit-TLS port (465).")
    .replace(INSECURE_AUTH_ADVICE_LMTP, "The server offers no STARTTLS (--starttls went on without encryption), and smtplib speaks LMTP over TLS only with STARTTLS.");
}

/**
 * `description`, a library error's line, in the CLI's words ({@link advice}), except for the
 * server's own words in it, kept as they came: each of `server` (a reply's code and text, a
 * line quoted back, in the forms they may take), at the first place it is found in
 * `description` (see {@link rewordOutside}). A reply saying "use SMTP_SSL" or "use --ssl" is
 * the server's, and no advice of the CLI's.
 */
export function cliAdvice(description: string, server: readonly string[], tlsMode?: TlsMode): string {
  return rewordOutside(description, server, (own) => advice(own, tlsMode));
}

/**
 * `flag`, a TLS mode's, as advice to a command line given with `tlsMode`: "instead of" the
 * one given when the two exclude each other (commander refuses `--ssl`, `--starttls` and
 * `--require-tls` together), so that the advice, followed, parses.
 */
export function tlsFlagAdvice(flag: "--ssl" | "--require-tls", tlsMode: TlsMode | undefined): string {
  const given = tlsMode === undefined || tlsMode === "none" ? flag : `--${tlsMode}`;
  return given === flag ? flag : `${flag} instead of ${given}`;
}

/**
 * A system error on the file `path` that `flag` names, as `--file m.eml: no such file or
 * directory (ENOENT)`, not Node's "ENOENT: no such file or directory, open 'm.eml'"; any
 * other error's message as it is.
 */
export function fileFailure(flag: string, path: string, e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = errorCode(e);
  if (code === "") return e.message;
  const reason = /^[A-Z0-9_]+: ([^,]+),/.exec(e.message)?.[1] ?? e.message;
  return `${flag} ${path}: ${reason} (${code})`;
}
