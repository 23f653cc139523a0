/**
 * What `smtplib probe` found, shown as it goes (text lines, each step as it ends) or, with
 * `--json`, as one JSON object on stdout at the end, for scripts and monitoring: the steps and
 * their times, the capabilities, the TLS session and certificate (days to expiry included),
 * and, when the probe failed, why and its exit code. Pure but for the `out` it writes with.
 * @module
 */
import type { PeerCertificate } from "node:tls";
import type { TLSInfo } from "../transport/tls-info.js";

/** A step's result for the JSON report: a reply, whether TLS was set up, or a note. */
export type StepResult = { code: number; text: string } | { tls: boolean } | { note: string };

/** How `probe` shows what it finds. */
export interface ProbeView {
  /** One step done, in `ms`: `shown` for the text, `result` for the JSON. */
  step(name: string, ms: number, shown: string, result: StepResult): void;
  /** The capabilities (none for a server without ESMTP). */
  capabilities(esmtp: boolean, features: ReadonlyMap<string, string>, lines: readonly string[]): void;
  /** The TLS session, or undefined when none; `lines` its text form. */
  tls(info: TLSInfo | undefined, lines: readonly string[]): void;
  /** The probe ended with `exitCode`, and `error` (already said on stderr) when it failed. */
  end(exitCode: number, error?: string): void;
}

/** The text view: a line per step as it ends, then the capabilities and TLS lines. */
export function textView(out: (line: string) => void): ProbeView {
  return {
    step: (name, ms, shown) => out(`  ${name.padEnd(18)} ${ms.toFixed(1).padStart(8)} ms  ${shown}`),
    capabilities: (esmtp, _features, lines) => {
      out(esmtp ? "capabilities:" : "capabilities: none (the server does not speak ESMTP)");
      for (const line of lines) out(line);
    },
    tls: (info, lines) => {
      out(info ? "TLS:" : "TLS: not in use");
      for (const line of lines) out(line);
    },
    end: () => undefined,
  };
}

/** A distinguished name as an object of its attributes (`{ CN: "mx.example.org", O: "..." }`). */
function nameObject(name: unknown): Record<string, string | string[]> | null {
  if (name === null || typeof name !== "object") return null;
  return Object.fromEntries(Object.entries(name as Record<string, unknown>).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]));
}

/** What ms a day holds. */
const DAY_MS = 86_400_000;

/** The TLS section of the JSON report. */
export function tlsReport(info: TLSInfo, now = Date.now()): Record<string, unknown> {
  const cert: Partial<PeerCertificate> = info.peerCertificate ?? {};
  const validTo = Date.parse(cert.valid_to ?? "");
  const validFrom = Date.parse(cert.valid_from ?? "");
  return {
    protocol: info.protocol,
    cipher: info.cipher.name,
    verified: info.authorized,
    verifyError: info.authorized ? null : info.authorizationError ?? null,
    certificate: cert.subject === undefined ? null : {
      subject: nameObject(cert.subject),
      issuer: nameObject(cert.issuer),
      names: cert.subjectaltname ? cert.subjectaltname.split(/,\s*/) : [],
      validFrom: Number.isNaN(validFrom) ? null : new Date(validFrom).toISOString(),
      validTo: Number.isNaN(validTo) ? null : new Date(validTo).toISOString(),
      // whole days left, negative once expired (rounded down: 0 on its last day)
      daysLeft: Number.isNaN(validTo) ? null : Math.floor((validTo - now) / DAY_MS),
      sha256: cert.fingerprint256 ?? null,
    },
  };
}

/** The JSON view: nothing until the end, then one object (indented) on `out`. */
export function jsonView(out: (text: string) => void, target: { host: string; port: number; tlsMode: string; lmtp: boolean }, now: () => number = Date.now): ProbeView {
  const steps: { step: string; ms: number; result: StepResult }[] = [];
  let esmtp: boolean | null = null;
  let capabilities: Record<string, string> | null = null;
  let tls: Record<string, unknown> | null = null;
  return {
    step: (name, ms, _shown, result) => void steps.push({ step: name, ms: Math.round(ms * 10) / 10, result }),
    capabilities: (isEsmtp, features) => {
      esmtp = isEsmtp;
      capabilities = Object.fromEntries([...features].map(([k, v]) => [k.toUpperCase(), v.trim()]));
    },
    tls: (info) => {
      tls = info === undefined ? null : tlsReport(info, now());
    },
    end: (exitCode, error) => out(`${JSON.stringify({ target, ok: exitCode === 0, exitCode, error: error ?? null, steps, esmtp, capabilities, tls }, null, 2)}\n`),
  };
}
