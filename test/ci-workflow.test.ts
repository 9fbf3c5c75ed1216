// The CI recipe that runs (issue 21, part 3): examples/github-actions/adtrace.yml's steps, run in
// order in a temporary directory against the fixture by scripts/run-workflow.mjs (the YAML parsed
// with the `yaml` dependency; checkout, setup-node and the artifact steps replaced by a link or a
// copy), for main (push) and then for pull requests; and the README's "Reports in CI" block is
// that file.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import MarkdownIt from "markdown-it";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { FIXTURE, ROOT } from "./helpers/cli.js";
import { PER_EVENT } from "./helpers/hand.js";
import { repriced } from "./helpers/repriced.js";

const WORKFLOW = join(ROOT, "examples/github-actions/adtrace.yml");
const dir = mkdtempSync(join(tmpdir(), "adtrace-wf-"));
const store = join(dir, "artifacts");
const UNKNOWN = "significance unknown: a report on either side has no per-event values";

function runWorkflow(event: "push" | "pull_request", work: string, spans: string) {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts/run-workflow.mjs"), WORKFLOW, "--event", event, "--work", work, "--store", store, "--env", `SPANS=${spans}`], {
    encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined },
  });
  return {
    code: r.status,
    stderr: r.stderr,
    steps: JSON.parse(readFileSync(join(work, "steps.json"), "utf8")) as { name: string; code: number }[],
    summary: readFileSync(join(work, "step-summary.md"), "utf8"),
  };
}

const md = new MarkdownIt();
const h2 = (text: string) => md.parse(text, {}).flatMap((t, i, all) => (t.type === "heading_open" && t.tag === "h2" ? [all[i + 1]!.content] : []));

describe("examples/github-actions/adtrace.yml", () => {
  it("main keeps its report; a pull request diffs against it: unchanged passes, +9.9% fails the job", () => {
    const fixture = join(ROOT, FIXTURE, "otlp.jsonl");
    const main = runWorkflow("push", join(dir, "main"), fixture);
    expect(main.code, main.stderr).toBe(0);
    expect(main.steps.map((s) => [s.name, s.code])).toEqual([
      ["actions/checkout@v4", 0], ["actions/checkout@v4", 0], ["actions/setup-node@v4", 0],
      ["Install adtrace from its repository", 0], ["Report", 0], ["Keep the report", 0],
    ]);
    const mainSummary = readFileSync(join(dir, "main/report/summary.md"), "utf8");
    expect(main.summary).toBe(mainSummary);
    expect(main.summary).toContain("```mermaid\npie showData\n");
    expect(readFileSync(join(store, "push/adtrace-report/report.json"), "utf8")).toBe(readFileSync(join(dir, "main/report/report.json"), "utf8"));

    // The same spans on the branch: the diff step passes, its verdict says unchanged.
    const same = runWorkflow("pull_request", join(dir, "pr-same"), fixture);
    expect(same.code, same.stderr).toBe(0);
    expect(same.steps.slice(3).map((s) => [s.name, s.code])).toEqual([
      ["Install adtrace from its repository", 0], ["Report", 0], ["Fetch main's latest report", 0], ["Diff against main", 0], ["Keep the report", 0],
    ]);
    expect(same.summary.startsWith(mainSummary)).toBe(true);
    expect(h2(same.summary)).toEqual(["adtrace cost report", "adtrace diff: cost per event by stage"]);
    expect(same.summary).toContain(`**cost per event unchanged (${UNKNOWN}): no gate breached**`);

    // aggregator.rollup.compute 0.0001 dearer in each of the 40 events: +9.9% in total, +22.7% on
    // aggregation; both gates breached, the job fails at the diff step, the summary says why.
    const pricier = join(dir, "pricier.jsonl");
    writeFileSync(pricier, repriced("aggregator.rollup.compute", "0.00012"));
    const pr = runWorkflow("pull_request", join(dir, "pr-pricier"), pricier);
    expect(pr.code).toBe(1);
    // The report is still kept (if: always()), as the pull request's own artifact, not main's.
    expect(pr.steps.slice(-2)).toEqual([{ name: "Diff against main", code: 1 }, { name: "Keep the report", code: 0 }]);
    const kept = JSON.parse(readFileSync(join(store, "pull_request/adtrace-report/report.json"), "utf8"));
    expect(Math.abs(kept.headline.cost_per_event_usd / (PER_EVENT + 0.0001) - 1)).toBeLessThan(1e-11);
    expect(readFileSync(join(store, "push/adtrace-report/report.json"), "utf8")).toBe(readFileSync(join(dir, "main/report/report.json"), "utf8"));
    expect(h2(pr.summary)).toEqual(["adtrace cost report", "adtrace diff: cost per event by stage"]);
    expect(pr.summary).toContain(`**cost per event +${((0.0001 / PER_EVENT) * 100).toFixed(1)}% (${UNKNOWN}): 2 gates breached**`);
    expect(pr.stderr).toMatch(/2 gate\(s\) breached/);
  }, 180_000);

  it("is a workflow GitHub reads: push to main and pull_request, one job, known actions", () => {
    const wf = parse(readFileSync(WORKFLOW, "utf8"));
    expect(wf.on).toEqual({ push: { branches: ["main"] }, pull_request: null });
    expect(Object.keys(wf.jobs)).toEqual(["cost"]);
    const uses = wf.jobs.cost.steps.flatMap((s: { uses?: string }) => (s.uses ? [s.uses] : []));
    expect(uses).toEqual(["actions/checkout@v4", "actions/checkout@v4", "actions/setup-node@v4", "dawidd6/action-download-artifact@v6", "actions/upload-artifact@v4"]);
    // Installed from the repository, never from the registry, where adtrace is not published.
    expect(readFileSync(WORKFLOW, "utf8")).not.toMatch(/npm (install|i) (-g|--global) adtrace/);
  });

  it("README's Reports in CI section embeds the file, byte for byte", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Reports in CI"));
    const block = /```yaml\n([\s\S]*?)```/.exec(section)![1];
    expect(block).toBe(readFileSync(WORKFLOW, "utf8"));
  });
});
