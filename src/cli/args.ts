/**
 * Command-line parsing for `smtplib` (commander): turns argv into one typed command value.
 * No I/O besides commander's own help/error text, so it is unit-testable.
 * @module
 */
import { resolve } from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { QuietValueCommand } from "./quiet-value-command.js";
import { DEFAULT_DEBUG_MAX_CLIENTS, DEFAULT_DEBUG_SIZE, DEFAULT_MAX_RECIPIENTS, VERSION } from "../constants.js";
import { quoteRecipient } from "../protocol/address.js";
import type { DebugServerExtensions } from "../server/debug-server.js";
import { EXIT_CODE_HELP, PROBE_EXIT_CODE_HELP, SERVE_EXIT_CODE_HELP } from "./exit-codes.js";
import {
  asksSmtpUtf8, checkAddress, checkUtf8Params, collect, EXTENSIONS, flagValue, parseAuthMechanism, parseCount, parseDelay, parseEsmtpParam, parseExtensions,
  parseEnvName, parseHeloName, parseHostPort, parseListenHost, parsePort, parsePositive, parseRefusedAddress, parseServerName, parseTimeout, parseUserName, parseUserPass, PASSWORD_MECHANISMS, hasUserPart,
} from "./flag-values.js";
import { ATTACH_MAX_BYTES } from "./composed-message.js";
import { checkHeaderFlags, parseHeaderFlag, type HeaderFlag } from "./header-flag.js";
import { DEFAULT_BODY, DEFAULT_SUBJECT } from "./test-message.js";
import { lmtpInsteadOfSsl, tlsModeFor, tlsOnlyFlags } from "./url-advice.js";

/** `smtplib serve`. */
export interface ServeCommand {
  readonly kind: "serve";
  readonly host: string;
  readonly port: number;
  /** `--socket`: a Unix socket to listen on, in place of {@link host} and {@link port}. */
  readonly socket?: string;
  readonly lmtp: boolean;
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly implicit: boolean };
  /** The users of `--auth`; {@link authFiles} may add more. */
  readonly users: ReadonlyMap<string, string>;
  /** `--auth-file` (repeatable, as `--auth`): files of `user:password` lines, read when the server starts. */
  readonly authFiles: readonly string[];
  readonly authRequired: boolean;
  readonly size?: number;
  readonly refuseSenders: readonly string[];
  readonly refuseRecipients: readonly string[];
  readonly quiet: boolean;
  /** Most bytes of each message to print; 0: all. */
  readonly printMax: number;
  /** Extensions to hide or offer, as the debug server names them. */
  readonly extensions: DebugServerExtensions;
  /** `--max-clients`: most clients connected at once. */
  readonly maxClients: number;
  /** `--max-recipients`: most recipients of one transaction. */
  readonly maxRecipients: number;
  /** `--greeting-delay`: ms from a connection to its 220 greeting (0: at once). */
  readonly greetingDelay: number;
  /** `--save DIR`: write every accepted message into this Maildir (see ./save-messages.ts). */
  readonly save?: string;
}

/** How `send` and `probe` protect the connection. */
export type TlsMode = "none" | "ssl" | "starttls" | "require-tls";

/** Options `send` and `probe` share. */
export interface ConnectTarget {
  readonly host: string;
  /** 0: the default port of the protocol (25, 465 with --ssl, 2003 with --lmtp). */
  readonly port: number;
  readonly tlsMode: TlsMode;
  readonly caFile?: string;
  readonly insecure: boolean;
  /** --servername: SNI and the name the certificate must carry. */
  readonly servername?: string;
  readonly timeout?: number;
  readonly localHostname?: string;
  readonly lmtp: boolean;
}

