// Preloaded into a CLI child (node --import) by tests that bound memory: when the process exits,
// its peak resident set size in KiB (getrusage's ru_maxrss, worker threads included) is written
// to the file ADTRACE_TEST_RSS_FILE names.
import { writeFileSync } from "node:fs";

process.on("exit", () => {
  if (process.env.ADTRACE_TEST_RSS_FILE) writeFileSync(process.env.ADTRACE_TEST_RSS_FILE, String(process.resourceUsage().maxRSS));
});
