/**
 * One JSON line per event on stdout, with `severity` as Cloud Logging reads it (the convention
 * the functions framework follows). Callers pass facts, never a pod or a token.
 */
export type Severity = "DEBUG" | "INFO" | "WARNING" | "ERROR";

export type LogSink = (entry: { severity: Severity; message: string } & Record<string, unknown>) => void;

/** Writes the entry as one line of JSON on stdout. */
export const stdoutLog: LogSink = (entry) => {
  process.stdout.write(`${JSON.stringify(entry)}\n`);
};