/** `smtplib send`. */
export interface SendCommand extends ConnectTarget {
  readonly kind: "send";
  readonly from: string;
  /** Each recipient once (see `uniqueRecipients`): an LMTP server answers, and may deliver, each RCPT apart. */
  readonly to: readonly string[];
  /** undefined: read the message from stdin. */
  readonly file?: string;
  readonly user?: string;
  /** Name of the environment variable that holds the password (never the password itself). */
  readonly passwordEnv?: string;
  readonly verbosity: 0 | 1 | 2;
  readonly progress: boolean;
  /** `--mail-option`: ESMTP parameters of MAIL FROM (Python's `mail_options`), checked by {@link parseEsmtpParam}. */
  readonly mailOptions: readonly string[];
  /** `--rcpt-option`: ESMTP parameters of every RCPT TO (Python's `rcpt_options`). */
  readonly rcptOptions: readonly string[];
  /** false with `--no-pipelining`: one command at a time even when the server offers PIPELINING. */
  readonly pipelining: boolean;
  /** false with `--no-chunking`: DATA even when the server offers CHUNKING. */
  readonly chunking: boolean;
  /** `--subject`/`--body`/`--header`/`--attach`: send a test message made from these (see ./test-message.ts) instead of a file or stdin. */
  readonly compose?: { readonly subject: string; readonly body: string; readonly headers: readonly HeaderFlag[]; readonly attach: readonly string[] };
  /** `--auth-mech`: the only SASL mechanisms `login` may use, upper-case, in this order; empty: any. */
  readonly authMechanisms: readonly string[];
}

/** `smtplib probe`. */
export interface ProbeCommand extends ConnectTarget {
  readonly kind: "probe";
  /** `-v`: the transcript on stderr; `-vv` adds times (as `send`). */
  readonly verbosity: 0 | 1 | 2;
  /** `--json`: one JSON object on stdout at the end, in place of the lines (see ./probe-report.ts). */
  readonly json: boolean;
}

/** What the command line asks for. */
export type CliCommand = ServeCommand | SendCommand | ProbeCommand;

/** Where commander writes help and errors; tests capture them. */
export interface CliOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

/** `serve`'s default `--max-clients`: with the default `--size`, at most ~3 GiB of messages in transit. */
export const DEFAULT_SERVE_MAX_CLIENTS = DEFAULT_DEBUG_MAX_CLIENTS;

/** `serve`'s default `--size`: 32 MiB, as aiosmtpd's default `data_size_limit`, so memory stays bounded. */
export const DEFAULT_SERVE_SIZE = DEFAULT_DEBUG_SIZE;


function addTargetOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--ssl", "TLS from the first byte (SMTP_SSL, default port 465; not with --lmtp)").conflicts(["starttls", "requireTls"]))
    .addOption(new Option("--starttls", "upgrade with STARTTLS when offered, else continue in clear").conflicts("requireTls"))
    .option("--require-tls", "upgrade with STARTTLS and fail (exit 5) when it is not offered")
    .option("--ca-file <file>", "trust the CA certificate(s) in this PEM file (or pipe, as <(command); at most 1 MiB)")
    .option("--insecure", "do not verify the server certificate (testing only)")
    .option("--servername <name>", "the name to send as SNI and check the certificate against (default: the host)", flagValue("--servername", parseServerName))
    .option("--timeout <ms>", "timeout for each step, in milliseconds (probe: default 30000; send: RFC 5321's, minutes)", flagValue("--timeout", parseTimeout))
    .option("--helo <name>", "name to send in EHLO/HELO/LHLO", flagValue("--helo", parseHeloName))
    .option("--lmtp", "speak LMTP (LHLO, per-recipient replies; default port 2003); over TLS with --starttls or --require-tls")
    .addOption(new Option("-v, --verbose", "protocol transcript on stderr; -vv adds times").argParser((_v: string, prev: number) => prev + 1).default(0));
}

/**
 * Each recipient once, in the order given, in the form first given: `b@x`, `<b@x>`,
 * `Bob <b@x>` and `b@X` are one address (the same RCPT TO:<b@x>, but for the domain's case,
 * which does not count: RFC 5321 §2.4), which an LMTP server would answer, and may deliver
 * to, once per RCPT. The local part's case counts. The addresses are valid (checked before).
 */
