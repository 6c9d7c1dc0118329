#!/usr/bin/env node
// The `case-sync` executable.
import { runCli } from "./program.js";

// A reader that stops early (`case-sync plan --json | head`) is not an error of ours: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
    throw error;
  });
}

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
