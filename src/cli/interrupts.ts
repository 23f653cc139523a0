/**
 * Ctrl-C (SIGINT) and SIGTERM while `send` or `probe` runs: one pair of handlers, the same
 * for both, in place of Node's default (killed by the signal: no line said, and a shell sees
 * 143 for SIGTERM, which neither command's exit codes list).
 * @module
 */
import { ExitCode } from "./exit-codes.js";

/**
 * Handles SIGINT and SIGTERM until the returned function is called (in a `finally`). The
 * first signal calls `first`, which may exit at once or let the command wind down (`send
 * --lmtp` waiting for the replies that settle each recipient); a second one meanwhile means
 * "quit now": `err` is given the line `again(signal)` and the process exits 130 at once,
 * never killed by the signal, whichever command it is.
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
  process.on("SIGINT", interrupted);
  process.on("SIGTERM", interrupted);
  return () => {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
  };
}
