import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** What a command touches outside itself: files, standard input and output. Tests pass their own. */
export interface CliIo {
  /** A file's text; `-` is standard input. */
  read(file: string): string;
  out(text: string): void;
  err(text: string): void;
  /** Writes a file (creating its directory), with `mode` for secrets. */
  write(path: string, text: string, mode?: number): void;
}

/** The process's own files and streams. */
export const nodeIo: CliIo = {
  read: (file) => readFileSync(file === "-" ? 0 : file, "utf8"),
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  write: (path, text, mode = 0o644) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text, { mode });
    // The mode only applies to a new file: an existing one keeps its own unless set again.
    chmodSync(path, mode);
  },
};
