// A YAML mapping or list used as a key (`? {a: 1}`) in a config or scenario file: the yaml package
// stringifies the key and, left to itself, prints a Node process warning ("(node:PID) Warning: Keys
// with collection values will be stringified…") on stderr beside adtrace's error. Bad input is one
// line on stderr naming the file, exit 2: checked through the built CLI, since the warning is the
// process's own.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { adtrace, FIXTURE } from "./helpers/cli.js";

describe("a collection as a key in a YAML file", () => {
  const dir = mkdtempSync(join(tmpdir(), "adtrace-yaml-keys-"));
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it("in a config: one line on stderr naming the file and the key, exit 2", () => {
    const config = write("key.yaml", "flags:\n  ? {a: 1}\n  : 2\n");
    const r = adtrace(["cost", "breakdown", FIXTURE, "--config", config, "-q"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`adtrace: error: ${config}:2: unknown key 'flags.{ a: 1 }' (known here: min_cost_share, min_warehouse_share, top_query_share, bytes_ratio)\n`);
  });

  it("as a scenario's name: the scenario runs under the key's text, and stderr stays empty under -q", () => {
    const scenarios = write("scenarios.yaml", "scenarios:\n  ? [x]\n  : [{ tune: \"auction=0.1\" }]\n");
    const r = adtrace(["savings", FIXTURE, "--scenario", scenarios, "--format", "json", "-q"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect((JSON.parse(r.stdout) as { rows: { scenario: string }[] }).rows.map((row) => row.scenario)).toContain("[ x ]");
  });
});
