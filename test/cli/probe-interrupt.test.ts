// `smtplib probe` interrupted (Ctrl-C, SIGTERM) while it waits for a server: it exits 130 as
// `send` does, with a line saying so. It had no handler: SIGTERM killed it silently (a shell
// sees 143, which neither its --help nor README lists), SIGINT likewise (130 from the shell only).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import { children, LIMIT_MS, MAIN } from "../helpers/cli-process.js";

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  test(`probe interrupted by ${signal} while the server has not greeted: exit 130, a line on stderr`, async () => {
    const sockets: Socket[] = [];
    let connected!: () => void;
    const connection = new Promise<void>((resolve) => { connected = resolve; });
    const server = createServer((sock) => {
      sockets.push(sock);
      sock.on("error", () => undefined);
      connected();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const child = spawn(process.execPath, [MAIN, "probe", `127.0.0.1:${port}`], { stdio: ["ignore", "pipe", "pipe"] });
      children.add(child);
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); });
      child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
      const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
      const closed = once(child, "close");
      await connection;
      child.kill(signal);
      const [code, killedBy] = (await closed) as [number | null, NodeJS.Signals | null];
      clearTimeout(timer);
      children.delete(child);
      assert.deepEqual({ code, killedBy }, { code: 130, killedBy: null }, stderr);
      assert.equal(stdout, `probe 127.0.0.1:${port} (plain text)\n`);
      assert.equal(stderr, `smtplib: interrupted by ${signal}: the probe did not finish\n`);
    } finally {
      for (const sock of sockets) sock.destroy();
      server.close();
    }
  });
}
