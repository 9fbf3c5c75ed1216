// audit pii and load --redact (issue 20), through the CLI's program in-process (helpers/in-process.ts:
// the same commander program, stdout and stderr captured apart; issue 25 moved them off child
// processes), except where a real process is the point: ADTRACE_TEST_FLUSH_ROWS is read when the
// module loads, and the options tests are the options layer's (issue 15). Known values of every kind are
// planted in every input format and in a statement (helpers/pii-planted.ts); each must be found
// with its kind, none may appear in any output or on stderr, and near-misses must not be found.
// Redacted tokens are checked against HMAC-SHA-256 computed here with node:crypto, and a redacted
// load's figures against an unredacted load of the same files.
import { describe, expect, it, beforeAll, vi } from "vitest";
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { adtrace, FIXTURE, ROOT } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { NEAR_MISSES, PLANTED, plantedOtlp, plantedSpans } from "./helpers/pii-planted.js";
import { jaegerTrace, zipkinSpans } from "../src/generate/writers.js";

const KEY = "test-redaction-key";
const env = { ADTRACE_REDACT_KEY: KEY };
const dir = mkdtempSync(join(tmpdir(), "adtrace-pii-"));
const files: Record<string, string> = {};

/** Every raw planted value, and the digits of each card and phone (a mask must not show them whole either). */
const RAW = [...PLANTED.map((p) => p.value), ...PLANTED.filter((p) => p.kind === "card" || p.kind === "phone").map((p) => p.value.replace(/\D/g, ""))];

function leaks(text: string): string[] {
  return RAW.filter((v) => text.includes(v));
}

function csvRows(stdout: string): Record<string, string>[] {
  const [header, ...lines] = stdout.trim().split(/\r?\n/);
  const names = header!.split(",");
  return lines.filter(Boolean).map((line) => {
    const cells = line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, "").replace(/^"|"$/g, "").replace(/""/g, '"'));
    return Object.fromEntries(names.map((n, i) => [n, cells[i] ?? ""]));
  });
}

const hmac = (value: string) => createHmac("sha256", KEY).update(value).digest("hex").slice(0, 16);

beforeAll(async () => {
  const spans = plantedSpans();
  files.otlp = join(dir, "planted.json");
  writeFileSync(files.otlp, plantedOtlp(spans));
  files.jaeger = join(dir, "planted-jaeger.json");
  writeFileSync(files.jaeger, JSON.stringify({ data: spans.map((s) => jaegerTrace([s])) }));
  files.zipkin = join(dir, "planted-zipkin.json");
  writeFileSync(files.zipkin, JSON.stringify(zipkinSpans(spans)));
  files.parquet = join(dir, "planted.parquet");
  files.csv = join(dir, "planted.csv");
  for (const out of [files.parquet, files.csv]) {
    const r = await adtraceIn(["export", files.otlp, "--out", out, "-q"]);
    expect(r.code, r.stderr).toBe(0);
  }
});

// Every case runs the CLI several times, on a machine that may be shared.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

describe("audit pii finds planted values in every input format", () => {
  for (const format of ["otlp", "jaeger", "zipkin", "csv", "parquet"]) {
    it(`${format}: every planted value with its kind and location, and nothing else`, async () => {
      const r = await adtraceIn(["audit", "pii", files[format]!, "--format", "csv"]);
      expect(r.code, r.stderr).toBe(0);
      const found = csvRows(r.stdout).map((row) => `${row.location} ${row.key} ${row.kind}`).sort();
      // Jaeger and Zipkin carry no resource attributes beyond the service.
      const expected = [...new Set(PLANTED.filter((p) => p.location !== "resource" || format === "otlp" || format === "csv" || format === "parquet")
        .map((p) => `${p.location} ${p.key} ${p.kind}`))].sort();
      expect(found).toEqual(expected);
      // No near-miss key appears at all.
      for (const key of Object.keys(NEAR_MISSES)) expect(found.some((f) => f.split(" ")[1] === key), key).toBe(false);
    });
  }
});

