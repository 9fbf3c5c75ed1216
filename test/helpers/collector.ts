// Running `adtrace collect` as a child process on a free loopback port: start it, learn its URL
// from the line it prints, and stop it with a signal, collecting what it wrote and its exit code.
import { startAdtrace, type CliResult } from "./cli.js";

export interface RunningCollector {
  url: string;
  pid: number;
  /** Send `signal` (default SIGTERM) and wait for the run to end. */
  stop(signal?: NodeJS.Signals): Promise<CliResult & { signal: NodeJS.Signals | null }>;
  /** What it has written to stderr so far. */
  stderr(): string;
}

export async function startCollector(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningCollector> {
  const child = startAdtrace(["collect", "--listen", "127.0.0.1:0", ...args], { env });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on("data", (d) => {
      stderr += d;
      const found = /listening on (\S+)/.exec(stderr);
      if (found) resolve(found[1]!);
    });
    void done.then((r) => reject(new Error(`collect ended (exit ${r.code}) before listening: ${r.stderr}`)));
  });
  return {
    url,
    pid: child.pid!,
    stop: (signal = "SIGTERM") => {
      child.kill(signal);
      return done;
    },
    stderr: () => stderr,
  };
}

/** POST a body to the collector; the reply's status, headers and body. */
export async function post(url: string, body: Uint8Array | string, headers: Record<string, string>): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const response = await fetch(url, { method: "POST", body, headers });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}
