// Several adtrace command lines in one child process of the built program, each through `main`
// exactly as bin/adtrace.js calls it (its SIGXFSZ, SIGINT/SIGTERM and EPIPE handling included),
// one after another, with each run's stdout, stderr and exit code captured apart. For claims that
// need a real process but not one per command: a file-size limit (ulimit -f) or another user id
// set on the process, one Node and DuckDB start for the lot (issue 25). The first argument is a
// JSON array of { args, env }; the results, a JSON array of { code, stdout, stderr }, are written
// to the process's own stdout when all have run (a pipe: no file-size limit applies to it).
import { main } from "../../dist/index.js";

const BIN = new URL("../../bin/adtrace.js", import.meta.url).pathname;
const runs = JSON.parse(process.argv[2]);
const realWrite = { stdout: process.stdout.write, stderr: process.stderr.write };
const results = [];
const HANDLED = [[process, "SIGINT"], [process, "SIGTERM"], [process, "SIGXFSZ"], [process.stdout, "error"], [process.stderr, "error"]];

for (const { args, env = {} } of runs) {
  const out = [];
  const err = [];
  const capture = (into) => (chunk, encoding, callback) => {
    into.push(typeof chunk === "string" ? Buffer.from(chunk, typeof encoding === "string" ? encoding : "utf8") : Buffer.from(chunk));
    const done = typeof encoding === "function" ? encoding : callback;
    if (done) queueMicrotask(() => done(null));
    return true;
  };
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  for (const [key, value] of Object.entries(env)) {
    if (value === null) delete process.env[key];
    else process.env[key] = value;
  }
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  process.exitCode = undefined;
  // main adds its signal and stream handlers on every call: take this run's off again afterwards.
  const listening = HANDLED.map(([emitter, event]) => new Set(emitter.listeners(event)));
  try {
    await main([process.execPath, BIN, ...args]);
  } finally {
    process.stdout.write = realWrite.stdout;
    process.stderr.write = realWrite.stderr;
    HANDLED.forEach(([emitter, event], i) => {
      for (const listener of emitter.listeners(event)) if (!listening[i].has(listener)) emitter.removeListener(event, listener);
    });
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  results.push({ code: process.exitCode ?? 0, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
}
process.exitCode = 0;
process.stdout.write(JSON.stringify(results));
