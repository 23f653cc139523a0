/**
 * `serve --auth-file`: the users the debugging server accepts, read from a file. A password
 * given as `--auth user:pass` is in the process list (`ps`, /proc/PID/cmdline), which every
 * local user can read; a file can be readable by its owner only.
 * @module
 */
import { splitUserPass } from "./flag-values.js";
import { readFlagFile } from "./flag-file.js";

/**
 * The users of an --auth-file's text: one `user:password` a line (the password may contain
 * colons; CRLF line ends and a UTF-8 byte order mark are accepted). Blank lines and lines
 * whose first non-blank character is `#` are skipped; a user named twice keeps the last password.
 * Whitespace around the user name is dropped (as it is when spotting a blank or comment
 * line); the password is kept exactly as written: it may begin or end with spaces.
 * @throws TypeError (a usage error) naming the file and the number of a line that is not
 *   `user:password` (or whose user name is only blanks), never the line itself (it may hold
 *   a password), or saying the file names no user.
 */
export function parseAuthFile(text: string, path: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const [i, line] of text.replace(/^\uFEFF/, "").split(/\r?\n/).entries()) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const pair = splitUserPass(line);
    const user = pair?.[0].trim();
    if (pair === undefined || !user) throw new TypeError(`--auth-file ${path} line ${i + 1}: not user:password (the line is not shown: it may hold a password)`);
    users.set(user, pair[1]);
  }
  if (users.size === 0) throw new TypeError(`--auth-file ${path}: no user:password line in it`);
  return users;
}

/**
 * The users of the --auth-file `path`; `pipesRead` as in `FlagFileReading` (flag-file.ts).
 * @throws TypeError (a usage error) when it cannot be read or {@link parseAuthFile} refuses it.
 */
export async function readAuthFile(path: string, pipesRead?: Map<string, string>): Promise<Map<string, string>> {
  return parseAuthFile((await readFlagFile("--auth-file", path, TypeError, pipesRead && { pipesRead })).toString("utf8"), path);
}
