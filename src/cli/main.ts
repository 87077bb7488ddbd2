import { ConfigError } from "../config/load.js";
import { runInject } from "./inject-command.js";
import { type CliIo, nodeIo } from "./io.js";
import { InputError } from "./objects.js";
import { runReview } from "./review-command.js";
import { MAIN_USAGE, USAGES, UsageError } from "./usage.js";
import { runWebhookConfig } from "./webhook-config-command.js";

const COMMANDS: Readonly<Record<string, (argv: string[], io: CliIo) => number>> = {
  review: runReview,
  inject: runInject,
  "webhook-config": runWebhookConfig,
};

/**
 * The command line, on the same code path as the HTTP function (`review`, `inject`) plus what
 * registers it (`webhook-config`). Returns the exit code; MAIN_USAGE documents them.
 */
export function main(argv: readonly string[], io: CliIo = nodeIo): number {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) throw new UsageError("no command");
    if (command === "--help" || command === "-h" || command === "help") {
      const topic = rest[0];
      if (topic !== undefined && !USAGES[topic])
        throw new UsageError(`unknown command ${JSON.stringify(topic)}`);
      io.out(`${topic ? USAGES[topic] : MAIN_USAGE}\n`);
      return 0;
    }
    const run = COMMANDS[command];
    if (!run) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    try {
      return run(rest, io);
    } catch (error) {
      // node:util parseArgs names the bad option; show it with this command's usage.
      if (isParseArgsError(error)) throw new UsageError((error as Error).message, USAGES[command]);
      throw error;
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${error.usage}\n`);
      return 1;
    }
    if (error instanceof ConfigError || error instanceof InputError) {
      io.err(`${error.message}\n`);
      return 1;
    }
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (code === "ENOENT" || code === "EISDIR" || code === "EACCES") {
      io.err(`${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}
