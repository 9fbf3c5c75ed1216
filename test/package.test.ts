// The package as a user gets it (issue 21 part 4, packaging): `npm pack` of this repository,
// installed into an empty directory from the tarball (dependencies from npm's local cache, the
// registry only for what the cache lacks), then the README's first commands, the package block of
// "Install, try, test" and every example of the top-level help run with the installed `adtrace`,
// in that empty directory. The tarball holds the program, its queries, README and LICENSE, and
// no tests, sources or fixtures.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { beforeAll, describe, expect, it } from "vitest";
import { FIXTURE, ROOT } from "./helpers/cli.js";
import { PER_EVENT } from "./helpers/hand.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-pack-"));
const app = join(dir, "app");
let tarball = "";

/** Run a shell line in the install directory with the installed adtrace first on PATH. */
function sh(line: string) {
  const r = spawnSync("bash", ["-c", line], {
    cwd: app, encoding: "utf8", timeout: 300_000,
    env: { ...process.env, PATH: `${join(app, "node_modules", ".bin")}:${process.env.PATH}`, NO_COLOR: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  // dist/ is built by the suite's global setup: no prepare script on pack.
  const packed = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: ROOT, encoding: "utf8" });
  tarball = join(dir, (JSON.parse(packed) as { filename: string }[])[0]!.filename);
  mkdirSync(app);
  execFileSync("npm", ["init", "-y"], { cwd: app, stdio: "ignore" });
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball], { cwd: app, stdio: "pipe", timeout: 900_000 });
}, 960_000);

describe("dependencies", () => {
  it("every runtime dependency is imported by the program (none shipped for nothing)", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const sources = execFileSync("grep", ["-rhoE", `(from |import\\(|require\\()"[^"]+"`, join(ROOT, "src"), join(ROOT, "bin")], { encoding: "utf8" });
    const imported = new Set([...sources.matchAll(/"((?:@[^/"]+\/)?[^/"]+)/g)].map((m) => m[1]!));
    expect(Object.keys(pkg.dependencies).filter((d) => !imported.has(d))).toEqual([]);
    // Exact versions: an install today gets what the tests ran on.
    expect(Object.entries(pkg.dependencies).filter(([, v]) => !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(v))).toEqual([]);
  });
});

describe("npm pack, installed into an empty directory", () => {
  it("holds the program, queries, README and LICENSE, and nothing of the workshop", () => {
    const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n").filter(Boolean);
    for (const f of ["package/bin/adtrace.js", "package/dist/index.js", "package/LICENSE", "package/README.md", "package/package.json"]) expect(files).toContain(f);
    expect(files.some((f) => f.startsWith("package/queries/") && f.endsWith(".sql"))).toBe(true);
    expect(files.filter((f) => /^package\/(test|src|fixtures|scripts|docs|node_modules)\//.test(f))).toEqual([]);
    expect(readFileSync(join(app, "node_modules", "adtrace", "LICENSE"), "utf8")).toMatch(/Apache License\s+Version 2\.0/);
  });

  it("runs the README's first command on the fixture: the hand-worked cost per event", () => {
    mkdirSync(join(app, "fixtures", "auction"), { recursive: true });
    copyFileSync(join(ROOT, FIXTURE, "otlp.jsonl"), join(app, FIXTURE, "otlp.jsonl"));
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const first = /```sh\n([\s\S]*?)```/.exec(readme)![1]!.split("\n").find((l) => l.startsWith("npx adtrace"))!;
    const command = first.replace(/\s+#.*$/, "").replace(/^npx /, "");
    expect(command).toBe("adtrace cost breakdown fixtures/auction/otlp.jsonl");
    const r = sh(`${command} --format csv`);
    expect(r.code, r.stderr).toBe(0);
    const total = r.stdout.split("\r\n").find((l) => l.startsWith("total,"));
    const header = r.stdout.split("\r\n")[0]!.split(",");
    // breakdown's CSV ends with the total row (or, without one, check the JSON instead).
    const perEvent = total
      ? Number(total.split(",")[header.indexOf("cost_per_event_usd")])
      : JSON.parse(sh(`${command} --format json`).stdout).total.cost_per_event_usd;
    expect(Math.abs(perEvent / PER_EVENT - 1)).toBeLessThan(1e-11);
  }, 120_000);

  it("runs the README's package block and every example of the top-level help", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const block = /```sh\nnpm pack[\s\S]*?```/.exec(readme)![0]!;
    const lines = block.split("\n").filter((l) => l.startsWith("adtrace "));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const help = sh("adtrace --help");
    expect(help.code).toBe(0);
    const examples = help.stdout.split("Examples:\n")[1]!.split("\n\n")[0]!.split("\n").map((l) => l.replace(/^\s*\$ /, ""));
    expect(examples[0]).toMatch(/^adtrace generate /);
    for (const line of [...lines, ...examples]) {
      const r = sh(line);
      expect(r.code, `${line}\n${r.stderr}`).toBe(0);
    }
    expect(readdirSync(join(app, "report")).sort()).toEqual(["breakdown.csv", "flags.csv", "pii.csv", "queries.csv", "report.html", "report.json", "savings.csv", "summary.md"]);
    expect(existsSync(join(app, "breakdown.arrow"))).toBe(true);
    expect(existsSync(join(app, "pipeline.duckdb"))).toBe(true);
  }, 600_000);
});
