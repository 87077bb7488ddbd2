#!/usr/bin/env node
import { main } from "./cli/main.js";

// The bin entry: everything else lives in src/cli/, where tests call main() directly.
process.exitCode = main(process.argv.slice(2));
