// `npm run test:core`: the core, output and in-process CLI layers alone (TESTING.md, "How the suite
// is layered"), the files mutation testing runs (vitest.mutate.config.ts), with the whole suite's
// pool, workers and time limits (vitest.config.ts). No PostgreSQL, ClickHouse, browser or package
// install: the quick loop while changing the model; `npm test` still decides.
import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";
import mutate from "./vitest.mutate.config.ts";

export default defineConfig({ test: { ...base.test, include: mutate.test?.include } });
