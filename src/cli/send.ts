/**
 * `smtplib send`: one message from a file or stdin through the library's `sendmail`.
 * Output: each recipient's outcome and the count sent to on stdout (./send-report.ts); the transcript (-v) and progress bar on stderr.
 * @module
 */
import { fstatSync, type Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { SMTPAuthenticationError, SMTPException, SMTPRecipientsRefused, SMTPServerDisconnected, SMTPTimeoutError } from "../index.js";
import type { SendCommand } from "./args.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { connectClient, describeTargetError, exitCodeFor, lineWriter, pathOf, quitWithin, type Client, type SendPhase } from "./connect.js";
import { startCounter, startProgress, startScanNote, startWaitNote, type Progress, type WaitNote } from "./progress.js";
import { MessageReadError, MessageTooLargeError, openMessage, type StreamedMessage } from "./message-input.js";
import { stallText } from "./stalled-input.js";
import { loginHint, shownUser, sizeHint, utf8Hint } from "./refusal-hints.js";
import { EightBitError, serverBounds } from "./eight-bit.js";
import { inOrderGiven, oneLine, reportInterrupted, unconfirmed } from "./send-report.js";
import { handleInterrupts } from "./interrupts.js";
import { blindFieldWarning } from "./blind-field-warning.js";
import { isBlindFieldName } from "../protocol/blind-field-scan.js";
import { fileFailure } from "./cli-wording.js";

/** Messages at least this large get a progress bar (stderr a terminal); one of unknown size, a count of bytes sent once this much has gone out. */
const PROGRESS_THRESHOLD = 512 * 1024;

/** What `send` knows of its stdin before reading anything. */
interface StdinInfo {
  /** Its stats; undefined when it cannot be looked at (closed). */
  readonly stats: Stats | undefined;
  /** True when `--ca-file` names it (`/dev/stdin`, `/dev/fd/0`, a FIFO it is redirected from). */
  readonly isCaFile: boolean;
}

/** Looks at stdin once (fstat), and at `--ca-file` when given, to compare the two. */
async function inspectStdin(cmd: SendCommand): Promise<StdinInfo> {
  let stats: Stats;
  try {
    stats = fstatSync(0);
  } catch {
    return { stats: undefined, isCaFile: false };
  }
  const ca = cmd.caFile === undefined ? undefined : await stat(cmd.caFile).catch(() => undefined);
  return { stats, isCaFile: ca !== undefined && ca.dev === stats.dev && ca.ino === stats.ino };
}

/**
 * What stdin calls for before anything is read: a usage error when `--ca-file` is stdin and
 * the message would be read from it too (whichever read first would take all of it, and the
 * message would go empty, or the CA be cut); a note when --subject/--body/--header/--attach make
 * the message but something is piped into stdin (a pipe, or a non-empty file), which is then
 * not read (`echo text | smtplib send --subject s` would otherwise send the default text
 * without a word), unless stdin is the --ca-file or a file attached (`--attach /dev/stdin`).
 */
function stdinProblem(cmd: SendCommand, stdin: StdinInfo): { usage: string } | { note: string } | undefined {
  if (cmd.file === undefined && cmd.compose === undefined && stdin.isCaFile) {
    return { usage: `--ca-file ${cmd.caFile} is stdin, which the message is read from: give the message with --file (or --subject/--body)` };
  }
  const piped = stdin.stats !== undefined && (stdin.stats.isFIFO() || (stdin.stats.isFile() && stdin.stats.size > 0));
  if (cmd.compose === undefined || !piped || stdin.isCaFile || cmd.compose.attach.some(namesStdin)) return undefined;
  return { note: "note: --subject/--body/--header/--attach make the message, so stdin is not read (give its text with --body, or the whole message on stdin without them)" };
}

/** True for a path that is stdin by its name (`/dev/stdin`, `/dev/fd/0`). */
function namesStdin(path: string): boolean {
  return ["/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"].includes(resolve(path));
}

/** How long an LMTP delivery interrupted after the data may take to settle once its connection is closed. */
const INTERRUPTED_SETTLE_MS = 1_000;

/**
 * Why the message could not be opened: for a system error on `--file` (a missing file, one
 * not readable), the flag, the path and the reason with its code, as `--ca-file`'s says it
 * (see `fileFailure`); any other error's message as it is.
 */
function openFailure(e: unknown, file: string | undefined): string {
  return file === undefined ? (e instanceof Error ? e.message : String(e)) : fileFailure("--file", file, e);
}

/**
 * For the library's "No suitable authentication method found.": what the server offers and
 * what --auth-mech allowed, so the operator sees why none fit. Empty for any other error.
 */
function noMechanismContext(e: unknown, client: Client | undefined, cmd: SendCommand): string {
  if (e?.constructor !== SMTPException || client === undefined) return "";
  const offered = client.esmtpFeatures.get("auth")?.trim();
  const allowed = cmd.authMechanisms.length > 0 ? `; --auth-mech allows ${cmd.authMechanisms.join(", ")}` : "";
  return ` The server offers AUTH ${offered === undefined || offered === "" ? "with no mechanism" : offered}${allowed}`;
}

/** The `onProgress` of a call whose bytes `progress` shows (it is told totals, and adds the difference). */
function showProgress(progress: Progress): (sent: number) => void {
  let shown = 0;
  return (sent) => {
    progress.add(sent - shown);
    shown = sent;
  };
}

/**
 * The display of a message of unknown size (from a pipe) on a terminal: the count of bytes
 * sent. Once the whole message has gone (its stream ended and every byte read handed over),
 * the wait for the server's reply is said by the count ("all sent, waiting for the reply:
 * 12s"; it said "nothing sent for 12s") or, for a message too small for a count, by the
 * waiting line a small file gets (it got none). `waitNote` is given that line, for the
 * caller to stop.
 */
function countUnknownSize(body: StreamedMessage, waitNote: (note: WaitNote) => void): { progress: Progress; onProgress: (sent: number) => void } {
  const counter = startCounter(PROGRESS_THRESHOLD);
  let shown = 0;
  let settled = false;
  const settle = (): void => {
    if (settled || !body.ended() || shown < body.bytesRead()) return;
    settled = true;
    if (counter.allSent()) return;
    counter.stop();
    waitNote(startWaitNote("the server's reply to the message"));
  };
  body.onEnd(settle);
  return {
    progress: counter,
    onProgress: (sent) => {
      counter.add(sent - shown);
      shown = sent;
      settle();
    },
  };
}

/** What {@link reportFailure} says a failed send with. */
interface FailureContext {
  readonly cmd: SendCommand;
  readonly message: Uint8Array | StreamedMessage;
  /** The message's size as sent, when known. */
  readonly size: number | undefined;
  readonly phase: SendPhase;
  readonly password: string | undefined;
  readonly client: Client | undefined;
  /** How many distinct recipients were given. */
  readonly recipients: number;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/**
 * Prints why sending failed (the error on stderr); returns the exit code. On stdout, as after
 * a delivery, each recipient the server answered for (all refused; or, LMTP's connection lost
 * before the first reply after the data, refused at RCPT or not confirmed, code -1, with no
 * count: those may have the message), in the order given (LMTP's map has those refused at
 * RCPT first); then, for every outcome that sent the message to nobody for sure (exit 4: the
 * sender, every recipient or the data refused, an extension lacking, over the SIZE limit),
 * `sent to 0 of N recipient(s)`, as a partial delivery ends. Exits that say nothing of the
 * recipients (usage, connection, login, input, unknown outcome) print nothing there.
 */
function reportFailure(e: unknown, context: FailureContext): ExitCodeValue {
  const code = explainFailure(e, context);
  const outcomes = e instanceof SMTPRecipientsRefused || e instanceof SMTPServerDisconnected ? e.recipients : undefined;
  for (const [addr, outcome, reply] of inOrderGiven(context.cmd.to, new Map(), outcomes ?? new Map())) context.out(`${outcome} ${pathOf(addr)}: ${reply.code} ${oneLine(reply.message)}`);
  if (e instanceof SMTPRecipientsRefused || code === ExitCode.REFUSED) context.out(`sent to 0 of ${context.recipients} recipient(s)`);
  return code;
}

/** Says on stderr why sending failed; returns the exit code. */
function explainFailure(e: unknown, { cmd, message, size, phase, password, client, err }: FailureContext): ExitCodeValue {
  if (e instanceof MessageTooLargeError || e instanceof EightBitError) {
    err(`smtplib: ${e.message}`);
    return ExitCode.REFUSED;
  }
  if (e instanceof MessageReadError) {
    err(`smtplib: ${e.message}`);
    return ExitCode.NO_INPUT;
  }
  // the library's wait for the next chunk timed out: the input stalled, not the server
  const stall = message instanceof Uint8Array ? undefined : message.stalled();
  if (e instanceof SMTPTimeoutError && e.phase === "dataBlock" && stall !== undefined) {
    err(`smtplib: cannot read the message: ${stallText(stall, e.timeout, cmd.timeout === undefined ? "" : " (--timeout)")}`);
    return ExitCode.NO_INPUT;
  }
  // an empty variable (`PW=$(cat missing-file)`) fails the login as a wrong password would: say which it was
  const empty = phase === "auth" && password === "" && e instanceof SMTPAuthenticationError ? ` (the password, from ${cmd.passwordEnv}, is empty)` : "";
  // 535 (RFC 4954 §6: credentials invalid): which user and which variable were tried, for a typo in either
  const refusedLogin = empty === "" && phase === "auth" && e instanceof SMTPAuthenticationError && e.smtpCode === 535
    ? ` (the server refused ${shownUser(cmd.user ?? "")} with the password from ${cmd.passwordEnv ?? ""}${cmd.user?.includes(":") === true ? "" : ": check --user and --password-env"})`
    : "";
  const refusal = `${loginHint(e, client, cmd)}${sizeHint(e, size, client)}${utf8Hint(e, cmd)}`;
  err(`smtplib: ${describeTargetError(e, cmd)}${phase === "auth" ? noMechanismContext(e, client, cmd) : ""}${empty}${refusedLogin}${refusal}`);
  return exitCodeFor(e, phase);
}

/** Sends and prints; resolves to the exit code. */
export async function runSend(cmd: SendCommand): Promise<ExitCodeValue> {
  const err = lineWriter(process.stderr);
  const out = lineWriter(process.stdout);
  const stdin = await inspectStdin(cmd);
  const problem = stdinProblem(cmd, stdin);
  if (problem !== undefined && "usage" in problem) {
    err(`smtplib: ${problem.usage}`);
    return ExitCode.USAGE;
  }
  if (problem !== undefined) err(`smtplib: ${problem.note}`);
  // A Bcc field asked for with --header goes to everybody, as one in a file does: said the same way.
  const blind = cmd.compose?.headers.find((f) => isBlindFieldName(f.name));
  if (blind !== undefined) err(blindFieldWarning(blind.name, `leave out --header ${blind.name}`));
  // stdin is the terminal: nothing says where the message is (a usage error, not one reading it)
  if (cmd.file === undefined && cmd.compose === undefined && process.stdin.isTTY) {
    err("smtplib: no message: give it with --file or on stdin (< message.eml), or send a test message with --subject/--body/--header");
    return ExitCode.USAGE;
  }
  // Before the message is opened: a FIFO opened and then left (its writer holding it open)
  // would keep the process alive after this usage error.
  let password: string | undefined;
  if (cmd.passwordEnv !== undefined) {
    password = process.env[cmd.passwordEnv];
    if (password === undefined) {
      // A name that is no variable's may be the password given by mistake (`--password-env
      // hunter2`, or HUNTER2: no spelling tells a name from a password): never shown, where
      // a terminal or a CI log would keep it. One of a variable that is set is a name, which
      // a failed login's message may show.
      err("smtplib: the environment variable named by --password-env is not set (the name given is not shown: it may be the password, typed there by mistake): give the name of a variable that holds the password, and export it");
      return ExitCode.USAGE;
    }
  }
  const onTerminal = cmd.progress && cmd.verbosity === 0 && process.stderr.isTTY === true;
  let message: Awaited<ReturnType<typeof openMessage>>;
  // A file's line ends are counted while connecting (seconds for gigabytes, shown when slow):
  // a server that cannot be reached is said at once, and the pass then stopped.
  const scanning = new AbortController();
  try {
    message = await openMessage(cmd, stdin.stats, onTerminal ? (what, length) => startScanNote(what, length) : undefined, scanning.signal, err);
  } catch (e) {
    if (e instanceof TypeError) {
      err(`smtplib: ${e.message}`);
      return ExitCode.USAGE;
    }
    err(`smtplib: cannot read the message: ${openFailure(e, cmd.file)}`);
    return ExitCode.NO_INPUT;
  }
  let size = message.size;
  let client: Client | undefined;
  let progress: Progress | undefined;
  // what no bar covers: a server slow to connect, greet, log in or answer a small message
  let waiting: WaitNote | undefined;
  let onProgress: ((sent: number) => void) | undefined;
  let phase: SendPhase = "connect";
  // Each address once (SendCommand.to), as the delivered and refused maps hold it (`--to b
  // --to b`: 1 of 1, not 1 of 2).
  const to = cmd.to;
  const recipients = to.length;
  // Ctrl-C or SIGTERM: the bar gives the cursor back, the connection closes, and the exit
  // code says that the server never confirmed the message.
  // Once the server has answered, the outcome is known: a signal while QUIT waits exits
  // with that outcome, not as if nothing had been confirmed.
  let outcome: ExitCodeValue | undefined;
  // LMTP: each recipient's reply after the data confirms it alone. Closing the connection
  // ends the wait for the others, and deliver resolves with the replies that came (the rest
  // unknown), said by reportInterrupted; a deliver that does not settle soon exits 130.
  let interruptedBy: NodeJS.Signals | undefined;
  let lateExit: NodeJS.Timeout | undefined;
  const notConfirmed = (signal: NodeJS.Signals): never => {
    err(`smtplib: interrupted by ${signal}: the server did not confirm the message`);
    process.exit(ExitCode.INTERRUPTED);
  };
  const interrupted = (signal: NodeJS.Signals): void => {
    scanning.abort(); // the size pass stopped, its line erased before any line is written
    waiting?.stop();
    progress?.stop();
    client?.close();
    if (outcome !== undefined) process.exit(outcome);
    if (!cmd.lmtp || phase !== "send") notConfirmed(signal);
    interruptedBy = signal;
    lateExit = setTimeout(() => notConfirmed(signal), INTERRUPTED_SETTLE_MS);
  };
  // A second Ctrl-C (or SIGTERM) while the delivery settles means "quit now": 130 at once and
  // a line saying what is not known (the handlers stay on until runSend ends, for this).
  const stopHandling = handleInterrupts(interrupted,
    (signal) => `smtplib: interrupted again by ${signal}: quit without waiting for the server's replies; which recipients got the message is unknown`, err);
  try {
    if (onTerminal) waiting = startWaitNote("the server (connecting, greeting)");
    client = await connectClient(cmd, cmd.verbosity, err);
    if (cmd.user !== undefined && password !== undefined) {
      phase = "auth";
      waiting?.waitingFor("the server (login)");
      await client.login(cmd.user, password);
    }
    if (message.sizing !== undefined) {
      // the size pass, if still running (its own line on a terminal): no wait for the server
      waiting?.stop();
      try {
        size = await message.sizing;
      } catch (e) {
        err(`smtplib: cannot read the message: ${openFailure(e, cmd.file)}`);
        outcome = ExitCode.NO_INPUT;
        await quitWithin(client);
        return outcome;
      }
      if (onTerminal) waiting = startWaitNote("the server");
    }
    phase = "send";
    // what the server takes (known once greeted): its SIZE, and 8-bit bytes only with 8BITMIME (see ./eight-bit.ts)
    const mailOptions = await serverBounds(message, client, cmd.mailOptions, cmd.timeout);
    if (onTerminal && size === undefined && !(message.body instanceof Uint8Array)) {
      waiting?.stop();
      ({ progress, onProgress } = countUnknownSize(message.body, (note) => { waiting = note; }));
    } else if (onTerminal && size !== undefined && size >= PROGRESS_THRESHOLD) {
      waiting?.stop();
      progress = startProgress(size);
      onProgress = showProgress(progress);
    } else {
      waiting?.waitingFor("the server's reply to the message");
    }
    // A known size is the message's with CRLF line ends, as the library counts what it sent;
    // a count of unknown size is in bytes of the input, which it compares with the bytes read.
    const body = message.body;
    const report = onProgress;
    const shown = report === undefined || body instanceof Uint8Array || size !== undefined ? report : (sent: number) => report(body.readFor(sent));
    const { delivered, refused } = await client.deliver(cmd.from, to, body, mailOptions, [...cmd.rcptOptions], {
      ...(size === undefined ? {} : { size }), ...(shown === undefined ? {} : { onProgress: shown }),
    });
    waiting?.stop();
    progress?.stop();
    progress = undefined;
    if (interruptedBy !== undefined) return reportInterrupted(interruptedBy, delivered, refused, to, out, err);
    for (const [addr, outcome, reply] of inOrderGiven(to, delivered, refused)) out(`${outcome} ${pathOf(addr)}: ${reply.code} ${oneLine(reply.message)}`);
    out(`sent to ${delivered.size} of ${recipients} recipient(s)${size === undefined ? "" : ` (${size} bytes)`}`);
    // `smtplib send ... < /dev/null`, or a script whose stdin had nothing for it: sent as asked, but said
    if (!(message.body instanceof Uint8Array) && message.body.bytesRead() === 0) {
      err(`smtplib: warning: the message was empty (nothing came from ${cmd.file === undefined ? "stdin" : cmd.file}): give it with --file or on stdin, or use --subject/--body`);
    }
    outcome = refused.size > 0 ? ExitCode.PARTIAL : ExitCode.OK;
    // LMTP: the connection closed (or a 421 came) among the replies after the data. With
    // none of them a delivery, nobody confirmed the message, so not 3 ("the others got it"):
    // 5, as when it closes before the first of those replies; those not confirmed may have
    // it. With some delivered, 3, and said as an interrupt there says it.
    const notConfirmed = [...refused.values()].filter(unconfirmed).length;
    if (delivered.size === 0 && notConfirmed > 0) {
      err(`smtplib: the connection closed before every recipient's reply after the data: no recipient confirmed the message, and ${notConfirmed} not confirmed may have it`);
      outcome = ExitCode.UNAVAILABLE;
    } else if (notConfirmed > 0) {
      err(`smtplib: the connection closed before every recipient's reply after the data: ${notConfirmed} not confirmed may have the message`);
    }
    await quitWithin(client);
    return outcome;
  } catch (e) {
    scanning.abort();
    waiting?.stop();
    progress?.stop();
    if (interruptedBy !== undefined) notConfirmed(interruptedBy);
    outcome = reportFailure(e, { cmd, message: message.body, size, phase, password, client, recipients, out, err });
    // RFC 5321 §4.1.1.10: QUIT before closing, even after an error reply. A refusal (of the
    // sender, the recipients, the data, the login) leaves the session open: closing it
    // without QUIT reads in the server's log as a lost connection ("lost connection after RSET").
    if (client?.connected) await quitWithin(client);
    return outcome;
  } finally {
    scanning.abort();
    clearTimeout(lateExit);
    stopHandling();
    client?.close();
    if (!(message.body instanceof Uint8Array)) message.body.destroy();
  }
}
