/**
 * The progress bar of `smtplib send` (cli-progress, on stderr), or for a message of unknown
 * size a count of bytes sent. Only created when stderr is a terminal; callers decide that.
 * @module
 */
import { performance } from "node:perf_hooks";
import { SingleBar, Presets } from "cli-progress";

/** A running bar. */
export interface Progress {
  /** Adds written bytes (capped at the total: commands and dot-stuffing add a little). */
  add(bytes: number): void;
  /** Completes and removes the bar. Idempotent. */
  stop(): void;
}

/**
 * When the display says that the link stalled: after `stallMs` with no byte written, checked
 * every `tickMs`. A write the server does not read blocks until the library's timeout (3
 * minutes by default): the time left, computed when bytes go out, would stay frozen ("1s left").
 */
export interface StallCheck {
  readonly stallMs: number;
  readonly tickMs: number;
  /** The clock of the bars and the waiting line, in milliseconds (default `performance.now`; tests give a fake one). */
  readonly now?: () => number;
}

const STALL_CHECK: StallCheck = { stallMs: 3_000, tickMs: 1_000 };

/** The clock of `check`: its own, or `performance.now`. */
function clockOf(check: StallCheck): () => number {
  return check.now ?? (() => performance.now());
}

/**
 * "nothing sent for 12s" once no byte has gone out for `check.stallMs` (or, when all was sent,
 * "all sent, waiting for the reply: 12s": the server may check the message for minutes),
 * else undefined.
 */
function stalledFor(lastWrite: number, check: StallCheck, allSent = false): string | undefined {
  const quiet = clockOf(check)() - lastWrite;
  if (quiet < check.stallMs) return undefined;
  const seconds = `${Math.floor(quiet / 1000)}s`;
  return allSent ? `all sent, waiting for the reply: ${seconds}` : `nothing sent for ${seconds}`;
}

