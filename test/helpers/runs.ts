// Several CLI runs in one child process of the built program (test/helpers/runs.mjs): each run
// goes through `main` as bin/adtrace.js calls it, with its own stdout, stderr and exit code, so a
// test whose claim needs a real process (a file-size limit, another user id) pays Node's and
// DuckDB's start once rather than once per command (issue 25).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ROOT, type CliResult } from "./cli.js";

const RUNS = fileURLToPath(new URL("./runs.mjs", import.meta.url));

export interface Run {
  args: string[];
  /** Variables set for this run only (null unsets one). */
  env?: Record<string, string | null>;
}

export interface RunsOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this user id (and group id), e.g. 65534 (nobody) when the tests run as root. */
  uid?: number;
  /** A file-size limit in 512-byte blocks (sh's ulimit -f) on the whole process. */
  fileSizeBlocks?: number;
  /** Options for node before the script, e.g. ["--import", hook]. */
  nodeArgs?: string[];
  /** Kill the process after this long (a run that hangs then fails the test instead of the suite). */
  timeoutMs?: number;
}

/** Run every command line in one child process; one CliResult per run, in order. */
export function adtraceRuns(runs: Run[], options: RunsOptions = {}): CliResult[] {
  const node = [process.execPath, ...(options.nodeArgs ?? []), RUNS, JSON.stringify(runs)];
  const [command, args] = options.fileSizeBlocks === undefined
    ? [node[0]!, node.slice(1)]
    : ["sh", ["-c", `ulimit -f ${options.fileSizeBlocks} && exec "$@"`, "sh", ...node]];
  const r = spawnSync(command, args, {
    cwd: options.cwd ?? ROOT,
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, ...options.env },
    maxBuffer: 256 << 20,
    timeout: options.timeoutMs,
  });
  if (r.status !== 0) throw new Error(`the runs' process ended with exit ${r.status}, signal ${r.signal}: ${r.stderr}`);
  const results = JSON.parse(r.stdout) as CliResult[];
  if (results.length !== runs.length) throw new Error(`${results.length} results for ${runs.length} runs`);
  return results;
}