describe("nothing raw leaks", () => {
  for (const format of ["otlp", "jaeger", "zipkin", "csv", "parquet"]) {
    it(`${format}: in any output format, a --debug run or stderr of audit pii`, async () => {
      for (const out of ["table", "csv", "json", "md"]) {
        const r = await adtraceIn(["audit", "pii", files[format]!, "--format", out, "--debug", "--fail-on-pii"]);
        expect(r.code).toBe(1);
        expect(leaks(r.stdout + r.stderr), `${format} as ${out}`).toEqual([]);
      }
    }, 180_000);
  }

  it("in an --out file", async () => {
    const outFile = join(dir, "audit.json");
    const r = await adtraceIn(["audit", "pii", files.otlp!, "--out", outFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(leaks(readFileSync(outFile, "utf8") + r.stdout + r.stderr)).toEqual([]);
    expect(readFileSync(outFile, "utf8")).toContain("j***@e***.com");
  });

  it("in a report bundle (pii.csv, report.json, summary.md and the rest)", async () => {
    const outDir = join(dir, "report");
    const r = await adtraceIn(["report", files.otlp!, "--out-dir", outDir, "--no-timestamp"]);
    expect(r.code, r.stderr).toBe(0);
    const bundle = readdirSync(outDir).map((f) => readFileSync(join(outDir, f), "utf8")).join("\n");
    expect(leaks(bundle + r.stderr)).toEqual([]);
    expect(readFileSync(join(outDir, "summary.md"), "utf8")).toContain("### Personal data");
    const pii = csvRows(readFileSync(join(outDir, "pii.csv"), "utf8"));
    expect(pii.find((row) => row.key === "payment.card")?.example).toBe("**** **** **** 1111");
    expect(pii.find((row) => row.key === "client.address")?.example).toBe("203.0.x.x");
  });

  it("in the stored spans of a redacted load of every format (exported back out), and on its stderr", async () => {
    for (const format of ["otlp", "jaeger", "zipkin", "csv", "parquet"]) {
      const db = join(dir, `leak-${format}.duckdb`);
      const load = await adtraceIn(["load", files[format]!, "--db", db, "--redact", "--debug"], { env });
      expect(load.code, load.stderr).toBe(0);
      const csv = join(dir, `leak-${format}.csv`);
      expect((await adtraceIn(["export", "--db", db, "--out", csv, "-q"])).code).toBe(0);
      const stored = readFileSync(csv, "utf8");
      expect(leaks(stored + load.stdout + load.stderr), format).toEqual(PLANTED.filter((p) => p.kind === "ip_internal").map((p) => p.value));
      expect(stored).toContain(`email:${hmac("jane.doe@example.com")}`);
    }
  });
});

describe("fixtures/pii/planted.json", () => {
  it("is the planted spans of test/helpers/pii-planted.ts, as OTLP JSON", async () => {
    expect(readFileSync(join(ROOT, "fixtures/pii/planted.json"), "utf8")).toBe(plantedOtlp(plantedSpans()) + "\n");
  });
});

describe("no false positives", () => {
  it("on the fixture in every format, and on generate output", async () => {
    for (const file of ["otlp.jsonl", "jaeger.json", "zipkin.json", "spans.csv", "spans.parquet"]) {
      const r = await adtraceIn(["audit", "pii", `${FIXTURE}/${file}`, "--format", "csv", "--fail-on-pii"]);
      expect(r.code, `${file}: ${r.stderr}`).toBe(0);
      expect(csvRows(r.stdout), file).toEqual([]);
    }
    const generated = join(dir, "generated.jsonl");
    expect((await adtraceIn(["generate", "--events", "300", "--out", generated, "--seed", "7", "-q"])).code).toBe(0);
    const r = await adtraceIn(["audit", "pii", generated, "--format", "csv"]);
    expect(r.code, r.stderr).toBe(0);
    expect(csvRows(r.stdout)).toEqual([]);
  });
});

describe("load --redact", () => {
  it("replaces each detected value by its kind and HMAC-SHA-256 under ADTRACE_REDACT_KEY, statements by their fingerprint", async () => {
    const db = join(dir, "redacted.duckdb");
    expect((await adtraceIn(["load", files.otlp!, "--db", db, "--redact"], { env })).code).toBe(0);
    const csv = join(dir, "redacted.csv");
    expect((await adtraceIn(["export", "--db", db, "--out", csv, "-q"])).code).toBe(0);
    const stored = readFileSync(csv, "utf8");
    for (const p of PLANTED.filter((x) => x.location === "attribute" && !["ip_internal", "secret"].includes(x.kind))) {
      expect(stored, p.key).toContain(`${p.kind}:${hmac(p.value)}`);
    }
    // Only the secret part of a connection string is replaced; the rest stays.
    expect(stored).toContain(`Server=db;User=svc;secret:${hmac("password=S3cr3tPassw0rd")};`);
    // The statement: its fingerprint, the first placeholder a hash of the whole statement.
    expect(stored).toMatch(/SELECT \* FROM users WHERE email = 'statement:[0-9a-f]{16}' AND card = \? OR phone = \? OR ip = \? OR api_key = \?/);
    // Ids and near-misses untouched.
    for (const value of Object.values(NEAR_MISSES)) expect(stored).toContain(value);
    expect(stored).toContain("000000000000000000000000ad000001");
  });

  it("keeps every count and cost figure of an unredacted load", async () => {
    const plain = join(dir, "figures-plain.duckdb");
    const redacted = join(dir, "figures-redacted.duckdb");
    const inputs = [files.otlp!, `${FIXTURE}/otlp.jsonl`];
    expect((await adtraceIn(["load", ...inputs, "--db", plain, "-q"])).code).toBe(0);
    expect((await adtraceIn(["load", ...inputs, "--db", redacted, "--redact", "-q"], { env })).code).toBe(0);
    for (const command of [["cost", "breakdown"], ["cost", "breakdown", "--by", "service"], ["cost", "queries"], ["cost", "flags"], ["savings", "--suggest"], ["inspect"]]) {
      const a = await adtraceIn([...command, "--db", plain, "--format", "json", "-q"]);
      const b = await adtraceIn([...command, "--db", redacted, "--format", "json", "-q"]);
      expect(a.code, a.stderr).toBe(0);
      const strip = (text: string) => { const doc = JSON.parse(text); delete doc.redaction; return doc; };
      expect(strip(b.stdout), command.join(" ")).toEqual(strip(a.stdout));
    }
  });

  it("moves staged rows a range at a time, with the same result however small the ranges", async () => {
    // ADTRACE_TEST_FLUSH_ROWS is read when the module loads: the load in ranges of 2 is a child
    // process; the one with the default ranges (200,000 rows, so one range here) runs in-process.
    const exported = async (flushRows: string | undefined, name: string) => {
      const db = join(dir, `${name}.duckdb`);
      const args = ["load", files.otlp!, files.zipkin!, "--db", db, "--redact", "-q"];
      const r = flushRows === undefined ? await adtraceIn(args, { env }) : adtrace(args, { env: { ...env, ADTRACE_TEST_FLUSH_ROWS: flushRows } });
      expect(r.code, r.stderr).toBe(0);
      const csv = join(dir, `${name}.csv`);
      expect((await adtraceIn(["export", "--db", db, "--out", csv, "-q"])).code).toBe(0);
      return readFileSync(csv, "utf8");
    };
    expect(process.env.ADTRACE_TEST_FLUSH_ROWS).toBeUndefined();
    const whole = await exported(undefined, "ranges-whole");
    expect(await exported("2", "ranges-of-2")).toBe(whole);
    expect(leaks(whole)).toEqual(["10.12.0.5"]);
  });

  it("gives the same tokens under the same key, other tokens under another key, and is exit 2 without a key", async () => {
    const token = async (key: string, name: string) => {
      const db = join(dir, `${name}.duckdb`);
      expect((await adtraceIn(["load", files.otlp!, "--db", db, "--redact", "-q"], { env: { ADTRACE_REDACT_KEY: key } })).code).toBe(0);
      const csv = join(dir, `${name}.csv`);
      await adtraceIn(["export", "--db", db, "--out", csv, "-q"]);
      return /email:[0-9a-f]{16}/.exec(readFileSync(csv, "utf8"))![0];
    };
    const underKey = await token(KEY, "key-a1");
    expect(await token(KEY, "key-a2")).toBe(underKey);
    // The token under KEY, just shown to be the same from load to load.
    expect(await token("another key", "key-b")).not.toBe(underKey);
    const db = join(dir, "nokey.duckdb");
    const r = await adtraceIn(["load", files.otlp!, "--db", db, "--redact"], { env: { ADTRACE_REDACT_KEY: "" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--redact needs a key in ADTRACE_REDACT_KEY/);
    expect(existsSync(db)).toBe(false);
  });

  it("with KEY,… replaces those keys' values whole and leaves the rest", async () => {
    const db = join(dir, "keys.duckdb");
    expect((await adtraceIn(["load", files.otlp!, "--db", db, "--redact", "user.email,enduser.id", "-q"], { env })).code).toBe(0);
    const csv = join(dir, "keys.csv");
    await adtraceIn(["export", "--db", db, "--out", csv, "-q"]);
    const stored = readFileSync(csv, "utf8");
    expect(stored).toContain(`email:${hmac("jane.doe@example.com")}`);
    expect(stored).toContain(`user_id:${hmac("u-83f0c2a9")}`);
    expect(stored).not.toContain("jane.doe@example.com");
    expect(stored).toContain("203.0.113.77");
    const inspect = await adtraceIn(["inspect", "--db", db, "--format", "json", "-q"]);
    expect(JSON.parse(inspect.stdout).redaction).toMatchObject({ inputs: 1, redacted_inputs: 1, modes: "keys", detectors: "keys: user.email, enduser.id" });
  });

  it("is verified by inspect and by audit pii, which finds only hashes (and internal IPs)", async () => {
    const db = join(dir, "verify.duckdb");
    expect((await adtraceIn(["load", files.otlp!, "--db", db, "--redact", "-q"], { env })).code).toBe(0);
    const audit = await adtraceIn(["audit", "pii", "--db", db, "--format", "csv", "--fail-on-pii"]);
    expect(audit.code, audit.stderr).toBe(0);
    expect([...new Set(csvRows(audit.stdout).map((r) => r.kind))].sort()).toEqual(["hashed", "ip_internal"]);
    // Every key that held personal data now holds a token, and is found as one.
    const hashedKeys = new Set(csvRows(audit.stdout).filter((r) => r.kind === "hashed").map((r) => r.key));
    expect([...hashedKeys].sort()).toEqual([...new Set(PLANTED.filter((p) => p.kind !== "ip_internal").map((p) => p.key))].sort());
    const inspect = JSON.parse((await adtraceIn(["inspect", "--db", db, "--format", "json", "-q"])).stdout);
    expect(inspect.redaction).toMatchObject({ inputs: 1, redacted_inputs: 1, modes: "auto" });
    expect(inspect.redaction.key_ids).toBe(createHmac("sha256", KEY).update("adtrace redaction key id").digest("hex").slice(0, 12));
    // A later plain load makes it partly redacted.
    expect((await adtraceIn(["load", `${FIXTURE}/otlp.jsonl`, "--db", db, "-q"])).code).toBe(0);
    const after = JSON.parse((await adtraceIn(["inspect", "--db", db, "--format", "json", "-q"])).stdout);
    expect(after.redaction).toMatchObject({ inputs: 2, redacted_inputs: 1 });
    const table = (await adtraceIn(["inspect", "--db", db, "--format", "table", "-q"])).stdout;
    expect(table).toMatch(/redacted\s+partly: 1 of 2 inputs/);
  });
});

describe("options and config", () => {
  it("--kinds filters; an unknown kind is exit 2", async () => {
    const r = await adtraceIn(["audit", "pii", files.otlp!, "--kinds", "email,phone", "--format", "csv"]);
    expect(r.code, r.stderr).toBe(0);
    expect([...new Set(csvRows(r.stdout).map((x) => x.kind))].sort()).toEqual(["email", "phone"]);
    const bad = await adtraceIn(["audit", "pii", files.otlp!, "--kinds", "emails"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown kind 'emails'/);
  });

  it("--fail-on-pii ignores internal IPs", async () => {
    const spans = plantedSpans().slice(3); // the auction span: near-misses only
    spans[0]!.attributes["net.peer.ip"] = "192.168.1.20";
    const file = join(dir, "internal.json");
    writeFileSync(file, plantedOtlp(spans));
    const r = await adtraceIn(["audit", "pii", file, "--fail-on-pii", "--format", "csv"]);
    expect(r.code, r.stderr).toBe(0);
    expect(csvRows(r.stdout).map((x) => x.kind)).toEqual(["ip_internal"]);
  });

  it("pii.ignore_keys skips keys; pii.extra finds its pattern as its kind, before the built-in detectors", async () => {
    const spans = plantedSpans();
    spans[3]!.attributes["crm.ref"] = "cust-12345678";
    const file = join(dir, "extra.json");
    writeFileSync(file, plantedOtlp(spans));
    const config = join(dir, "pii.yaml");
    writeFileSync(config, "pii:\n  ignore_keys: [user.*, 'client.*']\n  extra:\n    - pattern: 'cust-[0-9]{8}'\n      kind: user_id\n");
    const r = await adtraceIn(["audit", "pii", file, "--config", config, "--format", "csv"]);
    expect(r.code, r.stderr).toBe(0);
    const rows = csvRows(r.stdout);
    expect(rows.find((x) => x.key === "crm.ref")).toMatchObject({ kind: "user_id", example: "c***" });
    expect(rows.filter((x) => x.key.startsWith("user.") || x.key.startsWith("client."))).toEqual([]);
    expect(rows.find((x) => x.key === "customer.phone")?.kind).toBe("phone");
    expect(leaks(r.stdout + r.stderr)).toEqual([]);
    expect(r.stdout).not.toContain("cust-12345678");
  });

  it("an unknown kind or a pattern RE2 refuses is exit 2 with file:line", async () => {
    const kind = join(dir, "bad-kind.yaml");
    writeFileSync(kind, "pii:\n  extra:\n    - pattern: 'x[0-9]+'\n      kind: email\n    - pattern: 'y[0-9]+'\n      kind: ssn\n");
    const a = await adtraceIn(["audit", "pii", files.otlp!, "--config", kind]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(new RegExp(`${kind}:5: pii.extra\\[1\\]: unknown kind 'ssn'`));
    const regex = join(dir, "bad-regex.yaml");
    writeFileSync(regex, "pii:\n  extra:\n    - pattern: '(?<=id=)[0-9]+'\n      kind: user_id\n");
    for (const args of [["audit", "pii", files.otlp!], ["load", files.otlp!, "--db", join(dir, "bad.duckdb"), "--redact"]]) {
      const b = await adtraceIn([...args, "--config", regex], { env });
      expect(b.code, b.stderr).toBe(2);
      expect(b.stderr).toMatch(new RegExp(`${regex}:3: pii.extra\\[0\\]: invalid pattern for RE2`));
      expect(b.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    }
    expect(existsSync(join(dir, "bad.duckdb"))).toBe(false);
  });
});
