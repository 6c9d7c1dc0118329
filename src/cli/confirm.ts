// Asking a person before a large write (issue 10 item 7): only a person at a terminal is asked;
// a scheduler (no TTY) and `--yes` never are. The decision is pure; the question is the edge.
import { createInterface } from "node:readline";

/** A migration that copies more cases than this asks first (on a terminal, without --yes). */
export const CONFIRM_ABOVE = 100;

export interface ConsentQuestion {
  /** Cases the migration would copy. */
  creates: number;
  yes: boolean;
  dryRun: boolean;
  /** stdin and stderr are both terminals: someone can answer. */
  interactive: boolean;
}

/** Whether to look at the migration's size before writing (a preview costs a scan of both sides). */
export function mayAsk(q: Omit<ConsentQuestion, "creates">): boolean {
  return q.interactive && !q.yes && !q.dryRun;
}

export function mustAsk(q: ConsentQuestion): boolean {
  return mayAsk(q) && q.creates > CONFIRM_ABOVE;
}

/** "y"/"yes" (any case) goes on; anything else, an empty line, Ctrl-D and Ctrl-C do not. */
export function isYes(answer: string | null): boolean {
  return answer !== null && /^\s*y(es)?\s*$/i.test(answer);
}

/** Asks one yes/no question on the terminal; resolves false on no, Enter, Ctrl-C or Ctrl-D. */
export function askYesNo(question: string, input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stderr): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input, output, terminal: true });
    let answered = false;
    const finish = (answer: string | null) => {
      if (answered) return;
      answered = true;
      rl.close();
      if (answer === null) output.write("\n");
      resolve(isYes(answer));
    };
    rl.on("SIGINT", () => finish(null));
    rl.on("close", () => finish(null));
    rl.question(`${question} [y/N] `, (answer) => finish(answer));
  });
}
