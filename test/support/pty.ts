// Runs the built CLI with stdin and stderr on a pseudo-terminal, the way a person at a terminal
// does, using util-linux `script` (present on Debian and Ubuntu; tests skip without it). stdout
// goes to a file, so what the terminal shows (stderr, prompts, echo) is judged apart from the data.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CLI, type CliWorld } from "./cli.js";

export interface TerminalResult {
  code: number;
  /** What the terminal showed: stderr, the prompts and the echo of what was typed. */
  terminal: string;
  stdout: string;
}

export const terminalAvailable: boolean = (() => {
  try {
    return spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;
  } catch {
    return false;
  }
})();

const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
let runs = 0;

/**
 * `case-sync <args>` on a terminal. `answer`: once the terminal shows `when`, type `send`
 * (e.g. "n\r", or "\u0003" for Ctrl-C).
 */
export function runOnTerminal(w: CliWorld, args: string[], options: { env?: Record<string, string>; answer?: { when: string; send: string }; timeoutMs?: number } = {}): Promise<TerminalResult> {
  runs += 1;
  const stdoutFile = join(w.dir, `terminal-stdout-${process.pid}-${runs}.txt`);
  const command = `${[process.execPath, CLI, ...args].map(quote).join(" ")} > ${quote(stdoutFile)}`;
  const child = spawn("script", ["-q", "-e", "-c", command, "/dev/null"], { cwd: w.dir, env: { ...w.env, ...options.env }, stdio: ["pipe", "pipe", "pipe"] });
  let terminal = "";
  let answered = false;
  child.stdout.on("data", (chunk: Buffer) => {
    terminal += chunk.toString("utf8");
    if (options.answer && !answered && terminal.includes(options.answer.when)) {
      answered = true;
      child.stdin.write(options.answer.send);
    }
  });
  child.stderr.on("data", (chunk: Buffer) => (terminal += chunk.toString("utf8")));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  return new Promise((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      let stdout = "";
      try {
        stdout = readFileSync(stdoutFile, "utf8");
      } catch {
        // nothing was written to stdout
      }
      resolve({ code: code ?? (signal ? 128 : 1), terminal, stdout });
    });
  });
}
