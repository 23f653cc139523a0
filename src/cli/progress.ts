/**
 * The progress bar of `smtplib send` (cli-progress, on stderr). Only created when stderr
 * is a terminal; callers decide that.
 * @module
 */
import { SingleBar, Presets } from "cli-progress";

/** A running bar. */
export interface Progress {
  /** Adds written bytes (capped at the total: commands and dot-stuffing add a little). */
  add(bytes: number): void;
  /** Completes and removes the bar. Idempotent. */
  stop(): void;
}

/** Starts a bar for `total` bytes on stderr. */
export function startProgress(total: number): Progress {
  const bar = new SingleBar({
    stream: process.stderr,
    format: "sending [{bar}] {percentage}% | {sent}/{size} | {eta_formatted} left",
    hideCursor: true,
    clearOnComplete: true,
  }, Presets.shades_classic);
  const size = formatBytes(total);
  let done = 0;
  let stopped = false;
  bar.start(total, 0, { sent: formatBytes(0), size });
  return {
    add(bytes) {
      if (stopped) return;
      done = Math.min(total, done + bytes);
      bar.update(done, { sent: formatBytes(done) });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
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
