// The stored model's digest (model/stored.ts, issue 16) names what the model computes, never how
// adtrace was compiled: the built CLI (tsc's dist/) and src/ as vitest transforms it must agree,
// or each treats the other's databases as another model and rewrites them (found when
// stable-output's reference, stored in-process, was recomputed by the CLI). The walk's part of it
// is a revision number a developer raises, so this file also stops any change to the walk's source
// from landing unreviewed.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { modelDigest } from "../src/model/stored.js";
import { defaultConfig } from "../src/model/config.js";
import { WALK_REVISION } from "../src/model/span-path.js";
import { ROOT } from "./helpers/cli.js";

/**
 * The span-path.ts this revision was reviewed at. When the file changes: if buildForest,
 * criticalPath or walkBatch would now store anything differently, raise WALK_REVISION; then put
 * the file's new sha256 here.
 */
const REVIEWED = { revision: 1, sha256: "f56bb602631aded42904af51f8184ec29d1e51d5e823489035bb582d6e9ba645" };

describe("the stored model's digest", () => {
  it("is the same from the built CLI and from src/ (the walk's compiled text is not in it)", () => {
    const script = `import { modelDigest } from "./dist/model/stored.js"; import { defaultConfig } from "./dist/model/config.js"; process.stdout.write(modelDigest(defaultConfig()));`;
    const built = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8" });
    expect(built).toMatch(/^[0-9a-f]{16}$/);
    expect(built).toBe(modelDigest(defaultConfig()));
  });

  it("changes only with a reviewed walk: span-path.ts is the file its revision was set for", () => {
    const sha256 = createHash("sha256").update(readFileSync(join(ROOT, "src/model/span-path.ts"))).digest("hex");
    expect(WALK_REVISION, "WALK_REVISION was raised: set REVIEWED to it and to span-path.ts's sha256").toBe(REVIEWED.revision);
    expect(sha256, `src/model/span-path.ts changed. If the walk (buildForest, criticalPath, walkBatch) would store anything differently, raise WALK_REVISION; then set REVIEWED.sha256 here to ${sha256}`).toBe(REVIEWED.sha256);
  });
});
