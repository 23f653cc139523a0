/**
 * `smtplib serve`: the debugging server in the foreground, printing the transcript and each
 * message as received, until SIGINT/SIGTERM.
 * @module
 */
import { join } from "node:path";
import { createSecureContext } from "node:tls";
import { errorCode, escapeControl } from "../errors.js";
import { formatEntry, startDebugServer, type DebugServer, type DebugServerHooks, type DebugServerOptions, type DebugServerRetention, type MessageInfo, type ReceivedMessage } from "../server/debug-server.js";
import { addressText } from "../server/listen.js";
import type { ServeCommand } from "./args.js";
import { readAuthFile } from "./auth-file.js";
import { fileFailure } from "./cli-wording.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { takeSignals } from "./interrupts.js";
import { readFlagFile } from "./flag-file.js";
import { openMaildir, withSaving, type SaveHooks, type ShowHooks } from "./save-messages.js";
import { SessionLines } from "./session-lines.js";
import { cutAt, DataShower, showData } from "./show-data.js";

/** The header of a printed message: its number, size when known, session, envelope. */
function formatHead(message: MessageInfo, index: number, size?: number): string {
  const { mailFrom, rcptTo, mailParamsSent, rcptParamsSent } = message.envelope;
  // parameters as sent: smtp-server's values are xtext-decoded (ORCPT=rfc822;a+2Bb is a+b)
  const withParams = (address: string, params = ""): string => `<${escapeControl(address)}>${params ? ` ${escapeControl(params)}` : ""}`;
  return [
    `---------- message ${index} (${size === undefined ? "" : `${size} bytes, `}session ${message.session}${message.secure ? ", TLS" : ""}${message.user === undefined ? "" : `, user ${escapeControl(message.user)}`}) ----------`,
    `MAIL FROM: ${withParams(mailFrom, mailParamsSent)}`,
    ...rcptTo.map((r, i) => `RCPT TO:   ${withParams(r, rcptParamsSent[i])}`),
    "",
  ].join("\n") + "\n";
}

/**
 * Renders a received message: an envelope header, then the data as received (up to `maxBytes`,
 * not splitting a UTF-8 character), as {@link showData} shows it.
 */
export function formatMessage(message: ReceivedMessage, index: number, maxBytes = Infinity): string {
  const shown = message.data.subarray(0, cutAt(message.data, maxBytes));
  // What any client sent goes to a terminal: escape sequences in it are shown, not run.
  const body = showData(shown);
  const cut = shown.length < message.size ? `[... ${message.size - shown.length} more bytes not shown (--print-max)]\n` : "";
  return `${formatHead(message, index, message.size)}${body}${body.endsWith("\n") ? "" : "\n"}${cut}---------- end of message ${index} ----------\n`;
}

/**
 * `--print-max 0`: each message printed as it arrives, so the server holds none of it
 * (keepBytes 0) whatever its size: the header when its data begins, each piece as it comes,
 * and an end line with its size, or saying why it was not kept. Messages of sessions sending
 * at once alternate: each line is prefixed with its session's id (as the transcript's are),
 * and written only once whole (see {@link SessionLines}).
 */
function streamMessages(out: (text: string) => void): Pick<DebugServerHooks, "onMessageStart" | "onMessageData" | "onMessageEnd"> {
  let started = 0;
  // size: the bytes shown (handed to onMessageData)
  const open = new Map<string, { index: number; size: number; shower: DataShower; lines: SessionLines }>();
  const write = (text: string): void => {
    if (text !== "") out(text);
  };
  return {
    onMessageStart: (session, message) => {
      const m = { index: ++started, size: 0, shower: new DataShower(), lines: new SessionLines(session) };
      open.set(session, m);
      write(m.lines.push(formatHead(message, m.index)));
    },
    onMessageData: (session, chunk) => {
      const m = open.get(session);
      if (m === undefined) return;
      m.size += chunk.length;
      write(m.lines.push(m.shower.push(chunk)));
    },
    onMessageEnd: (session, refused, received) => {
      const m = open.get(session);
      if (m === undefined) return;
      open.delete(session);
      // the bytes received; fewer were shown of a message refused as too big (none past the limit)
      const shown = m.size < received ? `, first ${m.size} shown` : "";
      const why = refused === undefined ? "" : `, not kept: ${escapeControl(refused)}`;
      write(m.lines.push(m.shower.end()) + m.lines.end() + m.lines.push(`---------- end of message ${m.index} (${received} bytes${shown}${why}) ----------\n`));
    },
  };
}

