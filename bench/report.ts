/**
 * Tables (Markdown, also printed on stdout) and the targets' pass/fail.
 * @module
 */
import type { CaseDef, Target } from "./cases.js";
import { cpuValues, isOurs, median, rates, ratios, rssValues, type CaseResult } from "./stats.js";

const fmt = (x: number | undefined, digits = 0): string => (x === undefined ? "-" : x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const fmtRate = (x: number | undefined, unit: CaseDef["unit"]): string => fmt(x, unit === "GB/s" ? 2 : unit === "MB/s" ? 1 : 0);
const fmtRatio = (x: number | undefined): string => (x === undefined ? "-" : `${x.toFixed(2)}x`);
const mb = (kib: number | undefined): string => (kib === undefined ? "-" : `${((kib * 1024) / 1e6).toFixed(0)} MB`);

/** The per-client table of one case. */
export function caseTable(cr: CaseResult): string {
  const { def } = cr;
  const out: string[] = [];
  out.push(`### ${def.id}: ${def.title}`, "");
  if (def.id === "dotstuff") {
    out.push("| implementation | median GB/s | min - max | rounds |", "| --- | ---: | ---: | ---: |");
    for (const [name, vals] of cr.metrics) {
      const v = vals.filter((x): x is number => x !== undefined);
      out.push(`| ${name} | ${fmt(median(v), 2)} | ${fmt(Math.min(...v), 2)} - ${fmt(Math.max(...v), 2)} | ${v.length} |`);
    }
    for (const n of cr.notes.values()) out.push("", `Note: ${n}`);
    out.push("", `(${cr.rounds} rounds, ${cr.seconds.toFixed(0)} s)`, "");
    return out.join("\n");
  }
  const cpuUnit = def.unit === "msg/s" ? "client CPU us/msg" : "client CPU ms/MB";
  out.push(`| client | how | median ${def.unit} | min - max | ${cpuUnit} (median) | peak RSS (median) | runs ok |`, "| --- | --- | ---: | ---: | ---: | ---: | ---: |");
  for (const c of def.clients) {
    const skip = cr.skipped.get(c.id);
    if (skip) {
      out.push(`| ${c.id} | ${c.how} | skipped | | | | ${skip} |`);
      continue;
    }
    const v = rates(cr, c.id);
    const ran = (cr.samples.get(c.id) ?? []).filter((s) => s !== undefined).length;
    const range = v.length ? `${fmtRate(Math.min(...v), def.unit)} - ${fmtRate(Math.max(...v), def.unit)}` : "-";
    const cpu = median(cpuValues(cr, c.id));
    out.push(`| ${c.id} | ${c.how} | ${fmtRate(median(v), def.unit)} | ${range} | ${fmt(cpu, def.unit === "msg/s" ? 0 : 1)} | ${mb(median(rssValues(cr, c.id)))} | ${v.length}/${ran} |`);
  }
  const ours = def.clients.filter((c) => isOurs(c) && !cr.skipped.has(c.id) && rates(cr, c.id).length > 0);
  const peers = def.clients.filter((c) => !cr.skipped.has(c.id) && rates(cr, c.id).length > 0);
  if (ours.length > 0 && peers.length > 1) {
    out.push("", "Ratios (row / column), taken round by round, median of the rounds' ratios:", "");
    const cols = peers.map((p) => p.id);
    out.push(`| | ${cols.join(" | ")} |`, `| --- | ${cols.map(() => "---:").join(" | ")} |`);
    for (const o of ours) {
      out.push(`| ${o.id} | ${cols.map((p) => (p === o.id ? "" : fmtRatio(ratios(cr, o.id, p).median))).join(" | ")} |`);
    }
  }
  for (const [id, errs] of cr.errors) out.push("", `Errors of ${id} (${errs.length}): ${[...new Set(errs)].slice(0, 3).join(" / ")}`);
  for (const [id, n] of cr.notes) out.push("", `Note (${id}): ${n}`);
  out.push("", `(${cr.rounds} rounds, client order rotated each round, ${cr.seconds.toFixed(0)} s)`, "");
  return out.join("\n");
}

export interface TargetOutcome {
  readonly text: string;
  readonly measured: string;
  readonly verdict: "PASS" | "FAIL" | "not measured";
  readonly detail: string;
}

/** Evaluates a target of the issue against a case's results. */
export function evaluate(cr: CaseResult, t: Target): TargetOutcome {
  if (t.kind === "ratio") {
    const { perRound, median: m } = ratios(cr, t.ours, t.peer);
    if (m === undefined) return { text: t.text, measured: "-", verdict: "not measured", detail: cr.skipped.get(t.ours) ?? cr.skipped.get(t.peer) ?? "no round with both clients" };
    // "more than our own DATA path" is strict; the "at least" targets are not.
    const strict = t.min === 1.0 && t.ours.endsWith("-bdat");
    const pass = strict ? m > t.min : m >= t.min;
    return { text: t.text, measured: fmtRatio(m), verdict: pass ? "PASS" : "FAIL", detail: `${t.ours} / ${t.peer} per round: ${perRound.map((r) => r.toFixed(2)).join(", ")}` };
  }
  if (t.kind === "rss") {
    const v = rssValues(cr, t.client);
    if (v.length === 0) return { text: t.text, measured: "-", verdict: "not measured", detail: cr.skipped.get(t.client) ?? "no successful run" };
    const peak = Math.max(...v);
    const pass = peak * 1024 < t.maxMiB * 1e6;
    return { text: t.text, measured: `${mb(peak)} (highest of ${v.length} runs)`, verdict: pass ? "PASS" : "FAIL", detail: `per run: ${v.map((k) => mb(k)).join(", ")}` };
  }
  const vals = (cr.metrics.get(t.metric) ?? []).filter((x): x is number => x !== undefined);
  const m = median(vals);
  if (m === undefined) return { text: t.text, measured: "-", verdict: "not measured", detail: [...cr.notes.values()].join("; ") || "no result" };
  return { text: t.text, measured: `${m.toFixed(2)} GB/s`, verdict: m >= t.min ? "PASS" : "FAIL", detail: `per round: ${vals.map((x) => x.toFixed(2)).join(", ")}` };
}

export function targetsTable(outcomes: readonly TargetOutcome[]): string {
  const out = ["| target | measured (median) | verdict | detail |", "| --- | ---: | --- | --- |"];
  for (const o of outcomes) out.push(`| ${o.text} | ${o.measured} | ${o.verdict} | ${o.detail} |`);
  return out.join("\n");
}
