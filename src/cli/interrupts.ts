/**
 * Ctrl-C (SIGINT) and SIGTERM from the bin's first line (see ./main.ts) until the process
 * exits: one pair of listeners, whose handler is the one of the moment (before the command
 * runs, then the command's: `send`, `probe` and `serve` each take them), in place of Node's
 * default (killed by the signal: no line said, and a shell sees 143 for SIGTERM, which no
 * command's exit codes list).
 * @module
 */
import { ExitCode } from "./exit-codes.js";

/** The running command's handler; `undefined` once it has ended (see {@link onSignal}). */
let running: ((signal: NodeJS.Signals) => void) | undefined;
/** True once {@link onSignal} listens: it stays until the process exits. */
let listening = false;

/**
 * The one listener of SIGINT and SIGTERM. While a command runs, its handler; once it has
 * ended, the process exits at once with the command's exit code, which `main` set
 * (`process.exitCode`) in the same turn of the event loop as the command ended, before any
 * signal can be taken: its outcome is known and said, as a signal while `send` waits for QUIT
 * exits with it. Removed, Node's default came back for that last moment (flushing, the socket
 * closing): killed by the signal, a shell saw 143 (or 130) whatever the command had done.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (running !== undefined) {
    running(signal);
    return;
  }
  process.exit();
}

/**
 * Makes `handler` the one that SIGINT and SIGTERM call, in place of the one before (from
 * {@link interruptBeforeStart}), until the returned function is called. After that, a signal
 * exits with the exit code set (see {@link onSignal}).
 */
export function takeSignals(handler: (signal: NodeJS.Signals) => void): () => void {
  running = handler;
  if (!listening) {
    listening = true;
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  return () => {
    if (running === handler) running = undefined;
  };
}

/**
 * Handles SIGINT and SIGTERM until the returned function is called (in a `finally`). The
 * first signal calls `first`, which may exit at once or let the command wind down (`send
 * --lmtp` waiting for the replies that settle each recipient); a second one meanwhile means
 * "quit now": `err` is given the line `again(signal)` and the process exits 130 at once,
 * never killed by the signal, whichever command it is. After the returned function is
 * called, a signal exits with the exit code set (see {@link onSignal}).
 */
export function handleInterrupts(first: (signal: NodeJS.Signals) => void, again: (signal: NodeJS.Signals) => string, err: (text: string) => void): () => void {
  let taken = false;
  const interrupted = (signal: NodeJS.Signals): void => {
    if (!taken) {
      taken = true;
      first(signal);
      return;
    }
    err(again(signal));
    process.exit(ExitCode.INTERRUPTED);
  };
  return takeSignals(interrupted);
}

/** What a signal taken before `send` or `probe` has its own handler stopped: nothing was sent, or probed. */
const NOT_STARTED: Readonly<Record<string, string>> = { send: "nothing was sent", probe: "the probe did not finish" };

/**
 * Ctrl-C or SIGTERM from the bin's first line until the command takes the signals itself:
 * while Node loads the CLI's modules, the command line is parsed, and the command loads its
 * code and starts (`send` looking at stdin and opening the message, where a stat of a file
 * on a hung network mount waits; `serve` loading the server and listening). `send` and
 * `probe` exit 130 saying nothing was sent (or the probe did not finish), `serve` exits 0
 * (its code for a signal) saying it stopped before listening, any other command line 130
 * with a line; never killed by the signal, which a shell saw as 143 (or 130), said nothing.
 * `command` is the first argument, the command as commander finds it. Returns the function
 * that stops it, for a command that ends before taking the signals (see {@link takeSignals}).
 */
export function interruptBeforeStart(command: string | undefined): () => void {
  const err = (text: string): void => void process.stderr.write(`${text}\n`);
  if (command === "serve") {
    return takeSignals((signal) => {
      err(`smtplib serve: ${signal} before listening, stopped`);
      process.exit(ExitCode.OK);
    });
  }
  const what = command !== undefined && Object.hasOwn(NOT_STARTED, command) ? `: ${NOT_STARTED[command]!}` : "";
  return takeSignals((signal) => {
    err(`smtplib: interrupted by ${signal}${what}`);
    process.exit(ExitCode.INTERRUPTED);
  });
}
