// The config's one schema (src/model/config-schema.ts, valibot; issue 15): the defaults fill in
// exactly the keys it declares, its messages keep the file's line, the digest does not depend on
// the order keys are written in, and `--help` does not load it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configError } from "./helpers/config-error.js";
import { CONFIG_SCHEMA, knownKeys, schemaAt } from "../src/model/config-schema.js";
import { configDigest, defaultConfig, parseConfig } from "../src/model/config.js";
import { BIN, FIXTURE, ROOT } from "./helpers/cli.js";

const error = configError;

describe("the config schema", () => {
  it("the defaults fill in every key the schema declares, and no other", () => {
    const sections = ["flags", "cache", "preaggregate"] as const;
    expect(Object.keys(defaultConfig()).sort()).toEqual([...knownKeys(CONFIG_SCHEMA), "source"].sort());
    for (const section of sections) expect(Object.keys(defaultConfig()[section]).sort(), section).toEqual(knownKeys(schemaAt(CONFIG_SCHEMA, [section])).sort());
  });

  it("an alias whose anchor is not set is invalid YAML at its line, not a wrong shape", () => {
    expect(error("events_per_day: 5M\nflags: *nowhere\n")).toBe("c.yaml:2: invalid YAML (Unresolved alias (the anchor must be set before the alias): nowhere)");
    // A resolved alias is its anchor's value.
    expect(parseConfig("cost_attributes: &costs [a.usd]\nbytes_attributes: *costs\n", "c.yaml").bytes_attributes).toEqual(["a.usd"]);
  });

  it("of several errors, the first in the file; a missing key after what is wrong inside its mapping", () => {
    expect(error("flags:\n  bytes_ratio: 0\ncache:\n  hit_latency: 1\n")).toBe("c.yaml:2: flags.bytes_ratio: expected a number ≥ 1");
    expect(error("cache:\n  hit_latency: 1\nflags:\n  bytes_ratio: 0\n")).toMatch(/^c\.yaml:2: unknown key 'cache\.hit_latency' \(did you mean 'hit_latency_ms'\?\)/);
    expect(error("stages:\n  - match:\n      name: 5\n      servic: x\n")).toMatch(/^c\.yaml:4: unknown key 'stages\[0\]\.match\.servic'/);
    expect(error("stages:\n  - match: { name: x }\n  - stage: a\n")).toBe("c.yaml:2: stages[0]: expected a 'stage' key");
  });

  it("the same model has the same digest whatever the order of its keys", () => {
    const a = parseConfig("flags:\n  min_cost_share: 0.3\n  bytes_ratio: 4\nprices:\n  warehouses: { trino: { hour_usd: 2 } }\n  compute: { vcpus: 2 }\n", "a.yaml");
    const b = parseConfig("prices:\n  compute: { vcpus: 2 }\n  warehouses: { trino: { hour_usd: 2 } }\nflags:\n  bytes_ratio: 4\n  min_cost_share: 0.3\n", "b.yaml");
    expect(configDigest(a)).toBe(configDigest(b));
    expect(configDigest(a)).not.toBe(configDigest(parseConfig("flags:\n  min_cost_share: 0.3\n  bytes_ratio: 5\n", "c.yaml")));
  });
});

describe("what loads the schema", () => {
  /** Module URLs the built CLI resolves for `args` (test/helpers/loaded-modules.mjs), and its exit code. */
  const loaded = (args: string[]) => {
    const file = join(mkdtempSync(join(tmpdir(), "adtrace-modules-")), "modules.txt");
    writeFileSync(file, "");
    const r = spawnSync(process.execPath, ["--import", join(ROOT, "test/helpers/loaded-modules.mjs"), BIN, ...args], {
      cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", ADTRACE_TEST_MODULES_FILE: file },
    });
    return { code: r.status, modules: readFileSync(file, "utf8").split("\n").filter(Boolean) };
  };

  it("--help does not; a command that reads a config does", () => {
    const help = loaded(["--help"]);
    expect(help.code).toBe(0);
    expect(help.modules.some((m) => m.endsWith("/dist/cli.js"))).toBe(true);
    expect(help.modules.filter((m) => m.includes("/valibot/"))).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), "adtrace-config-"));
    writeFileSync(join(dir, "bad.yaml"), "flags: { bogus: 1 }\n");
    const cost = loaded(["cost", "breakdown", `${FIXTURE}/otlp.jsonl`, "--config", join(dir, "bad.yaml")]);
    expect(cost.code).toBe(2);
    expect(cost.modules.filter((m) => m.includes("/valibot/")).length).toBeGreaterThan(0);
  });
});
