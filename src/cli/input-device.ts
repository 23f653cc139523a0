/**
 * Which devices `smtplib send` refuses as the message (`--file` or stdin): those with no end.
 * @module
 */
import { closeSync, constants, openSync, statSync, type Stats } from "node:fs";
import { isatty } from "node:tty";

/** What a device refused as the message is, and what to give instead. */
export const ENDLESS_DEVICE = "a device, not a regular file or a pipe: read as the message, one such as /dev/zero would never end (give a file, a pipe or stdin)";

/**
 * True for a character or block device that is neither a terminal (`isTerminal`, asked only
 * for a character device) nor /dev/null (an empty message, which send warns about).
 */
export function isEndlessDevice(info: Stats, isTerminal: () => boolean): boolean {
  if (info.isBlockDevice()) return true;
  if (!info.isCharacterDevice()) return false;
  return info.rdev !== devNullRdev() && !isTerminal();
}

/** The device number of /dev/null; undefined where there is none. */
function devNullRdev(): number | undefined {
  try {
    return statSync("/dev/null").rdev;
  } catch {
    return undefined;
  }
}

/** True when the character device `path` is a terminal (opened non-blocking, to ask, and closed). */
export function isTerminalPath(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    return isatty(fd);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
