/**
 * README.md's examples must keep working:
 * - every ```ts block type-checks against the package's types, as a module of its own that
 *   imports from "smtplib" (a block that uses names from an earlier one, such as `smtp`, gets
 *   declarations for them from EXAMPLES below, keyed by the heading it stands under);
 * - every block also runs (EXAMPLES says how, and checks the outcome), in a child process,
 *   against the bundled debugging server: only the example's host names, ports and socket path are
 *   replaced (REWRITES), TLS trusts the test CA (NODE_EXTRA_CA_CERTS), and the password
 *   comes from the environment as the example reads it;
 * - every `smtplib ...` or `npx smtplib ...` command line, in a ```sh block or an inline
 *   code span, parses with the CLI's own argument parser, and every `npm run X` names a
 *   script of package.json;
 * - every link to a file of this repository points to one that exists.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import ts from "typescript";
import { CommanderError } from "commander";
import { parseCommandLine } from "../../src/cli/args.js";
import { startDebugServer, type DebugServer, type DebugServerOptions } from "../../src/server/debug-server.js";
import { getTestCerts } from "../helpers/certs.js";
import { socks5Proxy, type Request } from "../helpers/socks5-proxy.js";
import { codeBlocks, codeSpans, shellCommands, type CodeBlock } from "./markdown.js";
import { formatHost, ROOT, runModule, typeCheck, unixForwarder, type RunOutput } from "./readme-run.js";

const README = readFileSync(join(ROOT, "README.md"), "utf8");
const PASSWORD = "readme example password";

/** What a run's check sees. */
interface Outcome extends RunOutput {
  readonly server: DebugServer;
  /** What the SOCKS5 proxy was asked for (`via: "socks5"`). */
  readonly proxied: readonly Request[];
}

/** How one README block is checked, beyond type-checking it as it stands. */
interface Example {
  /** Declarations of the names it takes from an earlier block (for the type check only). */
  readonly declare?: string;
  /** How to run it (every block has one: README says they all run). */
  readonly run: {
    /** The debugging server it talks to; `starttls` gives it STARTTLS with the test certificate. */
    readonly server: Omit<DebugServerOptions, "tls"> & { readonly starttls?: boolean };
    /** Code after the block's imports: the values of what `declare` declares. */
    readonly prelude?: string;
    /** Code after the block: prints what `check` reads. */
    readonly epilogue?: string;
    /** How the example reaches the server: through a Unix socket, or a SOCKS5 proxy. */
    readonly via?: "unix-socket" | "socks5";
    /** Files in the working directory. */
    readonly files?: Readonly<Record<string, string>>;
    /** Checks what the server got and what the example printed. */
    check(outcome: Outcome): void;
  };
}

const CONNECT = `import { SMTP as ReadmeSMTP } from "smtplib";
await using smtp = await ReadmeSMTP.connect("mail.example.org", 587);`;
const AUTH = { users: { alice: PASSWORD } };
const message = (to: string, subject: string): string => `From: alice@example.org\r\nTo: ${to}\r\nSubject: ${subject}\r\n\r\nHello!\r\n`;
/** big.eml for the streaming example: CRLF lines, some starting with a dot (stuffed on the wire). */
const BIG = message("bob@example.org", "Big") + Array.from({ length: 20_000 }, (_, i) => `${i % 97 === 0 ? "." : ""}line ${i} of a large message\r\n`).join("");

/** The checks of the `sendMessage` examples: one message, to To, Cc and Bcc, its Bcc never transmitted. Returns its text. */
function oneMessageBccHidden(server: DebugServer): string {
  assert.equal(server.messages.length, 1);
  const [received] = server.messages;
  assert.deepEqual(received!.envelope.rcptTo, ["bob@example.org", "audit@example.org"], "the Bcc recipient gets the message");
  const text = received!.data.toString("utf8");
  assert.doesNotMatch(text, /^Bcc:/im, "Bcc is never transmitted");
  return text;
}

