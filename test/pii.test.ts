// audit pii and load --redact (issue 20).
import { describe, expect, it } from "vitest";
import { writeFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { adtrace } from "./helpers/cli.js";
import { PLANTED, plantedOtlp, plantedSpans } from "./helpers/pii-planted.js";

const dir = process.env.PII_DIR ?? mkdtempSync(join(tmpdir(), "adtrace-pii-"));
const otlp = join(dir, "planted.json");
writeFileSync(otlp, plantedOtlp(plantedSpans()));

describe("audit pii", () => {
  it("finds planted values", async () => {
    const r = adtrace(["audit", "pii", otlp, "--format", "csv"]);
    console.log(r.stdout, r.stderr);
  });
});
