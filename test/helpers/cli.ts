// Running the built CLI as a child process, the way a user does: NO_COLOR set, stdout, stderr
// and the exit code captured.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BIN = fileURLToPath(new URL("../../bin/adtrace.js", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  /** Run as this user id (and group id), e.g. 65534 (nobody) when the tests run as root. */
  uid?: number;
}

export function adtrace(args: string[], options: CliOptions = {}): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    input: options.input,
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, ...options.env },
    maxBuffer: 64 << 20,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Start the CLI without waiting, for interrupt tests. */
export function startAdtrace(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env: { ...process.env, NO_COLOR: "1", ...options.env } });
}

/** The fixture path relative to the repository root. */
export const FIXTURE = "fixtures/auction";

export interface HeldRun {
  child: ReturnType<typeof spawn>;
  /** Resolves when the run ends: its exit code (null when a signal ended it), the signal, and all it wrote. */
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

/**
 * Start the CLI with ADTRACE_TEST_HOLD=point (src/db/interrupt.ts) and resolve once it reports
 * that it is held there: it then waits for a signal, so a test signals it at a known point rather
 * than racing it. Rejects when the run ends without reaching the point.
 */
export async function startHeld(args: string[], point: string, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<HeldRun> {
  const child = startAdtrace(args, { cwd: options.cwd, env: { ...options.env, ADTRACE_TEST_HOLD: point } });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on("data", (d) => {
      stderr += d;
      if (stderr.includes(`adtrace: test hold: ${point}\n`)) resolve();
    });
    void done.then((r) => reject(new Error(`the run ended (exit ${r.code}, signal ${r.signal}) before reaching the test hold '${point}': ${r.stderr}`)));
  });
  return { child, done };
}