function uniqueRecipients(to: readonly string[]): string[] {
  const paths = new Set<string>();
  return to.filter((addr) => {
    const quoted = quoteRecipient(addr);
    const at = quoted.lastIndexOf("@");
    const path = at === -1 ? quoted : `${quoted.slice(0, at)}${quoted.slice(at).toLowerCase()}`;
    if (paths.has(path)) return false;
    paths.add(path);
    return true;
  });
}

/** `-v` given `count` times as a debug level: 0, 1, or 2 (times added) for -vv and more. */
function verbosityOf(count: number): 0 | 1 | 2 {
  return Math.min(count, 2) as 0 | 1 | 2;
}

/**
 * `probe`'s limit for each step when `--timeout` is not given: a diagnosis should answer
 * within seconds (as swaks does), not wait RFC 5321's minutes for a server that says nothing.
 * `send` keeps the library's RFC 5321 limits: a message's end may take minutes to answer.
 */
export const PROBE_TIMEOUT_MS = 30_000;

interface TargetFlags {
  /** False for `probe`, which does not log in (see UrlAdviceFlags). */
  login?: boolean;
  ssl?: boolean; starttls?: boolean; requireTls?: boolean; caFile?: string; insecure?: boolean;
  servername?: string; timeout?: number; helo?: string; lmtp?: boolean;
}

/**
 * The server of `send --server` or `probe`, parsed once every flag is known: a URL's advice
 * depends on `--lmtp`, `--ssl`, `--starttls` and `--require-tls`, which may come after it.
 * @throws CommanderError (usage) as {@link flagValue} words it, the value hidden when it may hold a password.
 */
function serverOf(flag: string, value: string, o: TargetFlags): { host: string; port: number } {
  return flagValue(flag, (v: string) => parseHostPort(v, o), hasUserPart)(value, undefined);
}

function toTarget(hostPort: { host: string; port: number }, o: TargetFlags): ConnectTarget {
  const tlsMode: TlsMode = o.ssl ? "ssl" : o.requireTls ? "require-tls" : o.starttls ? "starttls" : "none";
  // The library has no LMTP client over implicit TLS (API.md: LMTP extends SMTP, SMTP_SSL
  // alone starts TLS with the first byte); LMTP over TLS is STARTTLS.
  if (o.ssl && o.lmtp) throw new CommanderError(2, "smtplib.usage", "error: --ssl cannot be combined with --lmtp: LMTP over implicit TLS is not supported; use --require-tls (or --starttls) for LMTP over STARTTLS");
  // No host name has a "/": this is a Unix socket, which the library opens for LMTP only, and
  // only by an absolute path (a relative one would be looked up in DNS: ENOTFOUND).
  const socket = hostPort.host.includes("/");
  // Without a TLS mode the link stays in clear text: a TLS flag would check nothing, and the
  // operator who gave one believes the connection is verified (a password then goes in clear).
  const tlsFlag = o.caFile !== undefined ? "--ca-file" : o.insecure ? "--insecure" : o.servername !== undefined ? "--servername" : undefined;
  // (not --ssl with --lmtp: a usage error, LMTP's TLS is STARTTLS only)
  const tlsModes = o.lmtp === true ? "--require-tls (STARTTLS, or fail) or --starttls (if offered)" : "--require-tls (STARTTLS, or fail), --starttls (if offered) or --ssl (TLS from the first byte)";
  if (socket && o.lmtp !== true) {
    // Before a TLS-only flag's own error, whose "or --ssl" would lead here again. Leaving out
    // --ssl alone would leave a TLS-only flag without a TLS mode: a second usage error.
    const only = tlsOnlyFlags(o);
    const instead = o.ssl ? lmtpInsteadOfSsl(only, "LMTP has no implicit TLS") : undefined;
    const mode = tlsMode === "none" ? tlsModeFor(only, "--require-tls or --starttls") : "";
    const ssl = instead !== undefined ? ` and ${instead}` : o.ssl ? ", without --ssl: LMTP has no implicit TLS" : mode !== "" ? ` and ${mode}` : "";
    throw new CommanderError(2, "smtplib.usage", `error: ${hostPort.host} is a Unix socket path: only LMTP connects to one (give --lmtp${ssl})`);
  }
  if (tlsMode === "none" && tlsFlag !== undefined) throw new CommanderError(2, "smtplib.usage", `error: ${tlsFlag} applies to TLS only: add ${tlsModes}`);
  return {
    ...hostPort, ...(socket ? { host: resolve(hostPort.host) } : {}), tlsMode, insecure: o.insecure ?? false, lmtp: o.lmtp ?? false,
    ...(o.caFile === undefined ? {} : { caFile: o.caFile }),
    ...(o.servername === undefined ? {} : { servername: o.servername }),
    ...(o.timeout === undefined ? {} : { timeout: o.timeout }),
    ...(o.helo === undefined ? {} : { localHostname: o.helo }),
  };
}