/** README's blocks by the heading they stand under. */
const EXAMPLES: Readonly<Record<string, Example>> = {
  "First example": {
    run: {
      server: { starttls: true, auth: AUTH, refuseRecipients: ["carol@example.org"] },
      check({ server, stdout }) {
        assert.equal(server.messages.length, 1);
        const [received] = server.messages;
        assert.deepEqual(received!.envelope.rcptTo, ["bob@example.org"]);
        assert.equal(received!.secure, true, "requireTLS upgraded with STARTTLS");
        assert.equal(received!.user, "alice");
        assert.match(stdout, /^carol@example\.org: 550 .*refused\n$/, "the refused recipient, as the example prints it");
      },
    },
  },
  "Whole messages: `sendMessage`": {
    declare: `declare const smtp: import("smtplib").SMTP;`,
    run: {
      server: {},
      prelude: CONNECT,
      check({ server }) {
        const text = oneMessageBccHidden(server);
        assert.equal(server.messages[0]!.envelope.mailFrom, "alice@example.org");
        assert.match(text, /^From: .*<alice@example\.org>\r$/m);
        assert.match(text, /\r\n\r\nSee attached\.\r\n$/);
      },
    },
  },
  "With Nodemailer's MailComposer": {
    declare: `declare const smtp: import("smtplib").SMTP;`,
    run: {
      server: {},
      prelude: CONNECT,
      check({ server }) {
        oneMessageBccHidden(server);
      },
    },
  },
  "Streams, pipelining and BDAT": {
    declare: `declare const smtp: import("smtplib").SMTP; declare const from: string; declare const to: string[];`,
    run: {
      server: { size: 10 * 1024 * 1024 },
      prelude: `${CONNECT}\nconst from = "alice@example.org", to = ["bob@example.org"];`,
      epilogue: `console.log(JSON.stringify([...result.delivered.keys()]));`,
      files: { "big.eml": BIG },
      check({ server, stdout }) {
        assert.deepEqual(JSON.parse(stdout), ["bob@example.org"]);
        assert.equal(server.messages.length, 1);
        assert.equal(server.messages[0]!.data.toString("utf8"), BIG, "the file arrives as it is");
        assert.equal(server.messages[0]!.envelope.mailParams["SIZE"], String(Buffer.byteLength(BIG)), "the example's { size } goes out as SIZE=");
      },
    },
  },
  "LMTP": {
    declare: `declare const from: string; declare const message: string;`,
    run: {
      server: { lmtp: true, refuseAfterData: [{ address: "b@x", code: 552, message: "Mailbox full" }] },
      via: "unix-socket",
      prelude: `const from = "alice@example.org", message = ${JSON.stringify(message("a@x, b@x", "LMTP"))};`,
      epilogue: `console.log(JSON.stringify({ delivered: [...delivered.keys()], refused: [...refused].map(([r, reply]) => [r, reply.code]) }));`,
      check({ server, stdout }) {
        assert.deepEqual(JSON.parse(stdout), { delivered: ["a@x"], refused: [["b@x", 552]] });
        assert.equal(server.messages.length, 1);
      },
    },
  },
  "A pool with a rate limit": {
    declare: `declare const batch: import("smtplib").MessageInput[];`,
    run: {
      server: { starttls: true, auth: AUTH },
      prelude: `const batch = ["bob@example.org", "carol@example.org", "dave@example.org"].map((to) => ${JSON.stringify(message("TO", "Batch"))}.replace("TO", to));`,
      check({ server }) {
        assert.deepEqual(server.messages.map((m) => m.envelope.rcptTo[0]).sort(), ["bob@example.org", "carol@example.org", "dave@example.org"]);
        for (const m of server.messages) {
          assert.equal(m.secure, true);
          assert.equal(m.user, "alice");
        }
      },
    },
  },
  "Options beyond Python's": {
    run: {
      server: { starttls: true },
      via: "socks5",
      check({ server, proxied }) {
        assert.equal(proxied.length, 1, "one connection, through the proxy");
        assert.equal(proxied[0]!.host, "localhost", "the client hands the name to the proxy");
        assert.ok(server.transcript.some((e) => e.line.startsWith("TLS established")), "starttls() went through the proxy");
        assert.ok(server.transcript.some((e) => e.direction === "C" && e.line === "QUIT"), "await using said QUIT");
      },
    },
  },
  "The debugging server in your tests": {
    run: {
      // the example starts a server of its own: this one must get nothing
      server: {},
      check({ server, stdout }) {
        assert.match(stdout, /^# pass 1$/m, stdout);
        assert.match(stdout, /^# fail 0$/m, stdout);
        assert.equal(server.messages.length, 0);
      },
    },
  },
};

/** Where a run's example connects: filled in per run. */
interface Target { host: string; port: number; socketPath: string; proxyPort: number }

/** The only changes made to an example before it runs: where it connects. */
const REWRITES: readonly (readonly [RegExp, (t: Target) => string])[] = [
  [/"(?:mail|smtp)\.example\.(?:org|com)"/g, (t) => JSON.stringify(t.host)],
  [/\b587\b/g, (t) => String(t.port)],
  [/"\/var\/run\/dovecot\/lmtp"/g, (t) => JSON.stringify(t.socketPath)],
  [/\bport: 1080\b/g, (t) => `port: ${t.proxyPort}`],
];

const tsBlocks = codeBlocks(README).filter((b) => b.lang === "ts");

/** A block's imports (leading `import` lines) and the rest. */
function splitImports(code: string): { imports: string; body: string } {
  const lines = code.split("\n");
  let i = 0;
  while (i < lines.length && (/^import\s/.test(lines[i]!) || lines[i]!.trim() === "")) i++;
  return { imports: lines.slice(0, i).join("\n"), body: lines.slice(i).join("\n") };
}

test("README: the fenced blocks are ts or sh, and EXAMPLES has a run for each ts block and nothing else", () => {
  for (const block of codeBlocks(README)) assert.ok(["ts", "sh"].includes(block.lang), `README.md:${block.line}: a \`\`\`${block.lang} block is checked by nothing: use ts or sh, or teach test/docs/readme-examples.test.ts`);
  const headings = new Set(tsBlocks.map((b) => b.heading));
  for (const heading of Object.keys(EXAMPLES)) assert.ok(headings.has(heading), `EXAMPLES has "${heading}", which has no ts block in README.md`);
  assert.equal(new Set(tsBlocks.map((b) => b.heading)).size, tsBlocks.length, "one ts block per heading (EXAMPLES is keyed by heading)");
  // README says that every example runs: one that cannot would need saying so there
  for (const block of tsBlocks) assert.ok(EXAMPLES[block.heading]?.run, `README.md:${block.line} ("${block.heading}"): no run for it in EXAMPLES`);
});

test("README: every ts block type-checks against the package's types", () => {
  const modules = tsBlocks.map((block) => {
    const declare = EXAMPLES[block.heading]?.declare;
    return { block, file: join(ROOT, `test/docs/README.md-line-${block.line}.ts`), prelude: declare === undefined ? "" : `${declare}\n`, text: "" };
  }).map((m) => ({ ...m, text: m.prelude + m.block.code }));
  const diagnostics = typeCheck(modules);
  const where = (d: ts.Diagnostic): string => {
    const m = modules.find((x) => x.file === d.file?.fileName);
    if (m === undefined || d.start === undefined) return "";
    const line = d.file!.getLineAndCharacterOfPosition(d.start).line - m.prelude.split("\n").length + 1;
    return `README.md:${m.block.line + line} (${m.block.heading}): `;
  };
  const report = diagnostics.map((d) => where(d) + ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  assert.deepEqual(report, [], `README examples that do not type-check:\n${ts.formatDiagnostics(diagnostics, formatHost)}`);
});

for (const block of tsBlocks) {
  const run = EXAMPLES[block.heading]?.run;
  if (run === undefined) continue;
  test(`README: "${block.heading}" (README.md:${block.line}) runs against the debugging server`, async () => {
    const certs = run.server.starttls ? await getTestCerts() : undefined;
    const { starttls: _starttls, ...options } = run.server;
    const server = await startDebugServer({ ...options, ...(certs ? { tls: { key: certs.key, cert: certs.cert } } : {}) });
    const proxy = run.via === "socks5" ? await socks5Proxy(server.port) : undefined;
    const socket = run.via === "unix-socket" ? await unixForwarder(server.port) : undefined;
    try {
      const target: Target = { host: proxy ? "localhost" : "127.0.0.1", port: server.port, socketPath: socket?.path ?? "", proxyPort: proxy?.port ?? 0 };
      const { imports, body } = splitImports(block.code);
      let code = [imports, run.prelude ?? "", body, run.epilogue ?? ""].join("\n");
      for (const [pattern, value] of REWRITES) code = code.replace(pattern, value(target));
      assert.doesNotMatch(code, /"(?:[\w-]+\.)+example\.(?:org|com|net)"|"\/var\/run\//, "a host or socket the test does not replace: add it to REWRITES");
      const output = await runModule(code, { env: { SMTP_PASSWORD: PASSWORD }, files: run.files ?? {}, ...(certs ? { ca: certs.ca } : {}) });
      run.check({ ...output, server, proxied: proxy?.requests ?? [] });
    } finally {
      await socket?.close();
      await proxy?.close();
      await server.close();
    }
  });
}

/** README's command lines: every simple command of a ```sh block line or an inline code span. */
function commandLines(): { where: string; words: string[] }[] {
  const found: { where: string; words: string[] }[] = [];
  for (const block of codeBlocks(README).filter((b: CodeBlock) => b.lang === "sh")) {
    block.code.split("\n").forEach((line, i) => {
      for (const words of shellCommands(line)) found.push({ where: `README.md:${block.line + i}`, words });
    });
  }
  // only the spans that hold a command line: most are code, names or prose ("Python's")
  for (const span of codeSpans(README).filter((s) => /(?:^|[|;&]\s*)(?:npx|smtplib|npm)\s/.test(s.text))) {
    for (const words of shellCommands(span.text)) found.push({ where: `README.md:${span.line}`, words });
  }
  return found;
}

test("README: every smtplib command line parses with the CLI's argument parser", () => {
  const lines = commandLines().flatMap(({ where, words }) => {
    // `smtplib` alone is the package's name in the text, not a command line
    if (words[0] === "smtplib" && words.length > 1) return [{ where, argv: words.slice(1) }];
    if (words[0] === "npx" && words[1] === "smtplib" && words.length > 2) return [{ where, argv: words.slice(2) }];
    return [];
  });
  assert.ok(lines.length >= 3, `only ${lines.length} smtplib command line(s) found in README: is the parsing of README broken?`);
  const failures: string[] = [];
  for (const { where, argv } of lines) {
    try {
      parseCommandLine(argv, { writeOut: () => undefined, writeErr: () => undefined });
    } catch (e) {
      if (!(e instanceof CommanderError) || e.exitCode !== 0) failures.push(`${where}: smtplib ${argv.join(" ")}\n    ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  assert.deepEqual(failures, [], `README command lines the CLI refuses:\n${failures.join("\n")}`);
});

test("README: every npm script it names exists in package.json", () => {
  const scripts = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  const named = commandLines().flatMap(({ where, words }) => {
    if (words[0] !== "npm") return [];
    if (words[1] === "run") return [{ where, script: words[2] ?? "" }];
    if (words[1] === "start" || words[1] === "test") return [{ where, script: words[1] }];
    return [];
  });
  assert.ok(named.length > 0, "no npm command found in README");
  const missing = named.filter(({ script }) => !(script in scripts)).map(({ where, script }) => `${where}: npm run ${script}`);
  assert.deepEqual(missing, [], "README names scripts that package.json does not have");
});

test("README: every link to a file of the repository points to one that exists", () => {
  const links = [...README.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!)
    // links out of the repository (to the shared seed, next to the checkout) are not its to keep
    .filter((target) => !/^[a-z]+:/i.test(target) && !target.startsWith("../"));
  assert.ok(links.length > 0, "no file link found in README");
  assert.deepEqual(links.filter((target) => !existsSync(join(ROOT, target))), [], "README links to files that do not exist");
});
