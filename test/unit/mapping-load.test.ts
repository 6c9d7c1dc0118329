// Loading a mapping file (SPEC §3 "Errors name the line and path"): every problem names the file,
// the line and the setting, so a non-engineer can find and fix it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CaseSyncError } from "../../src/core/errors.js";
import { defaultMapping } from "../../src/core/mapping.js";
import { loadMappingFile, parseMapping, validateMapping } from "../../src/mapping/load.js";

/** The CaseSyncError `run` throws (fails the test when it throws nothing or something else). */
function failure(run: () => unknown): CaseSyncError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CaseSyncError);
    return error as CaseSyncError;
  }
  throw new Error("expected an error");
}

/** The problem lines of a mapping error (after the headline). */
function problems(error: CaseSyncError): string[] {
  return error.message.split("\n").slice(1).map((l) => l.trim());
}

const yaml = (...lines: string[]) => `${lines.join("\n")}\n`;

describe("parseMapping: YAML syntax errors", () => {
  it("names the file and the line of a broken flow list", () => {
    const e = failure(() => parseMapping(yaml("version: 1", "timeZone: Europe/London", "access: [assignees", "creates: both"), "case-sync.yaml"));
    expect(e.code).toBe("CS_CONFIG");
    expect(e.message).toMatch(/^the mapping is not valid YAML:/);
    // The parser notices the unclosed list where it swallowed the next line; the path still names it.
    expect(problems(e)[0]).toMatch(/^case-sync\.yaml:4 access/);
  });

  it("names the setting a duplicated key belongs to, at the duplicate's line", () => {
    const e = failure(() => parseMapping(yaml("version: 1", "deletes:", "  policy: ignore", "  maxDeletes: 3", "  policy: close"), "m.yaml"));
    expect(problems(e)[0]).toMatch(/^m\.yaml:5 deletes\.policy: Map keys must be unique/);
  });

  it("names the line of a badly indented key", () => {
    const e = failure(() => parseMapping(yaml("version: 1", "fields:", "  title: both", "   participants: both"), "m.yaml"));
    expect(problems(e)[0]).toMatch(/^m\.yaml:3 fields\.title/);
  });

  it("refuses a document that is a bare scalar", () => {
    const e = failure(() => parseMapping("just words\n", "m.yaml"));
    expect(e.message).toMatch(/^m\.yaml: a mapping must be a YAML object/);
  });
});

describe("parseMapping: schema errors", () => {
  it("reports an unknown key at the key's own line, even when a block follows it", () => {
    const e = failure(() =>
      parseMapping(
        yaml(
          "version: 1", // 1
          "fields:", // 2
          "  title: both", // 3
          "  bogus:", // 4
          "    direction: both", // 5
          "timezone: Europe/London", // 6
        ),
        "case-sync.yaml",
      ),
    );
    expect(e.message).toMatch(/^the mapping has 2 problems:/);
    expect(problems(e)).toEqual([
      "case-sync.yaml:4 fields.bogus: is not a setting here (check the spelling and the indentation)",
      "case-sync.yaml:6 timezone: is not a setting here (check the spelling and the indentation)",
    ]);
    expect(e.field).toBe("fields.bogus");
  });

  it("reports a wrong type and a wrong enum value at their lines, with the path", () => {
    const e = failure(() =>
      parseMapping(
        yaml(
          "version: 1", // 1
          "customFields:", // 2
          "  - key: drink", // 3
          "    plannr: favourite_drink", // 4
          "    onlyoffice: eleven", // 5
          "    type: select", // 6
          "access: everyone", // 7
          "matchExisting: 'yes'", // 8
        ),
        "m.yaml",
      ),
    );
    const lines = problems(e);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^m\.yaml:5 customFields\[0\]\.onlyoffice: .*expected number/);
    // `access: <mode>` is shorthand for `access: {mode: <mode>}`: the path names the mode, the line the shorthand.
    expect(lines[1]).toMatch(/^m\.yaml:7 access\.mode: .*"assignees"\|"preserve"/);
    expect(lines[2]).toMatch(/^m\.yaml:8 matchExisting: .*expected boolean/);
    expect(e.field).toBe("customFields[0].onlyoffice");
  });

  it("points a missing key at the entry that lacks it", () => {
    const e = failure(() =>
      parseMapping(yaml("version: 1", "customFields:", "  - key: drink", "    plannr: favourite_drink", "  - key: size", "    plannr: size", "    onlyoffice: 12", "    type: text"), "m.yaml"),
    );
    expect(problems(e)).toEqual([expect.stringMatching(/^m\.yaml:3 customFields\[0\]\.onlyoffice: /), expect.stringMatching(/^m\.yaml:3 customFields\[0\]\.type: /)]);
  });

  it("reports the cross-field rules at the line of the offending setting", () => {
    const e = failure(() =>
      parseMapping(
        yaml(
          "fields:", // 1
          "  value:", // 2
          "    onlyofficeField: 7", // 3
          "  reviewAt:", // 4
          "    onlyofficeField: 7", // 5
          "conflicts:", // 6
          "  groups:", // 7
          "    title: manual", // 8
          "    titel: manual", // 9
        ),
        "m.yaml",
      ),
    );
    expect(problems(e)).toEqual([
      "m.yaml:5 fields.reviewAt.onlyofficeField: ONLYOFFICE field 7 is already used by fields.value",
      expect.stringMatching(/^m\.yaml:9 conflicts\.groups\.titel: "titel" is neither a field group/),
    ]);
  });

  it("finds keys that YAML reads as numbers", () => {
    const e = failure(() => parseMapping(yaml("version: 1", "statuses:", "  Open: Active", "  2024: 5"), "m.yaml"));
    expect(problems(e)[0]).toMatch(/^m\.yaml:4 statuses\.2024: .*expected string/);
  });

  it("names a bad top-level type at the document's first line", () => {
    const e = failure(() => parseMapping(yaml("- a", "- b"), "m.yaml"));
    expect(problems(e)[0]).toMatch(/^m\.yaml:1 \(top level\): /);
  });
});

