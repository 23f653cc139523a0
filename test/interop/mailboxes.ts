// Where each server puts what it accepted, and how a scenario finds its message there:
// every scenario message carries a unique `X-Interop-Token` header.
import { open, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export interface Delivered {
  /** The stored message: exactly the bytes received (`exact`), or as a Maildir keeps them. */
  raw: Buffer;
  /** Envelope recipients this copy was delivered to, where the server records them. */
  rcpts: string[];
  /** The envelope sender, where known (aiosmtpd, smtp-server; the Return-Path a Maildir copy carries). */
  from?: string;
  /** True when `raw` is byte for byte what the client sent (after dot-unstuffing). */
  exact: boolean;
  where: string;
}

export interface Mailbox {
  /** Every stored copy of the message with that token (scans what is there now). */
  scan(token: string): Promise<Delivered[]>;
}

const HEAD_BYTES = 64 * 1024;

async function head(path: string): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function listFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).map((name) => join(dir, name));
  } catch {
    return [];
  }
}

function tokenLine(token: string): string {
  return `X-Interop-Token: ${token}`;
}

/** The header section of a stored message (up to the first empty line), as text. */
export function headerSection(raw: Buffer): string {
  const text = raw.subarray(0, Math.min(raw.length, HEAD_BYTES)).toString("utf8");
  const m = /\r?\n\r?\n/.exec(text);
  return m === null ? text : text.slice(0, m.index);
}

function headerValues(raw: Buffer, name: string): string[] {
  const unfolded = headerSection(raw).replace(/\r?\n[ \t]+/g, " ");
  const re = new RegExp(`^${name}:[ \\t]*(.*)$`, "gim");
  return [...unfolded.matchAll(re)].map((m) => (m[1] ?? "").trim());
}

/** A Maildir's new/ and cur/; `rcptsOf` reads the recipients from the headers the MTA added. */
export class MaildirBox implements Mailbox {
  constructor(
    readonly dirs: () => Promise<string[]>,
    readonly rcptsOf: (raw: Buffer, dir: string) => string[],
  ) {}

  async scan(token: string): Promise<Delivered[]> {
    const found: Delivered[] = [];
    for (const dir of await this.dirs()) {
      const files = [...(await listFiles(join(dir, "new"))), ...(await listFiles(join(dir, "cur")))];
      for (const file of files) {
        const first = await head(file).catch(() => Buffer.alloc(0));
        if (!first.includes(tokenLine(token))) continue;
        const raw = await readFile(file);
        // The envelope sender, as the delivering agent wrote it in Return-Path (all three do).
        const returnPath = /^<(.*)>$/.exec(headerValues(raw, "Return-Path")[0] ?? "")?.[1];
        found.push({ raw, rcpts: this.rcptsOf(raw, dir), ...(returnPath !== undefined ? { from: returnPath } : {}), exact: false, where: file });
      }
    }
    return found;
  }
}

/** Postfix virtual(8): one Maildir; each copy names its recipient in Delivered-To. */
export function postfixBox(maildir: string): Mailbox {
  return new MaildirBox(async () => [maildir], (raw) => headerValues(raw, "Delivered-To"));
}

/** Exim appendfile: one Maildir; envelope_to_add writes Envelope-to. */
export function eximBox(maildir: string): Mailbox {
  return new MaildirBox(async () => [maildir], (raw) =>
    headerValues(raw, "Envelope-to").flatMap((v) => v.split(",").map((s) => s.trim())));
}

/** Dovecot: one Maildir per user, named by the full address. */
export function dovecotBox(mailRoot: string): Mailbox {
  return new MaildirBox(
    async () => (await listFiles(mailRoot)),
    (_raw, dir) => [dir.slice(dir.lastIndexOf("/") + 1)],
  );
}

/** aiosmtpd (test/interop/aiosmtpd/server.py): N.eml holds the exact bytes, N.json the envelope. */
export function aiosmtpdBox(dir: string): Mailbox {
  return {
    async scan(token: string): Promise<Delivered[]> {
      const found: Delivered[] = [];
      for (const file of await listFiles(dir)) {
        if (!file.endsWith(".eml")) continue;
        const first = await head(file).catch(() => Buffer.alloc(0));
        if (!first.includes(tokenLine(token))) continue;
        const raw = await readFile(file);
        const meta = JSON.parse(await readFile(file.replace(/\.eml$/, ".json"), "utf8")) as {
          mail_from: string;
          rcpt_tos: string[];
        };
        found.push({ raw, rcpts: meta.rcpt_tos, from: meta.mail_from, exact: true, where: file });
      }
      return found;
    },
  };
}

/** Polls `scan` until `done(found)` holds or `ms` pass; resolves to the last scan. */
export async function waitFor(
  box: Mailbox,
  token: string,
  done: (found: Delivered[]) => boolean,
  ms: number,
): Promise<Delivered[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await box.scan(token);
    if (done(found) || Date.now() >= deadline) return found;
    await sleep(100);
  }
}
