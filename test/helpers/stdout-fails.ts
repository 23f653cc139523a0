// Preloaded into a CLI child (`node --import .../stdout-fails.js`): once the file named by
// SMTPLIB_TEST_STDOUT_FAILS exists, each write to stdout fails with ENOSPC, as on a disk that
// has filled up while the command ran (/dev/full fails from the first write: a server could
// not say where it listens). Checked at each write, so a test decides which write fails.
import { existsSync } from "node:fs";

type WriteCallback = (err?: Error | null) => void;
interface StreamInternals {
  _write(chunk: unknown, encoding: BufferEncoding, callback: WriteCallback): void;
  _writev?(chunks: { chunk: unknown; encoding: BufferEncoding }[], callback: WriteCallback): void;
}

const flag = process.env["SMTPLIB_TEST_STDOUT_FAILS"];
if (flag !== undefined && flag !== "") {
  const stream = process.stdout as unknown as StreamInternals;
  const noSpace = (): Error => Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write" });
  const write = stream._write.bind(stream);
  stream._write = (chunk, encoding, callback) => {
    if (existsSync(flag)) callback(noSpace());
    else write(chunk, encoding, callback);
  };
  const writev = stream._writev?.bind(stream);
  if (writev !== undefined) {
    stream._writev = (chunks, callback) => {
      if (existsSync(flag)) callback(noSpace());
      else writev(chunks, callback);
    };
  }
}
