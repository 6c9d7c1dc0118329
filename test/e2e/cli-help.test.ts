// Every command's --help teaches: what it does, its flags, and (for the main ones) examples.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { CLI } from "../support/cli.js";

function help(args: string[]): { code: number; out: string } {
  const result = spawnSync(process.execPath, [CLI, ...args, "--help"], { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });
  return { code: result.status ?? 1, out: result.stdout + result.stderr };
}

const COMMANDS: { args: string[]; mentions: string[] }[] = [
  { args: ["init"], mentions: ["--out", "--create-link-fields", "Example", "onlyoffice_case_id"] },
  { args: ["check"], mentions: ["Exit codes", "Example"] },
  { args: ["plan"], mentions: ["--json", "Example"] },
  { args: ["sync"], mentions: ["--dry-run", "--watch", "--interval", "--allow-mass-delete", "--allow-mass-create", "Example", "Not carried"] },
  { args: ["migrate"], mentions: ["--from", "--dry-run", "--limit", "--only-open", "--created-since", "Example", "resume", "Not carried"] },
  { args: ["status"], mentions: ["--json", "Example"] },
  { args: ["conflicts"], mentions: ["list", "resolve", "Example"] },
  { args: ["conflicts", "list"], mentions: ["--json", "Example"] },
  { args: ["conflicts", "resolve"], mentions: ["--take", "Example"] },
  { args: ["link"], mentions: ["plannr-uuid", "onlyoffice-id"] },
  { args: ["unlink"], mentions: ["plannr-uuid", "Example"] },
  { args: ["history"], mentions: ["--json", "Example"] },
  { args: ["serve"], mentions: ["--port", "--host", "--public-url", "--no-subscribe", "--scan-interval", "--reconcile-interval", "/livez", "/metrics", "Example", "--wait"] },
  { args: ["sandbox"], mentions: ["--seed", "--cases", "Example"] },
  { args: ["demo"], mentions: ["--seed", "--cases", "Example"] },
];

describe("--help", () => {
  it("the program's help lists every command, the environment, the exit codes and what is not carried", () => {
    const { code, out } = help([]);
    expect(code).toBe(0);
    for (const word of ["init", "check", "plan", "sync", "migrate", "status", "conflicts", "link", "unlink", "history", "sandbox", "demo"]) expect(out).toContain(word);
    for (const word of ["PLANNR_TOKEN", "ONLYOFFICE_TOKEN", "CASE_SYNC_STATE", "Exit codes", "Not carried", "company members", "task boards"]) expect(out).toContain(word);
  });

  it("prints its version", () => {
    const result = spawnSync(process.execPath, [CLI, "--version"], { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each(COMMANDS)("case-sync $args.0 $args.1 --help", ({ args, mentions }) => {
    const { code, out } = help(args);
    expect(code).toBe(0);
    for (const word of mentions) expect(out).toContain(word);
  });
});