/** The certificate and key, checked as a pair so an error names the flags, not just OpenSSL's "no start line". */
async function readTlsFiles(files: NonNullable<ServeCommand["tls"]>, pipesRead: Map<string, string>): Promise<{ cert: Buffer; key: Buffer }> {
  const cert = await readFlagFile("--tls-cert", files.certFile, Error, { pipesRead });
  const key = await readFlagFile("--tls-key", files.keyFile, Error, { pipesRead });
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new Error(`--tls-cert ${files.certFile}, --tls-key ${files.keyFile}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return { cert, key };
}

/**
 * Turns the parsed command into debug server options (reading the TLS files and each --auth-file,
 * in order).
 * @throws TypeError (a usage error) for the first --auth-file that cannot be used; Error naming the
 *   flag for TLS files that cannot.
 */
export async function serveOptions(cmd: ServeCommand): Promise<DebugServerOptions & DebugServerRetention> {
  // a later --auth-file wins for a user named in two, and --auth over any file
  const fromFiles: [string, string][] = [];
  // one pipe (/dev/stdin) named by two flags: the second gets nothing, and its error says why
  const pipesRead = new Map<string, string>();
  for (const path of cmd.authFiles) fromFiles.push(...await readAuthFile(path, pipesRead));
  const users = new Map([...fromFiles, ...cmd.users]);
  const tls = cmd.tls === undefined ? undefined : {
    ...(await readTlsFiles(cmd.tls, pipesRead)),
    mode: cmd.tls.implicit ? "implicit" as const : "starttls" as const,
  };
  return {
    ...(cmd.socket !== undefined ? { path: cmd.socket } : { host: cmd.host, port: cmd.port }), lmtp: cmd.lmtp,
    ...(tls ? { tls } : {}),
    ...(users.size > 0 ? { auth: { users: Object.fromEntries(users), required: cmd.authRequired } } : {}),
    ...(cmd.size === undefined ? {} : { size: cmd.size }),
    refuseSenders: cmd.refuseSenders, refuseRecipients: cmd.refuseRecipients,
    extensions: cmd.extensions,
    keepMessages: false,
    keepTranscript: false,
    // Only what --print-max shows is held (and a few bytes more: formatMessage's cut looks past
    // it not to split a UTF-8 character); a 32 MiB message is counted, not kept whole.
    // (at most the largest safe integer: --print-max takes up to that, and the sum past it is refused)
    // --print-max 0: printed as it arrives (streamMessages), nothing held
    keepBytes: cmd.printMax === 0 ? 0 : Math.min(cmd.printMax + 4, Number.MAX_SAFE_INTEGER),
    maxClients: cmd.maxClients,
    maxRecipients: cmd.maxRecipients,
    greetingDelay: cmd.greetingDelay,
  };
}

/** Says on stderr that the server cannot start; exit code 5. */
function cannotStart(err: unknown): ExitCodeValue {
  // the message may quote an argument (a file name, a host): its control characters escaped
  process.stderr.write(`smtplib serve: cannot start: ${escapeControl(err instanceof Error ? err.message : String(err))}\n`);
  return ExitCode.UNAVAILABLE;
}

/**
 * Starts the server `cmd` asks for, or says on stderr why it cannot and resolves to the exit
 * code: 2 (usage) for an --auth-file that cannot be used, 5 for anything else.
 */
async function start(cmd: ServeCommand, handlers: DebugServerHooks & Pick<DebugServerOptions, "onMessage" | "onTranscript">): Promise<{ server: DebugServer; options: DebugServerOptions } | ExitCodeValue> {
  let options: DebugServerOptions & DebugServerRetention;
  try {
    options = await serveOptions(cmd);
  } catch (err) {
    if (!(err instanceof TypeError)) return cannotStart(err);
    process.stderr.write(`smtplib: ${escapeControl(err.message)}\n`);
    return ExitCode.USAGE;
  }
  try {
    return { server: await startDebugServer({ ...options, ...handlers }), options };
  } catch (err) {
    // kept, as it may be anything: a stale socket is the usual one, which serve does not remove unasked
    const taken = cmd.socket !== undefined && (err as NodeJS.ErrnoException).code === "EADDRINUSE";
    return cannotStart(taken ? new Error(`${(err as Error).message} (a file is already at --socket's path: remove it, if it is a stale socket of an earlier server)`) : err);
  }
}

/** What the "listening" line says the server offers. */
function describeFeatures(cmd: ServeCommand, options: DebugServerOptions): string {
  const features = [cmd.lmtp ? "LMTP" : "SMTP"];
  // --hide starttls: still taken, as a client that tries it unasked would find
  if (cmd.tls) features.push(cmd.tls.implicit ? "implicit TLS" : cmd.extensions.hideStarttls === true ? "STARTTLS not advertised" : "STARTTLS");
  if (cmd.extensions.chunking === true) features.push("CHUNKING, BINARYMIME");
  const users = Object.keys(options.auth?.users ?? {}).length;
  if (users > 0) features.push(`AUTH for ${users} user(s)${cmd.authRequired ? ", required" : ""}`);
  if (cmd.size === 0) features.push("no size limit");
  else if (cmd.size !== undefined) features.push(cmd.extensions.size === false ? `messages up to ${cmd.size} bytes, SIZE not advertised` : `SIZE ${cmd.size}`);
  // a pause the operator may have forgotten: every client waits it out
  if (cmd.greetingDelay > 0) features.push(`greeting after ${cmd.greetingDelay} ms`);
  if (cmd.save !== undefined) features.push(`saving messages in ${escapeControl(join(cmd.save, "new"))}`);
  return features.join(", ");
}

/** Runs the server until a signal; resolves to the exit code (2 or 5 when it cannot start). */
export async function runServe(cmd: ServeCommand, out: (text: string) => void = (t) => void process.stdout.write(t)): Promise<ExitCodeValue> {
  let count = 0;
  const show: ShowHooks = cmd.printMax === 0
    ? { ...streamMessages(out), onMessage: () => void ++count }
    : { onMessage: (message: ReceivedMessage) => out(formatMessage(message, ++count, cmd.printMax)) };
  let save: SaveHooks | undefined;
  try {
    if (cmd.save !== undefined) save = await openMaildir(cmd.save, (text) => void process.stderr.write(`${text}\n`));
  } catch (err) {
    return cannotStart(new Error(fileFailure("--save", cmd.save ?? "", err)));
  }
  const started = await start(cmd, {
    onTranscript: cmd.quiet ? undefined : (entry) => out(`${formatEntry(entry, true)}\n`),
    ...(save === undefined ? show : withSaving(show, save)),
  });
  if (typeof started === "number") return started;
  const { server, options } = started;
  // a socket's path as given (control characters escaped), an address with its port
  const where = cmd.socket !== undefined ? escapeControl(server.host) : addressText(server.host, server.port);
  // The handlers go in before "listening" is printed: whoever waits for that line may
  // signal at once, and a signal that came first would kill the process (exit by signal).
  // Output that can no longer be written (`serve | head`: EPIPE) stops the server too,
  // quietly, as a closed pipe stops other tools, rather than crashing it mid-session; and
  // with 141, as a shell says of a tool that SIGPIPE ended (`yes | head`), not 0: a script
  // (`set -o pipefail`) sees the server did not stop as asked. Any other write error (a full
  // disk, said on stderr by main) is 1. A pipe tells its writer only at a write: an idle
  // server finds out at its next one (a client connecting), as other tools do.
  let onOutputError = (_err: unknown): void => undefined;
  // A second signal while it closes (waiting for the sessions still open) means "quit now":
  // at once, saying so, with the exit code it closes with, rather than killed by the signal
  // (no handler left). Closing because its output failed, the first signal is that one, said
  // on stderr with why: "output closed" (EPIPE), or its error's code (a full disk: ENOSPC).
  let stopping = false;
  let outputLost: string | undefined;
  let code: ExitCodeValue = ExitCode.OK;
  const again = (signal: NodeJS.Signals): void => {
    if (!stopping) return;
    if (outputLost !== undefined) process.stderr.write(`smtplib serve: ${signal}, quitting without waiting for the open session(s) (${outputLost})\n`);
    else out(`smtplib serve: ${signal} again, quitting without waiting for the open session(s)\n`);
    process.exit(code);
  };
  const stopped = new Promise<string>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      again(signal);
      stopping = true;
      resolve(signal);
    };
    // in place of the bin's, which said "before listening" (see interruptBeforeStart)
    takeSignals(stop);
    onOutputError = (err) => {
      if (outputLost !== undefined) return;
      const cause = errorCode(err);
      const closed = cause === "EPIPE";
      // after a signal (Ctrl-C in a shell reaches `serve | head` whole), that is why it stops: 0
      if (!stopping) code = closed ? ExitCode.OUTPUT_CLOSED : ExitCode.FAILURE;
      // main has said the error itself on stderr (not for EPIPE: a closed pipe is no fault)
      outputLost = closed ? "output closed" : `output lost: ${escapeControl(cause || (err instanceof Error ? err.message : String(err)))}`;
      stopping = true;
      resolve("output closed");
    };
    process.stdout.on("error", onOutputError);
  });
  out(`smtplib serve: listening on ${where} (${describeFeatures(cmd, options)}); Ctrl-C to stop\n`);
  const reason = await stopped;
  if (reason !== "output closed") out(`smtplib serve: ${reason}, closing (${count} message(s) received)\n`);
  await server.close();
  process.stdout.off("error", onOutputError);
  process.stdout.on("error", () => undefined); // writes still queued may fail the same way
  return code;
}
