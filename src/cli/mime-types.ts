/**
 * The system's table of content types by file extension (`/etc/mime.types`, the file Python's
 * `mimetypes` and most mail programs read), for the `--attach` files whose extension the
 * built-in table does not know. Every line is checked, so a malformed or hostile file can put
 * nothing into a header but a well-formed `type/subtype`.
 * @module
 */
import { open } from "node:fs/promises";
import { readFileAtMost } from "./flag-file.js";

/** Where Debian (package media-types), and most Unix systems, keep the table. */
export const SYSTEM_MIME_TYPES = "/etc/mime.types";

/** The most of the file read (Debian's is 74 KB): past it, the rest is not read. */
const MAX_BYTES = 1024 * 1024;

/** A media type as RFC 6838 §4.2 restricts its names (no parameters, no space, no `;`). */
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;
/** An extension as written in the table (without its dot). */
const EXTENSION = /^[a-z0-9][a-z0-9_.+-]{0,63}$/i;

/**
 * The extensions of a `mime.types` text, lower-case, each with the type of the first line
 * that names it (`type/subtype ext ext ...`; `#` starts a comment). Lines whose type or
 * extensions are malformed are skipped whole.
 */
export function parseMimeTypes(text: string): Map<string, string> {
  const table = new Map<string, string>();
  for (const line of text.split("\n")) {
    const words = line.replace(/#.*/, "").trim().split(/[ \t]+/);
    const [type, ...extensions] = words;
    if (type === undefined || !MEDIA_TYPE.test(type) || extensions.length === 0 || !extensions.every((e) => EXTENSION.test(e))) continue;
    for (const extension of extensions) {
      const key = extension.toLowerCase();
      if (!table.has(key)) table.set(key, type.toLowerCase());
    }
  }
  return table;
}

/**
 * The table in `path` ({@link SYSTEM_MIME_TYPES}), or an empty one when it cannot be read
 * (none on this system, no permission): the built-in table and `application/octet-stream`
 * still serve. At most 1 MiB of it is read.
 */
export async function readMimeTypes(path = SYSTEM_MIME_TYPES): Promise<Map<string, string>> {
  try {
    const handle = await open(path, "r");
    try {
      return parseMimeTypes((await readFileAtMost(handle.fd, MAX_BYTES)).toString("latin1"));
    } finally {
      await handle.close();
    }
  } catch {
    return new Map();
  }
}
