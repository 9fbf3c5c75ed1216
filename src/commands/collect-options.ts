// adtrace collect's options layer: commander's raw values (and ADTRACE_COLLECT_TOKEN) in, the
// receiver's typed options out, or a UsageError naming the flag (src/commands/options.ts). Pure:
// the TLS files are only named here; the action reads them (test/command-options.test.ts).
import { UsageError } from "../errors.js";
import { parseByteSize, parseDurationMs, parsePositiveInt } from "./options.js";

/** The flags of `adtrace collect` as commander hands them over. */
export interface CollectFlags {
  listen: string;
  maxBody: string;
  flushEvery: string;
  flushSpans: string;
  maxQueueSpans?: string;
  token?: string;
  insecureNoAuth?: boolean;
  tlsCert?: string;
  tlsKey?: string;
}

export interface CollectCommandOptions {
  host: string;
  port: number;
  token: string | undefined;
  /** The PEM files of --tls-cert and --tls-key, when given (both or neither). */
  tlsFiles: { cert: string; key: string } | undefined;
  maxBodyBytes: number;
  flushEveryMs: number;
  flushSpans: number;
  maxQueueSpans: number;
}

/** host:port, [v6]:port, or :port (loopback). */
export function parseListen(flag: string, text: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new UsageError(`${flag} expects HOST:PORT such as 127.0.0.1:4318 or [::1]:4318, got '${text}'`);
  return { host: match[1] ?? (match[2] || "127.0.0.1"), port };
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === "::1";
}

export function collectOptions(flags: CollectFlags, env: NodeJS.ProcessEnv = process.env): CollectCommandOptions {
  const { host, port } = parseListen("--listen", flags.listen);
  const token = flags.token ?? (env.ADTRACE_COLLECT_TOKEN || undefined);
  if (token !== undefined && token.trim() === "") throw new UsageError("--token must not be empty");
  if (!isLoopback(host) && token === undefined && !flags.insecureNoAuth) {
    throw new UsageError(`--listen ${flags.listen} is not a loopback address: give --token TOKEN (or ADTRACE_COLLECT_TOKEN), or --insecure-no-auth to accept spans from anyone who can reach it`);
  }
  if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey)) throw new UsageError("--tls-cert and --tls-key go together");
  const flushSpans = parsePositiveInt("--flush-spans", flags.flushSpans);
  return {
    host, port, token,
    tlsFiles: flags.tlsCert && flags.tlsKey ? { cert: flags.tlsCert, key: flags.tlsKey } : undefined,
    maxBodyBytes: parseByteSize("--max-body", flags.maxBody),
    flushEveryMs: parseDurationMs("--flush-every", flags.flushEvery),
    flushSpans,
    maxQueueSpans: flags.maxQueueSpans === undefined ? 2 * flushSpans : parsePositiveInt("--max-queue-spans", flags.maxQueueSpans),
  };
}
