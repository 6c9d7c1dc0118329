// Finds the commands a piece of CLI output (or help text) tells a person to run, the way a person
// would copy them: `case-sync`, the (sub)command, then flags (with their values) and as many
// arguments as the command declares; prose after that is not part of the command. "rerun with
// --flag" means the command that printed it, with that flag. Used to run every hint as printed
// (issue 10 item 8) and to check help examples against what each command accepts.
import type { Command } from "commander";
import { buildProgram } from "../../src/cli/program.js";

export interface HintedCommand {
  /** The words after `case-sync`, as printed. */
  argv: string[];
  /** The line it was found in. */
  line: string;
}

/** Where a printed command ends: punctuation or a conjunction starts the prose again (a quoted value is one word). */
const END = /[;,)(`]|\s(?:or|then|and|if|to|for|—)\s|:\s|:$|\.\s|\.$/;

/** The text with its quoted values masked, so that END never cuts inside one. */
function masked(text: string): string {
  return text.replace(/"[^"]*"|'[^']*'/g, (q) => "q".repeat(q.length));
}

export function program(): Command {
  return buildProgram(() => undefined);
}

function find(parent: Command, name: string): Command | undefined {
  return parent.commands.find((c) => c.name() === name || c.aliases().includes(name));
}

function optionOf(command: Command, root: Command, flag: string) {
  for (let c: Command | null = command; c !== null; c = c.parent ?? null) {
    const option = c.options.find((o) => o.long === flag || o.short === flag);
    if (option) return option;
  }
  return root.options.find((o) => o.long === flag || o.short === flag);
}

/** The command words of `text` (after `case-sync`), cut where the command ends. */
function commandWords(text: string, root: Command): string[] {
  const end = END.exec(masked(text));
  const words = ((end === null ? text : text.slice(0, end.index)).match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^"(.*)"$|^'(.*)'$/, "$1$2"));
  const out: string[] = [];
  let command = root;
  let i = 0;
  // Global options may come first (`case-sync --config x sync`).
  while (i < words.length && (words[i] ?? "").startsWith("-")) {
    const option = optionOf(root, root, words[i] ?? "");
    out.push(words[i] ?? "");
    i += 1;
    if (option?.required && i < words.length) out.push(words[i++] ?? "");
  }
  for (;;) {
    const sub = i < words.length ? find(command, words[i] ?? "") : undefined;
    if (sub === undefined) break;
    out.push(words[i++] ?? "");
    command = sub;
  }
  if (command === root) return [];
  let positional = 0;
  while (i < words.length) {
    const word = words[i] ?? "";
    if (word.startsWith("-")) {
      const option = optionOf(command, root, word.split("=")[0] ?? word);
      out.push(word);
      i += 1;
      if (option?.required && !word.includes("=") && i < words.length) out.push(words[i++] ?? "");
      continue;
    }
    if (positional >= command.registeredArguments.length) break;
    out.push(word);
    positional += 1;
    i += 1;
  }
  return out;
}

/** Every `case-sync …` command in `text`, and every "rerun with --flag" as `printedBy` plus the flag. */
export function hintedCommands(text: string, printedBy: string[] = []): HintedCommand[] {
  const root = program();
  const found: HintedCommand[] = [];
  for (const line of text.split("\n")) {
    // A report's own title ("case-sync plan (dry run: nothing written): 0.3s") is no hint.
    if (/^case-sync [a-z]+( \(dry run: nothing written\))?: [\d.]+s$/.test(line.trim())) continue;
    // Commander's usage line shows the syntax, not a command to run.
    if (/^Usage: /.test(line.trim())) continue;
    for (const match of line.matchAll(/(?:^|[^\w-])case-sync\s+(?=[-a-z])/g)) {
      const argv = commandWords(line.slice((match.index ?? 0) + match[0].length), root);
      if (argv.length > 0) found.push({ argv, line: line.trim() });
    }
    for (const match of line.matchAll(/\b(?:rerun|run it again|run again) with ((?:--[a-z-]+(?: or | and |, | \/ )?)+)/g)) {
      for (const flag of (match[1] ?? "").match(/--[a-z-]+/g) ?? []) {
        if (printedBy.length > 0) found.push({ argv: [...printedBy, flag], line: line.trim() });
      }
    }
  }
  return found;
}

export interface ParseProblem {
  argv: string[];
  problem: string;
}

/**
 * Whether commander would accept `argv` as written (options known to that command, required
 * options and arguments present, no extra arguments), without running anything.
 */
export function parseProblem(argv: readonly string[]): string | null {
  const root = program();
  let command = root;
  const words = [...argv];
  let i = 0;
  while (i < words.length && (words[i] ?? "").startsWith("-")) {
    const option = optionOf(root, root, words[i] ?? "");
    if (!option) return `unknown option ${words[i]}`;
    i += option.required ? 2 : 1;
  }
  for (;;) {
    const sub = i < words.length ? find(command, words[i] ?? "") : undefined;
    if (sub === undefined) break;
    command = sub;
    i += 1;
  }
  if (command === root) return "no command";
  const given = new Set<string>();
  let positional = 0;
  while (i < words.length) {
    const word = words[i] ?? "";
    if (word.startsWith("-")) {
      const flag = word.split("=")[0] ?? word;
      const option = optionOf(command, root, flag);
      if (!option) return `unknown option ${flag} for ${command.name()}`;
      given.add(option.long ?? flag);
      i += option.required && !word.includes("=") ? 2 : 1;
      continue;
    }
    positional += 1;
    i += 1;
  }
  const declared = command.registeredArguments;
  if (positional > declared.length && !declared.some((a) => a.variadic)) return `too many arguments for ${command.name()}`;
  if (positional < declared.filter((a) => a.required).length) return `missing argument for ${command.name()}`;
  for (const option of command.options) if (option.mandatory && option.long && !given.has(option.long)) return `missing required option ${option.long} for ${command.name()}`;
  return null;
}

/** Every command's help text (including the examples added after it), by command path. */
export function helpTexts(): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (command: Command, path: string[]) => {
    for (const sub of command.commands) {
      let text = "";
      sub.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
      sub.outputHelp();
      out.set([...path, sub.name()].join(" "), text);
      visit(sub, [...path, sub.name()]);
    }
  };
  const root = program();
  let text = "";
  root.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  root.outputHelp();
  out.set("", text);
  visit(root, []);
  return out;
}
