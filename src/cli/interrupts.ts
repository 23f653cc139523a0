/**
 * Ctrl-C (SIGINT) and SIGTERM while `send` or `probe` runs: one pair of handlers, the same
 * for both, in place of Node's default (killed by the signal: no line said, and a shell sees
 * 143 for SIGTERM, which neither command's exit codes list), from the first handling until
 * the process exits.
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
  running = interrupted;
  if (!listening) {
    listening = true;
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  return () => {
    if (running === interrupted) running = undefined;
  };
}
