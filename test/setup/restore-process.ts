// Runs before each test file (vitest.config.ts setupFiles). The files share worker processes
// (isolate: false), so whatever one leaves in process.env or as the working directory would be
// what the next one starts with: put both back as they were when the file started.
import { afterAll } from "vitest";

const env = { ...process.env };
const cwd = process.cwd();

afterAll(() => {
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
  for (const [key, value] of Object.entries(env)) if (process.env[key] !== value) process.env[key] = value;
  if (process.cwd() !== cwd) process.chdir(cwd);
});
