// The pure parts of the CLI's output options (issue 10 items 6, 7 and 9): log levels from
// --quiet/--verbose over LOG_LEVEL, the flags' contradiction, the interval said with its unit,
// the progress ETA before there is a rate, the migration's question, and the logger's formats.
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { isYes, mayAsk, mustAsk } from "../../src/cli/confirm.js";
import { logLevelFor } from "../../src/cli/context.js";
import { intervalText } from "../../src/cli/commands/run-commands.js";
import { outputFlags } from "../../src/cli/program.js";
import { createProgressDisplay, estimate, formatSeconds, UNKNOWN } from "../../src/cli/progress.js";
import { colorAllowed, createLogger } from "../../src/transport/logger.js";

function memory(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join("") };
}

describe("--quiet and --verbose", () => {
  it("--quiet lowers the level to errors, --verbose raises it to debug; neither undoes a stricter or fuller LOG_LEVEL", () => {
    expect(logLevelFor("info", {})).toBe("info");
    expect(logLevelFor("info", { quiet: true })).toBe("error");
    expect(logLevelFor("silent", { quiet: true })).toBe("silent");
    expect(logLevelFor("warn", { verbose: true })).toBe("debug");
    expect(logLevelFor("trace", { verbose: true })).toBe("trace");
  });

  it("both at once is a usage error", () => {
    expect(() => outputFlags({ quiet: true, verbose: true })).toThrow(/contradict/);
    expect(outputFlags({ pretty: true })).toEqual({ pretty: true, quiet: false, verbose: false });
  });
});

describe("--interval", () => {
  it("is said with its unit", () => {
    expect(intervalText("5m")).toBe("5m");
    expect(intervalText("5")).toBe("5s");
    expect(intervalText(" 90 ")).toBe("90s");
  });
});

describe("progress", () => {
  it("has no rate and no ETA until some items are done over a second", () => {
    expect(estimate(0, 100, 0)).toEqual({ rate: UNKNOWN, eta: UNKNOWN });
    expect(estimate(1, 100, 3)).toEqual({ rate: UNKNOWN, eta: UNKNOWN });
    expect(estimate(10, 100, 2_000)).toEqual({ rate: "5.0", eta: "18s" });
    expect(formatSeconds(200)).toBe("3m 20s");
    expect(formatSeconds(3_900)).toBe("1h 5m");
  });

  it("the first line of a write phase never says ETA 0s", () => {
    const { stream, text } = memory();
    const display = createProgressDisplay(stream, true, { bar: false, intervalMs: 0 });
    display.progress({ phase: "apply", done: 1, total: 500 });
    expect(text()).toBe(`writing: 1/500 · ${UNKNOWN}/s · ETA ${UNKNOWN}\n`);
    expect(text()).not.toContain("ETA 0s");
  });
});

describe("the migration's question", () => {
  it("is asked only at a terminal, without --yes, for a real run of more than 100 cases", () => {
    const base = { yes: false, dryRun: false, interactive: true };
    expect(mustAsk({ ...base, creates: 101 })).toBe(true);
    expect(mustAsk({ ...base, creates: 100 })).toBe(false);
    expect(mustAsk({ ...base, creates: 500, yes: true })).toBe(false);
    expect(mustAsk({ ...base, creates: 500, dryRun: true })).toBe(false);
    expect(mustAsk({ ...base, creates: 500, interactive: false })).toBe(false);
    expect(mayAsk({ ...base, interactive: false })).toBe(false);
  });

  it("only y or yes goes on", () => {
    for (const answer of ["y", "Y", "yes", " YES "]) expect(isYes(answer)).toBe(true);
    for (const answer of ["", "n", "no", "yep", null]) expect(isYes(answer)).toBe(false);
  });
});

describe("the logger's human formats", () => {
  it("plain: one dated line per entry, an error's stack included, no colour", () => {
    const { stream, text } = memory();
    const logger = createLogger({ level: "info", format: "plain", destination: stream });
    logger.info({ side: "plannr" }, "scanned plannr");
    logger.error({ err: new Error("boom\nsecond line") }, "failed");
    const lines = text().trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d{4}\] INFO: scanned plannr \{"side":"plannr"\}$/);
    expect(lines[1]).toMatch(/\] ERROR: failed .*boom/);
    expect(text()).not.toContain("\u001b");
  });

  it("pretty: colour, unless NO_COLOR", () => {
    const coloured = memory();
    createLogger({ level: "info", format: "pretty", color: true, destination: coloured.stream }).info("hello");
    expect(coloured.text()).toContain("\u001b[");
    const plain = memory();
    createLogger({ level: "info", format: "pretty", color: false, destination: plain.stream }).info("hello");
    expect(plain.text()).toContain("hello");
    expect(plain.text()).not.toContain("\u001b");
    expect(colorAllowed({ NO_COLOR: "1" })).toBe(false);
    expect(colorAllowed({ NO_COLOR: "" })).toBe(true);
    expect(colorAllowed({})).toBe(true);
  });

  it("writes in order with the caller's own lines (no worker, no buffer of its own)", () => {
    const { stream, text } = memory();
    const logger = createLogger({ level: "info", format: "plain", destination: stream });
    logger.info("run finished");
    stream.write("  exit code 0\n");
    expect(text().trimEnd().split("\n").at(-1)).toBe("  exit code 0");
  });
});
