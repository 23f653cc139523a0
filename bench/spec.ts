/**
 * What the harness asks a client process to do, and what the client reports back.
 * A client process gets one `JobSpec` as JSON in argv[2] and prints one `JobResult` as a
 * JSON line on stdout. Timing runs inside the client, from just before connecting to just
 * after the last QUIT is answered; loading modules and reading the message file are outside.
 * @module
 */

export interface JobSpec {
  host: string;
  port: number;
  /** Client variant, e.g. "pipelined", "sequential", "pool", "conn" (per client program). */
  mode: string;
  /** Parallel connections; each sends `count` messages. */
  connections: number;
  /** Messages per connection. */
  count: number;
  /** Recipients per message. */
  rcpts: number;
  /** The message file (CRLF endings); absent for the streamed case. */
  msgFile?: string;
  /** Streamed case: number of 80 KiB body chunks generated on the fly. */
  streamChunks?: number;
  /** Most `sendmail` calls in flight per connection in the pipelined mode. */
  window?: number;
  /** Directory of the built library (index.js); default build/src. The harness passes a snapshot. */
  libDir?: string;
  /** Extra options handed to the library client (e.g. to turn CHUNKING off). */
  libOptions?: Record<string, unknown>;
}

export interface JobResult {
  ok: boolean;
  /** Set when the client is not available (module missing); not a failure. */
  skipped?: string;
  error?: string;
  elapsedMs?: number;
  /** Messages sent in total (all connections). */
  messages?: number;
  /** Message bytes sent in total, before dot-stuffing. */
  bytes?: number;
  /** CPU time (user + system) the client process used in the timed part, ms. */
  cpuMs?: number;
  /** Peak resident set size of the client process, KiB. */
  maxRssKiB?: number;
  /** Anything the client wants to note (e.g. which API it found). */
  note?: string;
}

/** Starts timing; the returned function gives the wall time and the CPU time used since. */
export function startClock(): () => { elapsedMs: number; cpuMs: number } {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  return () => {
    const elapsedMs = performance.now() - t0;
    const c = process.cpuUsage(c0);
    return { elapsedMs, cpuMs: (c.user + c.system) / 1000 };
  };
}

/** Parses the spec given on the command line of a client process. */
export function readSpec(): JobSpec {
  const raw = process.argv[2];
  if (!raw) throw new Error("usage: node client.js '<JobSpec JSON>'");
  return JSON.parse(raw) as JobSpec;
}

/** Prints the result line and exits (a pending handle must not keep a client alive). */
export function report(result: JobResult): void {
  if (result.maxRssKiB === undefined) result.maxRssKiB = process.resourceUsage().maxRSS;
  process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(0));
}

/** Runs `fn` and reports its result, turning a throw into `{ ok: false }`. */
export async function runJob(fn: (spec: JobSpec) => Promise<JobResult>): Promise<void> {
  let result: JobResult;
  try {
    result = await fn(readSpec());
  } catch (err) {
    const e = err as Error;
    result = { ok: false, error: `${e.name ?? "Error"}: ${e.message ?? String(err)}` };
  }
  report(result);
}
