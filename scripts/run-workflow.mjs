#!/usr/bin/env node
// Runs a GitHub Actions workflow's steps locally, in order, the way a runner would for one event:
// the `run:` steps in bash (`bash --noprofile --norc -eo pipefail`, GitHub's default shell) with
// the workflow's `env`, GITHUB_STEP_SUMMARY, GITHUB_PATH and RUNNER_TEMP; the `uses:` steps it
// knows replaced by local equivalents:
//   actions/checkout                  the workspace itself; with `path:`, that path links to --repo
//   actions/setup-node                nothing (this Node runs the steps)
//   actions/upload-artifact           copies `path` to STORE/EVENT/NAME (nothing, with a warning, when
//                                     `path` is missing, as the action's if-no-files-found: warn)
//   dawidd6/action-download-artifact  copies STORE/EVENT/NAME to `path`, EVENT from its `event:`
// Any other `uses:` is an error. `if:` may be empty, `always()` or `github.event_name == 'EVENT'`;
// after a failed step only `always()` steps run, as on a runner.
// `npm ci` inside --repo is skipped when that checkout is already installed (node_modules and dist
// present): it would reinstall the same lock file.
//
//   node scripts/run-workflow.mjs WORKFLOW --event push|pull_request --work DIR --store DIR
//     [--repo DIR] [--env KEY=VALUE]...
// Writes DIR/steps.json ([{ name, code }]) and DIR/step-summary.md; exits with the job's code.
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import { join, resolve } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const args = process.argv.slice(2);
const file = args.shift();
const opt = { event: "push", env: {} };
while (args.length) {
  const a = args.shift();
  if (a === "--env") {
    const kv = args.shift();
    const i = kv.indexOf("=");
    opt.env[kv.slice(0, i)] = kv.slice(i + 1);
  } else opt[a.replace(/^--/, "")] = args.shift();
}
const repo = resolve(opt.repo ?? fileURLToPath(new URL("..", import.meta.url)));
const work = resolve(opt.work);
const store = resolve(opt.store);
const workflow = parse(readFileSync(file, "utf8"));
const jobs = Object.values(workflow.jobs);
if (jobs.length !== 1) fail(`${file}: expected one job, found ${jobs.length}`);

const temp = join(work, ".runner");
const shims = join(temp, "shims");
mkdirSync(shims, { recursive: true });
mkdirSync(store, { recursive: true });
const summary = join(work, "step-summary.md");
const pathFile = join(temp, "github-path");
writeFileSync(summary, "");
writeFileSync(pathFile, "");
// npm: `npm ci` in an installed checkout of the repository is skipped; anything else is npm.
const realNpm = spawnSync("bash", ["-c", "command -v npm"], { encoding: "utf8" }).stdout.trim();
writeFileSync(join(shims, "npm"), `#!/usr/bin/env bash
if [ "$1" = ci ] && [ "$(pwd -P)" = "${repo}" ] && [ -d node_modules ] && [ -d dist ]; then
  echo "npm ci: skipped, ${repo} is installed" >&2; exit 0
fi
exec "${realNpm}" "$@"
`);
chmodSync(join(shims, "npm"), 0o755);

const env = {
  ...process.env, ...stringValues(workflow.env), ...stringValues(jobs[0].env), ...opt.env,
  GITHUB_EVENT_NAME: opt.event, GITHUB_STEP_SUMMARY: summary, GITHUB_PATH: pathFile, RUNNER_TEMP: temp, CI: "true",
};
const results = [];
let code = 0;
for (const [i, step] of jobs[0].steps.entries()) {
  const name = step.name ?? step.uses ?? `step ${i + 1}`;
  if (!runs(step.if, code !== 0)) continue;
  if (step.uses) {
    uses(step);
    results.push({ name, code: 0 });
    continue;
  }
  if (/\$\{\{/.test(step.run)) fail(`${name}: a run step with a \${{ }} expression: pass it through env`);
  const added = readFileSync(pathFile, "utf8").split("\n").filter(Boolean).reverse();
  const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run], {
    cwd: work, stdio: ["ignore", "inherit", "inherit"],
    env: { ...env, ...stringValues(step.env), PATH: [...added, shims, env.PATH].join(":") },
  });
  results.push({ name, code: r.status });
  if (r.status !== 0 && code === 0) code = r.status ?? 1;
}
writeFileSync(join(work, "steps.json"), JSON.stringify(results, null, 2) + "\n");
process.exit(code);

function runs(condition, failed) {
  if (condition === undefined) return !failed;
  if (/^\s*always\(\)\s*$/.test(String(condition))) return true;
  const m = /^\s*github\.event_name == '(\w+)'\s*$/.exec(String(condition));
  if (!m) fail(`if: ${condition}: only always() and github.event_name == '…' are understood`);
  return !failed && m[1] === opt.event;
}

function uses(step) {
  const [action] = step.uses.split("@");
  const w = step.with ?? {};
  if (action === "actions/checkout") {
    if (w.path) symlinkSync(repo, join(work, w.path));
  } else if (action === "actions/setup-node") {
    // this Node
  } else if (action === "actions/upload-artifact") {
    if (!existsSync(join(work, w.path))) process.stderr.write(`run-workflow: warning: ${w.path}: no files to upload\n`);
    else cpSync(join(work, w.path), join(store, opt.event, w.name), { recursive: true, force: true });
  } else if (action === "dawidd6/action-download-artifact") {
    const from = join(store, w.event ?? opt.event, w.name);
    if (!existsSync(from)) fail(`${step.name}: no artifact ${w.name} from a ${w.event ?? opt.event} run (run that event first)`);
    cpSync(from, join(work, w.path), { recursive: true });
  } else fail(`uses: ${step.uses}: no local equivalent`);
}

function stringValues(obj) {
  return Object.fromEntries(Object.entries(obj ?? {}).map(([k, v]) => [k, String(v)]));
}

function fail(message) {
  process.stderr.write(`run-workflow: ${message}\n`);
  process.exit(2);
}