/** Calls `tick` every `check.tickMs` until the returned function is called (the timer keeps no process alive). */
function everyTick(check: StallCheck, tick: () => void): () => void {
  const timer = setInterval(tick, check.tickMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * The progress bar shown now, and its stream. A line written there while it shows would be
 * lost: cli-progress turns line wrapping off while it runs (a long line is cut at the
 * terminal's width) and, when it stops, moves the cursor back to where it began and clears
 * that line, the line written there by then.
 */
let shownBar: { readonly stream: NodeJS.WritableStream; pause(): void; resume(): void } | undefined;

/**
 * Calls `write`, which writes whole lines on `stream`, with the progress bar shown there (if
 * any) taken off first and drawn again below them, as it was: the lines stay on the screen.
 */
export function aboveBar(stream: NodeJS.WritableStream, write: () => void): void {
  const bar = shownBar?.stream === stream ? shownBar : undefined;
  bar?.pause();
  try {
    write();
  } finally {
    bar?.resume();
  }
}

/** Starts a bar for `total` bytes on `stream` (stderr; a terminal). */
export function startProgress(total: number, stream: NodeJS.WriteStream = process.stderr, check: StallCheck = STALL_CHECK): Progress {
  const bar = new SingleBar({
    stream,
    // {left} is ours: cli-progress's {eta_formatted} shows its NaN/Infinity placeholders cut
    // to two characters ("LLs left" once the bar sits at its total while the last bytes
    // go out) and estimates from the last few writes, which come in bursts on a slow link.
    format: "sending [{bar}] {percentage}% | {sent}/{size} | {left}",
    hideCursor: true,
    clearOnComplete: true,
  }, Presets.shades_classic);
  const size = formatBytes(total);
  let done = 0;
  let stopped = false;
  const now = clockOf(check);
  const started = now();
  let lastWrite = started;
  // what the bar shows, to draw it again as it was (see aboveBar)
  let payload = { sent: formatBytes(0), size, left: "? left" };
  const update = (change: Partial<typeof payload>): void => {
    payload = { ...payload, ...change };
    bar.update(done, change);
  };
  bar.start(total, 0, payload);
  const shown = { stream, pause: () => bar.stop(), resume: () => bar.start(total, done, payload) };
  shownBar = shown;
  const stopTicks = everyTick(check, () => {
    const stalled = stalledFor(lastWrite, check, done >= total);
    if (stalled !== undefined) update({ left: stalled });
  });
  return {
    add(bytes) {
      if (stopped) return;
      done = Math.min(total, done + bytes);
      lastWrite = now();
      update({ sent: formatBytes(done), left: `${formatTimeLeft(done, total, lastWrite - started)} left` });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (shownBar === shown) shownBar = undefined;
      stopTicks();
      bar.stop();
    },
  };
}

/**
 * Starts the line of the pass `send` makes over a file while connecting, counting its line
 * ends for its size as sent (see message-input.ts): a multi-gigabyte file, or one on a slow
 * disk, takes seconds. Nothing for `check.stallMs` (a quick pass shows nothing), then, as
 * bytes are read, "`what`: 45% of 1.5 GiB" on `stream` (stderr; a terminal), redrawn at most
 * every `check.tickMs`, and erased by `stop()` (send stops it before it writes an error line,
 * or its Ctrl-C line). The cursor stays shown.
 */
export function startScanNote(what: string, total: number, stream: NodeJS.WriteStream = process.stderr, check: StallCheck = STALL_CHECK): Progress {
  const now = clockOf(check);
  const started = now();
  let done = 0;
  let drawnAt = -Infinity;
  let shown = false;
  let stopped = false;
  return {
    add(bytes) {
      if (stopped) return;
      done = Math.min(total, done + bytes);
      const at = now();
      if (at - started < check.stallMs || at - drawnAt < check.tickMs) return;
      drawnAt = at;
      shown = true;
      stream.write(`\r\x1b[K${what}: ${total > 0 ? Math.floor((done * 100) / total) : 100}% of ${formatBytes(total)}`);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (shown) stream.write("\r\x1b[K");
    },
  };
}

/** {@link startCounter}'s display: a {@link Progress} that is told when the whole message has gone. */
export interface Counter extends Progress {
  /**
   * The whole message has been handed over: from now on a quiet link reads "all sent, waiting
   * for the reply: 12s" (as the bar's does), not "nothing sent for 12s".
   * @returns whether the count is on screen (a message under `after` bytes shows none).
   */
  allSent(): boolean;
}

/**
 * For a message of unknown size (stdin from a pipe): nothing until `after` bytes have gone
 * out, then the bytes sent so far and the average rate, on `stream` (stderr; a terminal).
 */
export function startCounter(after: number, stream: NodeJS.WriteStream = process.stderr, check: StallCheck = STALL_CHECK): Counter {
  let bar: SingleBar | undefined;
  let done = 0;
  let stopped = false;
  let ended = false;
  const now = clockOf(check);
  const started = now();
  let lastWrite = started;
  const stopTicks = everyTick(check, () => {
    const stalled = stalledFor(lastWrite, check, ended);
    if (stalled !== undefined) bar?.update(0, { rate: stalled });
  });
  return {
    allSent() {
      ended = true;
      return bar !== undefined && !stopped;
    },
    add(bytes) {
      if (stopped) return;
      done += bytes;
      lastWrite = now();
      if (done < after) return;
      const seconds = (lastWrite - started) / 1000;
      const payload = { sent: formatBytes(done), rate: seconds > 0 ? `${formatBytes(Math.round(done / seconds))}/s` : "?" };
      if (bar) {
        bar.update(0, payload);
        return;
      }
      bar = new SingleBar({ stream, format: "sending {sent} | {rate} (size unknown)", hideCursor: true, clearOnComplete: true });
      bar.start(1, 0, payload);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      stopTicks();
      bar?.stop();
    },
  };
}

/** 1536 -> "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * The time left at the average rate so far: "?" before any byte, then "42s", "3m05s" or
 * "1h02m" (">99h" beyond). Sent bytes are capped at the total by the caller.
 */
export function formatTimeLeft(sent: number, total: number, elapsedMs: number): string {
  if (sent >= total) return "0s";
  if (sent <= 0 || !(elapsedMs > 0)) return "?";
  const seconds = Math.ceil(((total - sent) * elapsedMs) / sent / 1000);
  const two = (n: number): string => String(n).padStart(2, "0");
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${two(seconds % 60)}s`;
  if (seconds < 100 * 3600) return `${Math.floor(seconds / 3600)}h${two(Math.floor((seconds % 3600) / 60))}m`;
  return ">99h";
}

/**
 * For the waits no bar covers (the connection, the greeting, login, and the whole of a
 * message too small for a bar, whose writes are instant): after `check.stallMs` with the
 * server still silent, one line on `stream` (stderr; a terminal) says what is awaited and
 * for how long, updated every `check.tickMs`, and erased by `stop()`. A quick server shows
 * nothing. `what` may change as the wait moves on (see {@link WaitNote.waitingFor}).
 */
export interface WaitNote {
  /** What is awaited from now on ("the greeting", "the reply to the message"); the clock restarts. */
  waitingFor(what: string): void;
  /** Erases the line, if shown, and stops for good. */
  stop(): void;
}

/**
 * Starts a {@link WaitNote} waiting for `what`. The line shows exactly `check.stallMs` after the
 * wait began (not at the next of a fixed series of ticks, up to a tick late) and its count
 * then moves on each whole `check.tickMs` of the wait.
 */
export function startWaitNote(what: string, stream: NodeJS.WriteStream = process.stderr, check: StallCheck = STALL_CHECK): WaitNote {
  const now = clockOf(check);
  let awaited = what;
  let since = now();
  let shown = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (delay: number): void => {
    timer = setTimeout(show, delay);
    timer.unref();
  };
  const show = (): void => {
    const quiet = now() - since;
    // rounded: a timer may fire a fraction of a millisecond before the high-resolution clock says
    stream.write(`\r\x1b[Kwaiting for ${awaited}: ${Math.round(quiet / 1000)}s`);
    shown = true;
    arm(check.tickMs - (quiet % check.tickMs));
  };
  const erase = (): void => {
    if (shown) stream.write("\r\x1b[K");
    shown = false;
  };
  arm(check.stallMs);
  return {
    waitingFor(next) {
      if (stopped) return;
      erase();
      awaited = next;
      since = now();
      clearTimeout(timer);
      arm(check.stallMs);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      erase();
    },
  };
}
