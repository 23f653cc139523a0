// `smtplib probe` interrupted (Ctrl-C, SIGTERM) while it waits for a server: it exits 130 as
// `send` does, with a line saying so. It had no handler: SIGTERM killed it silently (a shell
// sees 143, which neither its --help nor README lists), SIGINT likewise (130 from the shell only).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { readFile } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import { start } from "../helpers/cli-process.js";

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  test(`probe interrupted by ${signal} while the server has not greeted: exit 130, a line on stderr`, async () => {
    const { port, connection, close } = await silentServer();
    try {
      const probe = start(["probe", `127.0.0.1:${port}`]);
      await connection;
      probe.child.kill(signal);
      const { code, signal: killedBy, stdout, stderr } = await probe.done;
      assert.deepEqual({ code, killedBy }, { code: 130, killedBy: null }, stderr);
      assert.equal(stdout, `probe 127.0.0.1:${port} (plain text)\n`);
      assert.equal(stderr, `smtplib: interrupted by ${signal}: the probe did not finish\n`);
    } finally {
      close();
    }
  });
}

test("probe given a second signal as it takes the first (both pending as it is continued): exit 130 and one line, never killed by the signal, as send", async () => {
  const { port, connection, close } = await silentServer();
  try {
    const probe = start(["probe", `127.0.0.1:${port}`]);
    await connection;
    probe.child.kill("SIGSTOP");
    await stopped(probe.child.pid!);
    probe.child.kill("SIGINT");
    probe.child.kill("SIGTERM");
    probe.child.kill("SIGCONT");
    const { code, signal: killedBy, stdout, stderr } = await probe.done;
    assert.deepEqual({ code, killedBy }, { code: 130, killedBy: null }, stderr);
    assert.equal(stdout, `probe 127.0.0.1:${port} (plain text)\n`);
    // the first quits at once (either may be taken first)
    assert.match(stderr, /^smtplib: interrupted by SIG(INT|TERM): the probe did not finish\n$/);
  } finally {
    close();
  }
});

/** Resolves once process `pid` is stopped (SIGSTOP taken: state T in /proc/<pid>/stat). */
async function stopped(pid: number): Promise<void> {
  for (;;) {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    if (/^\d+ \(.*\) T /s.test(stat)) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A server on 127.0.0.1 port 0 that never greets: `connection` resolves at the first client; `close` ends it and its sockets. */
async function silentServer(): Promise<{ port: number; connection: Promise<void>; close: () => void }> {
  const sockets: Socket[] = [];
  let connected!: () => void;
  const connection = new Promise<void>((resolve) => { connected = resolve; });
  const server = createServer((sock) => {
    sockets.push(sock);
    sock.on("error", () => undefined);
    connected();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = (): void => {
    for (const sock of sockets) sock.destroy();
    server.close();
  };
  return { port: (server.address() as { port: number }).port, connection, close };
}

test("probe --json interrupted while the server has not greeted: the report still comes on stdout (ok false, exit code 130, no step done), beside the line on stderr", async () => {
  const { port, connection, close } = await silentServer();
  try {
    const probe = start(["probe", `127.0.0.1:${port}`, "--json"]);
    await connection;
    probe.child.kill("SIGINT");
    const { code, signal: killedBy, stdout, stderr } = await probe.done;
    assert.deepEqual({ code, killedBy }, { code: 130, killedBy: null }, stderr);
    assert.equal(stderr, "smtplib: interrupted by SIGINT: the probe did not finish\n");
    const report = JSON.parse(stdout) as Record<string, unknown>;
    assert.deepEqual(
      { ok: report.ok, exitCode: report.exitCode, error: report.error, steps: report.steps, target: report.target },
      { ok: false, exitCode: 130, error: "interrupted by SIGINT: the probe did not finish", steps: [], target: { host: "127.0.0.1", port, tlsMode: "none", lmtp: false } },
    );
  } finally {
    close();
  }
});
