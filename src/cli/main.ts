#!/usr/bin/env node
// The `case-sync` executable.
import { runCli } from "./program.js";

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
