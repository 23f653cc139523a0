// The runner's parts that need no server: checking INTEROP_ONLY's ids, and running one
// scenario within its time limit, closing what it opened (clients, proxies, child
// processes) when it ends, and at once when it overruns (test/interop-harness tests these).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Library } from "./api.js";
import type { Context, Scenario, ServerDef } from "./kit.js";

/** What a scenario came to on one server. */
export type Status = "pass" | "fail" | "n/a";
export interface Cell {
  status: Status;
  detail: string;
  ms: number;
}

/** Edit distance (insertions, deletions, substitutions) between two ids. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_v, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/** Up to `n` known ids nearest to `id`: those containing it (or it them) first, then by edit distance. */
export function nearestIds(id: string, known: readonly string[], n = 3): string[] {
  const score = (k: string): number => (k.includes(id) || id.includes(k) ? 0 : distance(id, k));
  return [...known].sort((a, b) => score(a) - score(b) || a.localeCompare(b)).slice(0, n);
}

/**
 * The error for INTEROP_ONLY ids that name no scenario (each with its nearest known ids), or
 * undefined when every id is known.
 */
export function unknownIdsReport(only: readonly string[], known: readonly string[]): string | undefined {
  const unknown = only.filter((id) => !known.includes(id));
  if (unknown.length === 0) return undefined;
  const each = unknown.map((id) => `${id} (nearest: ${nearestIds(id, known).join(", ")})`);
  return `interop: INTEROP_ONLY names no such scenario: ${each.join("; ")}`;
}

/** How long an overrun scenario gets to settle once its clients, proxies and children are closed. */
export const SETTLE_MS = 5_000;

/** Closes everything the scenario opened and still holds; notes any child still running. */
async function closeOpened(ctx: Context, cell: Cell): Promise<void> {
  for (const c of ctx.clients.splice(0)) {
    try {
      c.close();
    } catch {
      // already closed
    }
  }
  await Promise.all(ctx.proxies.splice(0).map((p) => p.close().catch(() => undefined)));
  // A scenario that failed or timed out may have left a child running: not into the next one.
  for (const child of ctx.children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      cell.detail += ` [killed its child process ${String(child.pid)}, still running]`;
    }
  }
}

/**
 * Runs one scenario on one server within `scenario.timeoutMs`. When it overruns, its
 * `ctx.signal` is aborted (so it opens nothing more: {@link track}, {@link withProxy} and the
 * CLI's runs check it), its clients and proxies are closed and its children killed at once,
 * and the harness waits up to {@link SETTLE_MS} for it to end before the next one starts.
 */
export async function runOne(lib: Library | Error, server: ServerDef, scenario: Scenario,
  cfg: { caFile: string; user: string; password: string }, ca: string, transcriptDir: string): Promise<Cell> {
  const why = scenario.notOffered(server);
  if (why !== undefined) return { status: "n/a", detail: why, ms: 0 };
  const t0 = Date.now();
  if (lib instanceof Error) return { status: "fail", detail: `library not loadable: ${lib.message}`, ms: 0 };
  const overrun = new AbortController();
  const ctx: Context = {
    lib, server, ca, caFile: cfg.caFile, user: cfg.user, password: cfg.password, transcript: [], clients: [], children: [],
    proxies: [], signal: overrun.signal,
  };
  let cell: Cell;
  const work = Promise.resolve().then(() => scenario.run(ctx));
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`${scenario.id} did not finish within ${scenario.timeoutMs / 1000} s`);
      overrun.abort(err);
      reject(err);
    }, scenario.timeoutMs);
  });
  try {
    const note = await Promise.race([work, limit]);
    cell = { status: "pass", detail: note, ms: Date.now() - t0 };
  } catch (err) {
    cell = { status: "fail", detail: errorText(err).replace(/\s+/g, " ").slice(0, 300), ms: Date.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
  await closeOpened(ctx, cell);
  if (overrun.signal.aborted) {
    const giveUp = new AbortController();
    const settled = await Promise.race([
      work.then(() => true, () => true),
      sleep(SETTLE_MS, false, { signal: giveUp.signal }).catch(() => false),
    ]);
    giveUp.abort();
    // What it opened while it wound down (track and withProxy close those themselves).
    await closeOpened(ctx, cell);
    cell.detail += settled ? " [stopped: its clients and proxies closed]" : ` [still running ${SETTLE_MS / 1000} s after its clients and proxies were closed]`;
  }
  await writeFile(join(transcriptDir, `${server.name}.${scenario.id}.log`), ctx.transcript.join("\n") + "\n");
  return cell;
}

/** An error as one line for the matrix: class, SMTP code, message and cause. */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { smtpCode?: unknown }).smtpCode;
    const cause = err.cause instanceof Error ? ` (cause: ${err.cause.message})` : "";
    return `${err.name}${code !== undefined ? ` ${String(code)}` : ""}: ${err.message}${cause}`;
  }
  return String(err);
}

/** A scenario's run past this share of its time limit is reported as near it. */
export const NEAR_LIMIT = 0.5;

/**
 * The runs that took more than {@link NEAR_LIMIT} of their scenario's time limit, slowest
 * share first, one line each (`server scenario: 41 s of its 60 s limit`): a scenario that
 * passes only just on a quiet machine fails on a loaded one, so the log says which come
 * close before one does (python-parity spent half its limit waiting for copies never sent).
 */
export function nearLimitReport(results: ReadonlyMap<string, ReadonlyMap<string, Cell>>, scenarios: readonly Pick<Scenario, "id" | "timeoutMs">[]): string[] {
  const limits = new Map(scenarios.map((s) => [s.id, s.timeoutMs]));
  const near: { line: string; share: number }[] = [];
  for (const [server, row] of results) {
    for (const [id, cell] of row) {
      const limit = limits.get(id);
      if (limit === undefined || cell.status === "n/a" || cell.ms <= limit * NEAR_LIMIT) continue;
      near.push({ line: `${server} ${id}: ${Math.round(cell.ms / 1000)} s of its ${limit / 1000} s limit`, share: cell.ms / limit });
    }
  }
  return near.sort((a, b) => b.share - a.share).map((n) => n.line);
}
