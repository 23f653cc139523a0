/**
 * Medians and round-by-round ratios. Rates from different rounds are never divided by one
 * another: a ratio is taken within a round (both clients measured minutes apart at most,
 * interleaved), then the median of those ratios is reported.
 * @module
 */
import type { CaseDef, ClientDef } from "./cases.js";
import type { JobResult } from "./spec.js";

export interface Sample {
  readonly round: number;
  readonly result: JobResult;
  /** In the case's unit; undefined when the run failed. */
  readonly rate?: number;
}

export interface CaseResult {
  readonly def: CaseDef;
  readonly rounds: number;
  /** Per client id: one entry per round (undefined = not run). */
  readonly samples: Map<string, (Sample | undefined)[]>;
  readonly skipped: Map<string, string>;
  readonly errors: Map<string, string[]>;
  readonly notes: Map<string, string>;
  /** The dot-stuffer case: per metric, one value per round. */
  readonly metrics: Map<string, (number | undefined)[]>;
  readonly seconds: number;
}

export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1]! + s[m]!) / 2;
}

export function rateOf(def: CaseDef, r: JobResult): number | undefined {
  if (!r.ok || !r.elapsedMs || r.elapsedMs <= 0) return undefined;
  const s = r.elapsedMs / 1000;
  if (def.unit === "msg/s") return (r.messages ?? 0) / s;
  return (r.bytes ?? 0) / 1e6 / s;
}

export function rates(cr: CaseResult, id: string): number[] {
  return (cr.samples.get(id) ?? []).flatMap((s) => (s?.rate !== undefined ? [s.rate] : []));
}

export function rssValues(cr: CaseResult, id: string): number[] {
  return (cr.samples.get(id) ?? []).flatMap((s) => (s?.rate !== undefined && s.result.maxRssKiB !== undefined ? [s.result.maxRssKiB] : []));
}

/**
 * Client CPU (user + system, timed part only) per unit of work, one value per successful run:
 * microseconds per message for msg/s cases, milliseconds per MB for MB/s cases. Unlike
 * rates, CPU time barely depends on what else the machine is doing.
 */
export function cpuValues(cr: CaseResult, id: string): number[] {
  return (cr.samples.get(id) ?? []).flatMap((s) => {
    const r = s?.result;
    if (s?.rate === undefined || !r || r.cpuMs === undefined) return [];
    if (cr.def.unit === "msg/s") return r.messages ? [(r.cpuMs * 1000) / r.messages] : [];
    return r.bytes ? [r.cpuMs / (r.bytes / 1e6)] : [];
  });
}

/** Per-round ratios a/b (only rounds where both ran), and their median. */
export function ratios(cr: CaseResult, a: string, b: string): { perRound: number[]; median: number | undefined } {
  const sa = cr.samples.get(a) ?? [];
  const sb = cr.samples.get(b) ?? [];
  const perRound: number[] = [];
  for (let r = 0; r < cr.rounds; r++) {
    const x = sa[r]?.rate;
    const y = sb[r]?.rate;
    if (x !== undefined && y !== undefined && y > 0) perRound.push(x / y);
  }
  return { perRound, median: median(perRound) };
}

export const isOurs = (c: ClientDef): boolean => c.runner === "smtplib";