/** Builds the commander program; every action stores its result in `sink`. */
function buildProgram(sink: (command: CliCommand) => void, out: CliOutput): Command {
  const program = new QuietValueCommand("smtplib")
    .description("SMTP/LMTP client tool: send a message, probe a server, or run a debugging server")
    .version(VERSION, "-V, --version", "print the version and exit")
    .exitOverride()
    .configureOutput({ writeOut: out.writeOut, writeErr: out.writeErr })
    .showHelpAfterError("(run with --help for usage)");

  program.command("serve").description("run the debugging SMTP/LMTP server until Ctrl-C, printing what it receives")
    .option("--port <n>", "port to listen on (0: any free port)", flagValue("--port", parsePort), 8025)
    .option("--host <host>", "address to listen on", flagValue("--host", parseListenHost), "127.0.0.1")
    .option("--socket <path>", "listen on this Unix socket instead of --host and --port, as Dovecot's LMTP does (removed when serve stops; a file already there is kept: exit 5)")
    .option("--lmtp", "speak LMTP instead of SMTP")
    .option("--tls-cert <file>", "PEM certificate: offer STARTTLS (or implicit TLS with --tls-implicit)")
    .option("--tls-key <file>", "PEM private key of --tls-cert")
    .option("--tls-implicit", "TLS from the first byte instead of STARTTLS")
    .option("--auth <user:pass>", "accept this user (repeatable); enables AUTH. Every local user can read it in the process list (ps): prefer --auth-file", flagValue("--auth", (v: string, prev: [string, string][] | undefined) => [...(prev ?? []), parseUserPass(v)], true))
    .option("--auth-file <file>", "accept the users of this file (repeatable), one user:password a line (blank lines and # comments skipped; spaces around the user name dropped, the password kept as written); enables AUTH. A file or a pipe (<(command), /dev/stdin) of at most 1 MiB", collect)
    .option("--auth-required", "refuse MAIL until the client has logged in")
    .option("--size <bytes>", "largest message accepted, advertised as SIZE (0: no limit)", flagValue("--size", parseCount), DEFAULT_SERVE_SIZE)
    .option("--max-clients <n>", "most clients connected at once; one more gets 421 (with --print-max, this bounds the memory messages in transit take)", flagValue("--max-clients", parsePositive), DEFAULT_SERVE_MAX_CLIENTS)
    .option("--max-recipients <n>", "most recipients of one message; more get 452", flagValue("--max-recipients", parsePositive), DEFAULT_MAX_RECIPIENTS)
    .option("--greeting-delay <ms>", "wait this long after each connection before the 220 greeting; a client that talks first gets 421 (0: greet at once)", flagValue("--greeting-delay", parseDelay), 0)
    .option("--refuse-sender <addr>", "refuse this sender at MAIL FROM (repeatable; <> or \"\": the null sender)", flagValue("--refuse-sender", parseRefusedAddress))
    .option("--refuse-recipient <addr>", "refuse this recipient at RCPT TO (repeatable)", flagValue("--refuse-recipient", parseRefusedAddress))
    .option("--quiet", "print messages only, not the session transcript")
    .option("--print-max <bytes>", "print at most this many bytes of each message; only that much of a message is held in memory (0: all, printed as it arrives, each line after its session id, none held)", flagValue("--print-max", parseCount), 65536)
    .option("--hide <ext,...>", `do not advertise: ${Object.keys(EXTENSIONS).filter((e) => e !== "dsn" && e !== "requiretls" && e !== "chunking").join(", ")}`, collect)
    .option("--offer <ext,...>", "also advertise: dsn, requiretls (TLS sessions only), chunking", collect)
    .option("--chunking", "offer CHUNKING (BDAT, RFC 3030; as --offer chunking) and BINARYMIME: a client that uses it sends the message unstuffed, in counted chunks")
    .option("--save <dir>", "write every accepted message into this Maildir (DIR/new; made when missing), X-MailFrom and X-RcptTo lines first, before the client is told it was accepted")
    .addHelpText("after", `\n${SERVE_EXIT_CODE_HELP}`)
    .action((o: { printMax: number; hide?: string[]; offer?: string[]; port: number; host: string; lmtp?: boolean; tlsCert?: string; tlsKey?: string; tlsImplicit?: boolean; auth?: [string, string][]; authFile?: string[]; authRequired?: boolean; size?: number; refuseSender?: string[]; refuseRecipient?: string[]; quiet?: boolean; maxClients: number; maxRecipients: number; greetingDelay: number; chunking?: boolean; socket?: string; save?: string }, command: Command) => {
      if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) throw new CommanderError(2, "smtplib.usage", "error: --tls-cert and --tls-key go together");
      if (o.tlsImplicit && o.tlsCert === undefined) throw new CommanderError(2, "smtplib.usage", "error: --tls-implicit needs --tls-cert and --tls-key");
      const extensions = parseExtensions(o.hide ?? [], [...o.offer ?? [], ...o.chunking ? ["chunking"] : []]);
      const starttlsFlag = extensions.hideStarttls === undefined ? undefined : `--${extensions.hideStarttls ? "hide" : "offer"} starttls`;
      // without a certificate these would change nothing a client can see: say so instead
      if (o.tlsCert === undefined && starttlsFlag !== undefined) throw new CommanderError(2, "smtplib.usage", `error: ${starttlsFlag} needs --tls-cert and --tls-key (without them STARTTLS is not offered at all)`);
      // TLS from the first byte: STARTTLS is never offered, whatever --hide/--offer say
      if (o.tlsImplicit && starttlsFlag !== undefined) throw new CommanderError(2, "smtplib.usage", `error: ${starttlsFlag} does nothing with --tls-implicit (TLS from the first byte: STARTTLS is never offered)`);
      if (o.tlsCert === undefined && extensions.requireTls === true) throw new CommanderError(2, "smtplib.usage", "error: --offer requiretls needs --tls-cert and --tls-key (REQUIRETLS is advertised in TLS sessions only)");
      const tcp = ["host", "port"].filter((flag) => command.getOptionValueSource(flag) === "cli").map((flag) => `--${flag}`);
      if (o.socket !== undefined && tcp.length > 0) throw new CommanderError(2, "smtplib.usage", `error: --socket (a Unix socket) and ${tcp.join(" and ")} (a TCP address) cannot go together`);
      if (o.socket === "") throw new CommanderError(2, "smtplib.usage", "error: --socket needs the path of the socket to make");
      if (o.save === "") throw new CommanderError(2, "smtplib.usage", "error: --save needs the directory to save messages in");
      if (o.authRequired && (o.auth ?? []).length === 0 && o.authFile === undefined) throw new CommanderError(2, "smtplib.usage", "error: --auth-required needs --auth-file or at least one --auth user:pass");
      sink({
        kind: "serve", host: o.host, port: o.port, ...(o.socket !== undefined ? { socket: o.socket } : {}), lmtp: o.lmtp ?? false,
        ...(o.tlsCert !== undefined && o.tlsKey !== undefined ? { tls: { certFile: o.tlsCert, keyFile: o.tlsKey, implicit: o.tlsImplicit ?? false } } : {}),
        users: new Map(o.auth ?? []), authFiles: o.authFile ?? [], authRequired: o.authRequired ?? false,
        // 0 is kept: the server's own default is a limit (32 MiB), which --size 0 removes
        ...(o.size === undefined ? {} : { size: o.size }),
        refuseSenders: o.refuseSender ?? [], refuseRecipients: o.refuseRecipient ?? [], quiet: o.quiet ?? false, printMax: o.printMax,
        extensions,
        maxClients: o.maxClients, maxRecipients: o.maxRecipients, greetingDelay: o.greetingDelay, ...(o.save !== undefined ? { save: o.save } : {}),
      });
    });

  addTargetOptions(program.command("send").description("send one message (from --file or stdin) and report refused recipients"))
    // Not commander's requiredOption: it checks those before unknown options, so a typo
    // (--serevr) was reported as the flag it meant being missing. Checked in the action.
    // parsed in the action, once --lmtp (which may come after it) is known: see serverOf
    .option("--server <host[:port]>", "server to send through (with --lmtp, also a Unix socket path)")
    .option("--from <addr>", "envelope sender (MAIL FROM)")
    .option("--to <addr>", "envelope recipient (repeatable; an address given twice is sent once)", flagValue("--to", (v: string, prev: string[] | undefined) => {
      if (v.trim() === "") throw new InvalidArgumentError("a recipient address is required (an empty one would send RCPT TO:<>)");
      return collect(v, prev);
    }))
    .option("--file <file>", "the RFC 5322 message: a file or a pipe (-: stdin; a device such as /dev/zero is refused); default: read stdin. Sent with CRLF line ends, which SIZE= counts")
    .addOption(new Option("--subject <text>", "send a test message with this subject (headers made for you; stdin not read)").conflicts("file"))
    .addOption(new Option("--body <text>", "the test message's text (with or without --subject)").conflicts("file"))
    .addOption(new Option("--header <field>", 'add "Name: value" to the test message, or put it in place of a field made for you (repeatable; text past ASCII as RFC 2047 encoded words)').conflicts("file").argParser(flagValue("--header", parseHeaderFlag)))
    .addOption(new Option("--attach <file>", `attach this file to the test message (repeatable; at most ${ATTACH_MAX_BYTES / 1024 / 1024} MiB in all; its type from its extension)`).conflicts("file").argParser(collect))
    .option("--user <name>", "log in as this user (needs --password-env)", flagValue("--user", parseUserName))
    .option("--password-env <VAR>", "environment variable that holds the password", flagValue("--password-env", parseEnvName, true))
    .option("--auth-mech <name>", `log in with this SASL mechanism only (repeatable, in order of preference): ${PASSWORD_MECHANISMS.join(", ")}; default: the strongest both sides offer`, flagValue("--auth-mech", parseAuthMechanism))
    .option("--no-progress", "no progress bar (it shows only on a terminal, for large messages; from a pipe: bytes sent) and no line saying a slow server is awaited")
    .option("--mail-option <param>", "ESMTP parameter for MAIL FROM, e.g. RET=HDRS or ENVID=id (repeatable)", flagValue("--mail-option", parseEsmtpParam))
    .option("--rcpt-option <param>", "ESMTP parameter for every RCPT TO, e.g. NOTIFY=SUCCESS,FAILURE (repeatable)", flagValue("--rcpt-option", parseEsmtpParam))
    .option("--no-pipelining", "one command at a time, even when the server offers PIPELINING")
    .option("--no-chunking", "send with DATA, even when the server offers CHUNKING (BDAT)")
    .addHelpText("after", `\n${EXIT_CODE_HELP}`)
    .action((o: TargetFlags & { server?: string; from?: string; to?: string[]; file?: string; user?: string; passwordEnv?: string; progress: boolean; verbose: number; mailOption?: string[]; rcptOption?: string[]; pipelining: boolean; chunking: boolean; authMech?: string[]; subject?: string; body?: string; header?: HeaderFlag[]; attach?: string[] }, cmd: Command) => {
      const missing = (flag: string): never => cmd.error(`error: required option '${flag}' not specified`, { code: "commander.missingMandatoryOptionValue" });
      const server = serverOf("--server", o.server ?? missing("--server <host[:port]>"), o);
      const from = o.from ?? missing("--from <addr>");
      const to = o.to ?? missing("--to <addr>");
      if (to.length === 0) throw new CommanderError(2, "smtplib.usage", "error: at least one --to is required");
      if ((o.user === undefined) !== (o.passwordEnv === undefined)) throw new CommanderError(2, "smtplib.usage", "error: --user and --password-env go together");
      if (o.authMech !== undefined && o.user === undefined) throw new CommanderError(2, "smtplib.usage", "error: --auth-mech needs --user and --password-env");
      checkAddress("--from", from);
      for (const addr of to) checkAddress("--to", addr, quoteRecipient);
      checkUtf8Params(o.mailOption ?? [], o.rcptOption ?? [], [from, ...to]);
      if (o.attach?.includes("") === true) throw new CommanderError(2, "smtplib.usage", "error: --attach needs the path of a file");
      const headers = o.header ?? [];
      checkHeaderFlags(headers, o.subject !== undefined, asksSmtpUtf8(o.mailOption ?? [], [from, ...to]), o.attach !== undefined);
      sink({
        kind: "send", ...toTarget(server, o), from, to: uniqueRecipients(to),
        // "-" is stdin, as for most tools (swaks --data -): not a file of that name
        ...(o.file === undefined || o.file === "-" ? {} : { file: o.file }),
        ...(o.user === undefined ? {} : { user: o.user }),
        ...(o.passwordEnv === undefined ? {} : { passwordEnv: o.passwordEnv }),
        verbosity: verbosityOf(o.verbose), progress: o.progress,
        mailOptions: o.mailOption ?? [], rcptOptions: o.rcptOption ?? [], pipelining: o.pipelining, chunking: o.chunking,
        authMechanisms: [...new Set(o.authMech ?? [])],
        ...(o.subject === undefined && o.body === undefined && o.header === undefined && o.attach === undefined
          ? {} : { compose: { subject: o.subject ?? DEFAULT_SUBJECT, body: o.body ?? DEFAULT_BODY, headers, attach: o.attach ?? [] } }),
      });
    });

  addTargetOptions(program.command("probe").description("connect and show greeting, capabilities, TLS details and timings"))
    .argument("<host[:port]>", "server to probe (with --lmtp, also a Unix socket path)")
    .addHelpText("after", `\n${PROBE_EXIT_CODE_HELP}`)
    .option("--json", "print one JSON object at the end (steps and times, capabilities, TLS and certificate with daysLeft, or the error and exit code) in place of the lines")
    .action((target: string, o: TargetFlags & { verbose: number; json?: boolean }) => sink({ kind: "probe", ...toTarget(serverOf("probe's server", target, { ...o, login: false }), { ...o, timeout: o.timeout ?? PROBE_TIMEOUT_MS }), verbosity: verbosityOf(o.verbose), json: o.json ?? false }));
  return program;
}

/**
 * Parses `argv` (without `node` and the script path).
 * @throws CommanderError for a usage error (`exitCode` 1 from commander means usage, we map it
 *   to 2) and for `--help`/`--version` (`code` `commander.helpDisplayed`, exitCode 0).
 */
export function parseCommandLine(argv: readonly string[], out: CliOutput): CliCommand {
  let result: CliCommand | undefined;
  const program = buildProgram((c) => { result = c; }, out);
  program.parse([...argv], { from: "user" });
  if (result === undefined) {
    program.outputHelp({ error: true });
    throw new CommanderError(2, "smtplib.usage", "error: a command is required");
  }
  return result;
}
