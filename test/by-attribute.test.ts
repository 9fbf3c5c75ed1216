// `--by attr:KEY` in every command that accepts --by (issue 15): the session's model keeps the
// attribute keys the grouping reads (src/analysis/analysis.ts grouped()), so none of them ends in
// an internal error (exit 70) or puts every span under (none). The groups are checked against the
// locales read from the fixture file here, not from adtrace. The list of commands is checked
// against the program itself, so a new command with --by must be added here.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Command } from "commander";
import { buildProgram } from "../src/cli.js";
import { adtrace, FIXTURE } from "./helpers/cli.js";

const INPUT = `${FIXTURE}/otlp.jsonl`;
/** The user_locale values the fixture's spans carry, read from its JSON text. */
const LOCALES = [...new Set([...readFileSync(INPUT, "utf8").matchAll(/"key":"user_locale","value":\{"stringValue":"([^"]+)"\}/g)].map((m) => m[1]!))].sort();

/** Each command that accepts --by: its arguments, and the CSV column holding the groups. */
const COMMANDS: Record<string, { args: string[]; column: string }> = {
  "cost breakdown": { args: [INPUT], column: "user_locale" },
  "cost critical-path": { args: [INPUT], column: "user_locale" },
  "cost trend": { args: [INPUT, "--every", "1h"], column: "user_locale" },
  // Its last row is the total (status "total").
  diff: { args: [INPUT, INPUT], column: "user_locale" },
  // One row per rate: the group whose error is worst at that rate (none at 100%, where there is no error).
  "sampling advise": { args: [INPUT], column: "worst_group" },
};

function commandsWithBy(command: Command, prefix: string[] = []): string[] {
  return command.commands.flatMap((c) => {
    const path = [...prefix, c.name()];
    return [...(c.options.some((o) => o.long === "--by") ? [path.join(" ")] : []), ...commandsWithBy(c, path)];
  });
}

function column(csv: string, name: string): string[] {
  const [header, ...rows] = csv.trim().split("\n");
  const at = header!.split(",").indexOf(name);
  expect(at, `${name} in ${header}`).toBeGreaterThanOrEqual(0);
  // The group values are locales (no commas, no quotes), ahead of any quoted column.
  return rows.map((row) => row.split(",")[at]!);
}

describe("--by attr:KEY", () => {
  it("the fixture has the attribute (four locales)", () => {
    expect(LOCALES).toEqual(["de-DE", "en-US", "fr-FR", "ja-JP"]);
  });

  it("is tested for every command that accepts --by", async () => {
    expect(commandsWithBy(await buildProgram([], { full: true })).sort()).toEqual(Object.keys(COMMANDS).sort());
  });

  it.each(Object.keys(COMMANDS))("adtrace %s --by attr:user_locale groups by the attribute's values", (name) => {
    const { args, column: groups } = COMMANDS[name]!;
    const r = adtrace([...name.split(" "), ...args, "--by", "attr:user_locale", "--format", "csv"]);
    expect(r.stderr).not.toMatch(/internal error|without attribute/);
    expect(r.code).toBe(0);
    const values = column(r.stdout, groups).filter((v) => v !== "" && !(name === "diff" && v === "total"));
    expect(values.length).toBeGreaterThan(0);
    if (name === "sampling advise") expect(values.every((v) => LOCALES.includes(v))).toBe(true);
    else expect([...new Set(values)].sort()).toEqual(LOCALES);
  });
});
