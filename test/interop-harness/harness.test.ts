// The interop runner's parts that need no mail server (test/interop/harness.ts, run.sh's
// INTEROP_ONLY check): a scenario that overruns its time limit is stopped and what it opened
// closed before the next one starts; an unknown id stops run.sh before anything starts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import type { Library, SMTPClient } from "../interop/api.js";
import { nearestIds, nearLimitReport, runOne, unknownIdsReport, type Cell } from "../interop/harness.js";
import { track, withProxy, type Scenario, type ServerDef } from "../interop/kit.js";
import { lineServer } from "../helpers/line-server.js";

/** A stand-in client: only close() is called by the harness. */
function fakeClient(): SMTPClient & { closed: boolean } {
  const c = { closed: false, close(): void { c.closed = true; } };
  return c as unknown as SMTPClient & { closed: boolean };
}

/** Resolves true when something listens on 127.0.0.1:port, false when refused. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => { s.destroy(); resolve(true); });
    s.once("error", () => resolve(false));
  });
}

test("a scenario past its time limit: aborted, its proxy and clients closed, nothing opened later, ended before runOne returns", async () => {
  const upstream = await lineServer(() => undefined);
  const dir = await mkdtemp(join(tmpdir(), "interop-harness-"));
  const first = fakeClient();
  const late = fakeClient();
  let proxyPort: number | undefined;
  let continued = false;
  let ended = false;
  const server = { name: "fake", target: { port: upstream.port } } as unknown as ServerDef;
  const overrunning: Scenario = {
    id: "overrun-self-test",
    title: "overruns its limit on purpose",
    notOffered: () => undefined,
    timeoutMs: 150,
    async run(ctx) {
      try {
        return await withProxy(ctx, async (p) => {
          proxyPort = p.port;
          await track(ctx, Promise.resolve(first));
          await sleep(600); // past the limit
          await track(ctx, Promise.resolve(late)); // must not hand the scenario a client
          continued = true;
          await sleep(60_000);
          return "should not get here";
        });
      } finally {
        ended = true;
      }
    },
  };
  try {
    const cell = await runOne({} as Library, server, overrunning, { caFile: "", user: "", password: "" }, "", dir);
    assert.equal(cell.status, "fail");
    assert.match(cell.detail, /overrun-self-test did not finish within 0\.15 s/);
    assert.ok(proxyPort !== undefined, "the scenario opened its proxy");
    assert.equal(await listening(proxyPort), false, "the overrun scenario's proxy still listens after runOne returned");
    assert.equal(first.closed, true, "its client was not closed");
    assert.equal(late.closed, true, "the client it opened after the limit was not closed");
    assert.equal(continued, false, "the scenario went on after the limit");
    assert.equal(ended, true, "the scenario was still running when runOne returned");
    assert.match(cell.detail, /\[stopped: its clients and proxies closed\]/);
  } finally {
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("unknown INTEROP_ONLY ids: reported with the nearest known ones; known ids pass", () => {
  const known = ["plain", "starttls", "lmtp-quota", "lmtp-quota-data", "bdat"];
  assert.deepEqual(nearestIds("plian", known, 1), ["plain"]);
  assert.deepEqual(nearestIds("quota", known, 2), ["lmtp-quota", "lmtp-quota-data"]);
  assert.equal(unknownIdsReport(["plain", "bdat"], known), undefined);
  const report = unknownIdsReport(["plain", "startls"], known) ?? "";
  assert.match(report, /no such scenario: startls \(nearest: starttls, /);
  assert.doesNotMatch(report, /plain \(/);
});

test("run.sh with an unknown INTEROP_ONLY id: exit 2 at once, naming it and the nearest ids, before starting anything", () => {
  const runSh = fileURLToPath(new URL("../../../test/interop/run.sh", import.meta.url));
  const r = spawnSync("bash", [runSh], { env: { ...process.env, INTEROP_ONLY: "plain,plian" }, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 2, `exit ${String(r.status)}: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, /INTEROP_ONLY names no such scenario: plian \(nearest: plain\b/);
  assert.doesNotMatch(r.stdout + r.stderr, /starting|apt-get|compiling|test CA/);
});

/** Runs `script` in bash with watch.sh sourced (log and die as run.sh has them), killed after 15 s. */
function withWatch(script: string): { status: number | null; out: string } {
  const watchSh = fileURLToPath(new URL("../../../test/interop/watch.sh", import.meta.url));
  const prelude = `RUN=/nonexistent; log() { echo "[interop] $*"; }; die() { log "ERROR: $*" >&2; exit 1; }; source "${watchSh}"\n`;
  const r = spawnSync("bash", ["-c", prelude + script], { encoding: "utf8", timeout: 15_000, killSignal: "SIGKILL" });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("watch.sh: a server that exits while the scenarios run stops the run at once with its exit code and last lines, and the runner", async () => {
  const dir = await mkdtemp(join(tmpdir(), "interop-watch-"));
  try {
    const r = withWatch(`
      sleep 1000 & RUNNER=$!; echo $RUNNER > "${dir}/runner.pid"
      ( sleep 0.3; echo "fatal: the fake server gave up" >&2; exit 7 ) 2>"${dir}/stderr.log" &
      watch_server fake $! "${dir}/stderr.log"
      watch_runner $RUNNER; echo "runner ended: $?"`);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /ERROR: fake \(pid \d+\) exited with code 7 while the scenarios ran/);
    assert.match(r.out, /fatal: the fake server gave up/);
    const runner = Number(await readFile(join(dir, "runner.pid"), "utf8"));
    assert.equal(alive(runner), false, "the runner was left running");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("watch.sh: a server that exits before its port answers fails the port wait at once with its exit code, not after 30 s", async () => {
  const dir = await mkdtemp(join(tmpdir(), "interop-watch-"));
  // A port nobody listens on: one found free, then closed.
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  try {
    const r = withWatch(`
      ( echo "bad configuration line 3" >&2; exit 3 ) 2>"${dir}/stderr.log" &
      watch_server fake $! "${dir}/stderr.log"
      wait_port fake ${port} 60; echo "port answered"`);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /ERROR: fake \(pid \d+\) exited with code 3 while starting/);
    assert.match(r.out, /bad configuration line 3/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("nearLimitReport: the runs past half their scenario's limit, slowest share first; n/a cells and runs within half are not listed", () => {
  const cell = (status: Cell["status"], ms: number): Cell => ({ status, detail: "", ms });
  const results = new Map([
    ["postfix", new Map([["a", cell("pass", 31_000)], ["b", cell("pass", 9_000)], ["c", cell("fail", 20_000)]])],
    ["exim", new Map([["a", cell("pass", 30_000)], ["b", cell("n/a", 0)], ["c", cell("pass", 39_000)]])],
  ]);
  const scenarios = [{ id: "a", timeoutMs: 60_000 }, { id: "b", timeoutMs: 10_000 }, { id: "c", timeoutMs: 20_000 }];
  assert.deepEqual(nearLimitReport(results, scenarios), [
    "exim c: 39 s of its 20 s limit",
    "postfix c: 20 s of its 20 s limit",
    "postfix b: 9 s of its 10 s limit",
    "postfix a: 31 s of its 60 s limit",
  ]);
});
