// Running the CLI's program inside the test process: the same commander program, options layer,
// analyses and output code as the built CLI (src/index.ts `run`), with stdout and stderr captured
// and the exit code returned, but without the cost of starting Node and DuckDB's module each time.
// For argument handling and analyses. What only a real process shows (exit codes of the process,
// signals, test holds, the bin shim, stdin, another user) stays with test/helpers/cli.ts.
//
// The run sees what a child would: NO_COLOR=1 and no FORCE_COLOR, stdout and stderr that are not
// terminals, the given cwd and environment; all of it is put back afterwards. Runs are queued, so
// two never share the captured streams.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { isMainThread } from "node:worker_threads";
import { run } from "../../src/index.js";
import { BIN, ROOT, type CliResult } from "./cli.js";

export interface InProcessOptions {
  cwd?: string;
  /** Variables set (or, when undefined, unset) for the run. */
  env?: NodeJS.ProcessEnv;
}

let queue: Promise<unknown> = Promise.resolve();

/** Run `adtrace ARGS` in-process: { code, stdout, stderr } as test/helpers/cli.ts's `adtrace` gives. */
export async function adtraceIn(args: string[], options: InProcessOptions = {}): Promise<CliResult> {
  const { code, stdout, stderr } = await adtraceInBytes(args, options);
  return { code, stdout: stdout.toString("utf8"), stderr };
}

/** As adtraceIn, with stdout as the bytes written (for binary output: --format arrow, parquet). */
export function adtraceInBytes(args: string[], options: InProcessOptions = {}): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  const next = queue.then(() => runCaptured(args, options));
  queue = next.catch(() => undefined);
  return next;
}

type Write = typeof process.stdout.write;

async function runCaptured(args: string[], options: InProcessOptions): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  const cwd = resolve(options.cwd ?? ROOT);
  // A worker thread (StrykerJS runs the tests in them) cannot chdir: a run in another directory
  // is then a child process of the built CLI, which shows the same claim. (dist/ is tsc's output
  // and the test's src/ vitest's transform; the stored model's digest no longer depends on which,
  // test/walk-revision.test.ts, so the child uses a model stored in-process as it is.)
  if (cwd !== process.cwd() && !isMainThread) return runChild(args, cwd, options.env);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const capture = (into: Buffer[]): Write =>
    ((chunk: string | Uint8Array, encoding?: BufferEncoding | ((e?: Error | null) => void), callback?: (e?: Error | null) => void) => {
      into.push(typeof chunk === "string" ? Buffer.from(chunk, typeof encoding === "string" ? encoding : "utf8") : Buffer.from(chunk));
      const done = typeof encoding === "function" ? encoding : callback;
      if (done) queueMicrotask(() => done(null));
      return true;
    }) as Write;
  const env: NodeJS.ProcessEnv = { NO_COLOR: "1", FORCE_COLOR: undefined, ...options.env };
  const savedEnv = new Map(Object.keys(env).map((key) => [key, process.env[key]]));
  const savedCwd = process.cwd();
  const saved = [process.stdout, process.stderr].map((stream) => ({
    stream,
    write: stream.write,
    isTTY: Object.getOwnPropertyDescriptor(stream, "isTTY"),
  }));
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  if (cwd !== savedCwd) process.chdir(cwd);
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  for (const { stream } of saved) Object.defineProperty(stream, "isTTY", { value: false, configurable: true, writable: true });
  let code: number;
  try {
    code = await run([process.execPath, "adtrace", ...args]);
  } finally {
    for (const { stream, write, isTTY } of saved) {
      stream.write = write;
      if (isTTY) Object.defineProperty(stream, "isTTY", isTTY);
      else delete (stream as { isTTY?: boolean }).isTTY;
    }
    if (process.cwd() !== savedCwd) process.chdir(savedCwd);
    for (const [key, value] of savedEnv) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  return { code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8") };
}

function runChild(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): { code: number; stdout: Buffer; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, ...env }, maxBuffer: 256 << 20 });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr.toString("utf8") };
}
