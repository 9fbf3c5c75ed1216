// Vitest global setup: build dist/ once, so tests that run the CLI as a child process test the
// code under test, not a stale build.
import { execFileSync } from "node:child_process";

export default function setup(): void {
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"], { stdio: "inherit" });
}
