/**
 * Finding a `Bcc` or `Resent-Bcc` field in the first bytes of a message as they arrive,
 * without holding them: the CLI's `send` passes the message's bytes as they are, so such a
 * field goes to every recipient. Pure: no I/O.
 * @module
 */

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HT = 0x09;
const VT = 0x0b;
const FF = 0x0c;
/** The UTF-8 no-break space's two bytes (a template copied from a web page indents with it). */
const NBSP = [0xc2, 0xa0] as const;
const COLON = 0x3a;
/** The UTF-8 byte order mark an editor may save first: no header byte. */
const BOM = [0xef, 0xbb, 0xbf] as const;
/** The field names looked for, in lower case. */
const NAMES: readonly string[] = ["bcc", "resent-bcc"];

/** True for the name of a field that names blind recipients: `Bcc` or `Resent-Bcc`, in any case. */
export function isBlindFieldName(name: string): boolean {
  return NAMES.includes(name.toLowerCase());
}

/** How much of a message {@link BlindFieldScan} looks at by default: 64 KiB. */
export const BLIND_FIELD_LOOK_LIMIT = 64 * 1024;

/** Where the scan of the current line is. */
type LineState = "lead" | "nbsp" | "name" | "gap" | "skip";

/**
 * Scans the header section of a message (the bytes before its first empty line), fed in
 * pieces as they arrive, for a line that starts a `Bcc` or `Resent-Bcc` field (any case,
 * blanks allowed before the colon, RFC 5322 §4.5.3's obsolete syntax), also after leading
 * blanks (spaces, tabs, VT, FF, UTF-8 no-break spaces: an indented line, text of the field
 * above, sent all the same). A line ends at LF
 * (a CR before it belongs to the line end); a leading UTF-8 byte order mark is skipped. It
 * looks at `limit` bytes at most, so a header section that never ends (or a message with no
 * empty line) is never waited for past that bound. Every state it keeps is a few numbers and
 * at most ten characters of a field name, whatever it is fed.
 */
export class BlindFieldScan {
  readonly #limit: number;
  #scanned = 0;
  /** The bytes of a byte order mark matched at the start (3: done with it). */
  #bom = 0;
  /** Bytes of the current line so far (its LF not counted). */
  #lineBytes = 0;
  /** True when the current line's first byte is a CR. */
  #firstCr = false;
  #state: LineState = "lead";
  /** The current line's field name so far, as written (only while it may still be one looked for). */
  #name = "";
  #found: string | undefined;
  #done = false;

  /** @param limit most bytes looked at (default {@link BLIND_FIELD_LOOK_LIMIT}). */
  constructor(limit = BLIND_FIELD_LOOK_LIMIT) {
    this.#limit = limit;
  }

  /** True once the scan is over: a field found, the header section ended, the bound reached, or {@link end} called. */
  get done(): boolean {
    return this.#done;
  }

  /** The name of the field found, as written (`BCC`, `Resent-Bcc`); undefined when none was (yet). */
  get found(): string | undefined {
    return this.#found;
  }

  /**
   * Scans the next bytes of the message (nothing once {@link done}).
   * @returns whether the scan is over ({@link done}).
   */
  push(bytes: Uint8Array): boolean {
    if (this.#done) return true;
    const n = Math.min(bytes.length, this.#limit - this.#scanned);
    for (let i = 0; i < n; i++) {
      if (this.#byte(bytes[i]!)) {
        this.#done = true;
        return true;
      }
    }
    this.#scanned += n;
    if (this.#scanned >= this.#limit) this.#done = true;
    return this.#done;
  }

  /** The message has ended: the scan is over (a last line without a line end was scanned as it came). */
  end(): void {
    this.#done = true;
  }

  /** Scans one byte; true when that decides the scan (a field found, or the empty line). */
  #byte(b: number): boolean {
    if (this.#bom < BOM.length) {
      if (b === BOM[this.#bom]) {
        this.#bom += 1;
        return false;
      }
      // a part of a mark only: those bytes start the line, which no field name then does
      if (this.#bom > 0) {
        this.#lineBytes = this.#bom;
        this.#state = "skip";
      }
      this.#bom = BOM.length;
    }
    if (b === LF) {
      if (this.#lineBytes === 0 || (this.#lineBytes === 1 && this.#firstCr)) return true;
      this.#lineBytes = 0;
      this.#firstCr = false;
      this.#state = "lead";
      this.#name = "";
      return false;
    }
    if (this.#lineBytes === 0) this.#firstCr = b === CR;
    this.#lineBytes += 1;
    switch (this.#state) {
      case "skip":
        return false;
      case "lead":
        // blanks as sendMessage's checks take them (message.ts afterBlanks): space, tab, VT, FF, no-break space
        if (b === SP || b === HT || b === VT || b === FF) return false;
        if (b === NBSP[0]) {
          this.#state = "nbsp";
          return false;
        }
        this.#state = "name";
        return this.#nameByte(b);
      case "nbsp":
        this.#state = b === NBSP[1] ? "lead" : "skip";
        return false;
      case "name":
        return this.#nameByte(b);
      case "gap":
        if (b === COLON) return this.#match();
        if (b !== SP && b !== HT) this.#state = "skip";
        return false;
    }
  }

  /** A byte of the field name (or the blank or colon after it). */
  #nameByte(b: number): boolean {
    if (b === COLON) return this.#match();
    if (b === SP || b === HT) {
      this.#state = NAMES.includes(this.#name.toLowerCase()) ? "gap" : "skip";
      return false;
    }
    this.#name += String.fromCharCode(b);
    const lower = this.#name.toLowerCase();
    if (!NAMES.some((name) => name.startsWith(lower))) this.#state = "skip";
    return false;
  }

  /** The colon after the name: found when the name is one looked for. */
  #match(): boolean {
    if (!NAMES.includes(this.#name.toLowerCase())) {
      this.#state = "skip";
      return false;
    }
    this.#found = this.#name;
    return true;
  }
}
