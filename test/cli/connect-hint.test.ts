// When no connection could be made, send and probe say what to try next where the target as
// given shows it: `--lmtp --server lmtp` where `./lmtp` (a Unix socket here) was meant got
// only "getaddrinfo ENOTFOUND lmtp" (a name without a slash is a host name), and a refused
// connection to a port left out did not say that the default port was the one tried.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SMTPConnectError, SMTPTimeoutError } from "../../src/index.js";
import { connectHint } from "../../src/cli/connect.js";
import type { ConnectTarget } from "../../src/cli/args.js";
import { children, ended, LIMIT_MS, MAIN } from "../helpers/cli-process.js";

/** Runs `smtplib ...args` in `cwd`; resolves to its exit code and stderr. */
async function runIn(cwd: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd, stdio: ["ignore", "ignore", "pipe"] });
  children.add(child);
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
  const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
  const [code] = await ended(child);
  clearTimeout(timer);
  children.delete(child);
  return { code, stderr };
}

test("a host name that DNS does not know but that is a Unix socket here: the error says to give its path with a slash (and --lmtp)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "smtplib-hint-"));
  // .invalid (RFC 6761): no resolver knows it, so the name is sure to fail as a host name
  const name = "lmtp.invalid";
  const server = createServer((sock) => sock.end("220 lmtp ready\r\n"));
  await new Promise<void>((resolve) => server.listen(join(dir, name), resolve));
  try {
    const send = await runIn(dir, ["send", "--lmtp", "--server", name, "--from", "a@x.test", "--to", "b@x.test", "--subject", "s"]);
    assert.equal(send.code, 5, send.stderr);
    assert.ok(send.stderr.endsWith(` (./${name} is a Unix socket: give its path with a slash, ./${name})\n`), send.stderr);
    const probe = await runIn(dir, ["probe", name]);
    assert.equal(probe.code, 5, probe.stderr);
    assert.ok(probe.stderr.endsWith(` (./${name} is a Unix socket: give its path with a slash, ./${name}, and --lmtp)\n`), probe.stderr);
    // with --ssl, which --lmtp refuses (no LMTP over implicit TLS): the hint says to leave it out
    const ssl = await runIn(dir, ["probe", "--ssl", name]);
    assert.equal(ssl.code, 5, ssl.stderr);
    assert.ok(ssl.stderr.endsWith(` (./${name} is a Unix socket: give its path with a slash, ./${name}, and --lmtp, without --ssl)\n`), ssl.stderr);
    // a name that is no file here gets no hint
    const other = await runIn(dir, ["probe", "other.invalid"]);
    assert.equal(other.code, 5, other.stderr);
    assert.match(other.stderr, /ENOTFOUND other\.invalid\n$/);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  }
});

test("a refused connection to a port left out says the default port was tried; a port given, or another failure, gets no hint", () => {
  const target: ConnectTarget = { host: "mail.example.org", port: 0, tlsMode: "none", insecure: false, lmtp: false };
  const refused = new SMTPConnectError(-1, "Could not connect to mail.example.org:25: connect ECONNREFUSED 192.0.2.1:25", { cause: Object.assign(new Error("connect ECONNREFUSED 192.0.2.1:25"), { code: "ECONNREFUSED" }) });
  assert.equal(connectHint(refused, target), " (port 25, the default, was tried: give host:port, such as port 587 for mail submission)");
  assert.equal(connectHint(refused, { ...target, tlsMode: "ssl" }), " (port 465, the default, was tried: give host:port)");
  assert.equal(connectHint(refused, { ...target, lmtp: true }), " (port 2003, the default, was tried: give host:port)");
  assert.equal(connectHint(refused, { ...target, port: 25 }), "");
  assert.equal(connectHint(new SMTPTimeoutError("Timed out after 10 ms connecting to mail.example.org:25", "connect", 10), target), "");
});

test("a Unix socket path refused says whether it is a socket no server listens on or no socket at all", async () => {
  const dir = await mkdtemp(join(tmpdir(), "smtplib-hint-"));
  try {
    // what a server that crashed leaves: the socket file, and no one listening on it
    const stale = join(dir, "stale.sock");
    const left = spawnSync(process.execPath, ["-e", `require("node:net").createServer().listen(${JSON.stringify(stale)}, () => process.exit(0))`]);
    assert.equal(left.status, 0, String(left.stderr));
    await writeFile(join(dir, "file"), "not a socket");
    const send = (path: string): Promise<{ code: number | null; stderr: string }> =>
      runIn(dir, ["send", "--lmtp", "--server", path, "--from", "a@x.test", "--to", "b@x.test", "--subject", "s"]);
    const socket = await send(stale);
    assert.equal(socket.code, 5, socket.stderr);
    assert.ok(socket.stderr.endsWith(" (no server listens on that socket: is it running?)\n"), socket.stderr);
    const file = await send(join(dir, "file"));
    assert.equal(file.code, 5, file.stderr);
    assert.ok(file.stderr.endsWith(` (${join(dir, "file")} is not a Unix socket)\n`), file.stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