describe("parseMapping: plannr.mirrorField is no longer supported (issue 8 item 9)", () => {
  it("refuses a value at its line, saying why and what to do", () => {
    const e = failure(() => parseMapping(yaml("version: 1", "plannr:", "  pageSize: 200", "  mirrorField: onlyoffice_case_id", "creates: both"), "case-sync.yaml"));
    expect(e.code).toBe("CS_CONFIG");
    expect(e.field).toBe("plannr.mirrorField");
    expect(problems(e)).toEqual([
      "case-sync.yaml:4 plannr.mirrorField: plannr.mirrorField is not supported in this version: the link lives in the ONLYOFFICE link field; remove the line",
    ]);
  });

  it("still loads a file that spells out the old default (null) or leaves it out", () => {
    expect(parseMapping(yaml("plannr:", "  mirrorField: null"), "m.yaml").plannr.pageSize).toBe(500);
    expect(parseMapping(yaml("plannr:", "  mirrorField:"), "m.yaml").plannr.pageSize).toBe(500);
    expect(parseMapping(yaml("plannr:", "  pageSize: 100"), "m.yaml").plannr).toEqual({ pageSize: 100 });
  });

  it("refuses it in a library object too, naming the path", () => {
    const e = failure(() => validateMapping({ plannr: { mirrorField: "oo" } }, "options.mapping"));
    expect(problems(e)).toEqual([expect.stringMatching(/^options\.mapping plannr\.mirrorField: plannr\.mirrorField is not supported in this version/)]);
  });
});

describe("parseMapping: valid files", () => {
  it("loads a small file and fills the defaults", () => {
    const m = parseMapping(yaml("version: 1", "onlyoffice:", "  linkField: 5", "conflicts:", "  default: plannr-wins"), "m.yaml");
    const expected = defaultMapping();
    expected.onlyoffice.linkField = 5;
    expected.conflicts.default = "plannr-wins";
    expect(m).toEqual(expected);
  });

  it("reads an empty or comment-only file as all defaults", () => {
    expect(parseMapping("", "m.yaml")).toEqual(defaultMapping());
    expect(parseMapping("# nothing yet\n", "m.yaml")).toEqual(defaultMapping());
  });
});

describe("validateMapping (library objects)", () => {
  it("returns the mapping with defaults", () => {
    expect(validateMapping({})).toEqual(defaultMapping());
  });

  it("names the path of each problem (no line: there is no file)", () => {
    const e = failure(() => validateMapping({ access: "everyone", fields: { bogus: 1 } }, "options.mapping"));
    expect(e.code).toBe("CS_CONFIG");
    const lines = problems(e);
    expect(lines).toContainEqual(expect.stringMatching(/^options\.mapping access\.mode: /));
    expect(lines).toContainEqual("options.mapping fields.bogus: is not a setting here (check the spelling and the indentation)");
  });
});

describe("loadMappingFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "case-sync-load-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("loads a file from disk", () => {
    const path = join(dir, "ok.yaml");
    writeFileSync(path, yaml("version: 1", "matchExisting: true"));
    expect(loadMappingFile(path).matchExisting).toBe(true);
  });

  it("names the file path and the line in a schema error", () => {
    const path = join(dir, "bad.yaml");
    writeFileSync(path, yaml("version: 1", "", "creates: sideways"));
    const e = failure(() => loadMappingFile(path));
    expect(problems(e)[0]).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3 creates: `));
  });

  it("explains a missing file with the init hint", () => {
    const path = join(dir, "missing.yaml");
    const e = failure(() => loadMappingFile(path));
    expect(e.code).toBe("CS_CONFIG");
    expect(e.message).toContain(path);
    expect(e.message).toContain("ENOENT");
    expect(e.message).toContain("run `case-sync init` to write one");
  });

  it("gives no init hint for a path that exists but cannot be read as a file", () => {
    const e = failure(() => loadMappingFile(dir));
    expect(e.message).toContain(dir);
    expect(e.message).not.toContain("case-sync init");
  });
});

describe("a YAML alias bomb (issue 9 item 8)", () => {
  // Nine aliases per level, ten levels: a billion strings if expanded, a few hundred bytes here.
  const bomb = (() => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    let previous = "a";
    for (const name of "bcdefghij") {
      lines.push(`${name}: &${name} [${Array.from({ length: 9 }, () => `*${previous}`).join(",")}]`);
      previous = name;
    }
    lines.push(`customFields: *${previous}`);
    return yaml(...lines);
  })();

  it("is a configuration error naming the file (exit 2), not a crash", () => {
    const e = failure(() => parseMapping(bomb, "bomb.yaml"));
    expect(e.code).toBe("CS_CONFIG");
    expect(e.message).toContain("bomb.yaml");
    expect(e.message).toMatch(/alias/i);
  });

  it("is refused from a file too, with its path", () => {
    const dir = mkdtempSync(join(tmpdir(), "case-sync-bomb-"));
    try {
      const path = join(dir, "case-sync.yaml");
      writeFileSync(path, bomb);
      const e = failure(() => loadMappingFile(path));
      expect(e.code).toBe("CS_CONFIG");
      expect(e.message).toContain(path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("still reads a mapping that uses a few aliases", () => {
    const mapping = parseMapping(yaml("conflicts:", "  default: &policy plannr-wins", "  groups: { title: *policy, status: *policy }"));
    expect(mapping.conflicts.groups).toEqual({ title: "plannr-wins", status: "plannr-wins" });
  });
});
