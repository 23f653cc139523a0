/**
 * Reading a file named on the command line, with an error that names the flag and the file.
 * @module
 */
import { readFile } from "node:fs/promises";
import { errorCode } from "../errors.js";

/**
 * The bytes of the file `path` given with `flag`.
 * @throws `Kind` (the caller's choice: a TypeError is a usage error) saying
 *   "`flag` `path`: cannot read it (ENOENT)", with the read error as `cause`.
 */
export async function readFlagFile(flag: string, path: string, Kind: new (message: string, options: ErrorOptions) => Error = Error): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new Kind(`${flag} ${path}: cannot read it (${errorCode(err) || String(err)})`, { cause: err });
  }
}
