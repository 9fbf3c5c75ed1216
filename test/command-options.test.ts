// The options layers of the commands other than cost and diff (src/commands/<name>-options.ts)
// and the flag parsers they share (src/commands/options.ts), in-process with no DuckDB and no
// child process: what each flag becomes, and each refusal worded as the CLI prints it after
// "adtrace: error: ". The values are worked by hand (2M = 2,000,000; 256MiB = 256 × 2^20 …).
import { describe, expect, it } from "vitest";
import {
  parseByteSize, parseChoice, parseDurationMs, parseDurationNs, parsePositiveInt, parseSeconds, parseShareFlag,
} from "../src/commands/options.js";
import { savingsOptions } from "../src/commands/savings-options.js";
import { reportOptions } from "../src/commands/report-options.js";
import { adviseOptions } from "../src/commands/sampling-options.js";
import { sloOptions } from "../src/commands/slo-options.js";
import { traceOptions } from "../src/commands/trace-options.js";
import { piiOptions } from "../src/commands/audit-options.js";
import { exportOptions } from "../src/commands/export-options.js";
import { generateOptions } from "../src/commands/generate-options.js";
import { collectOptions } from "../src/commands/collect-options.js";
import { loadOptions, pullOptions } from "../src/commands/load-options.js";
import { usageError } from "./helpers/usage-error.js";

describe("the shared flag parsers: parseX(flag, text), or 'FLAG expects WHAT, got TEXT'", () => {
  it("whole numbers ≥ 1", () => {
    expect([parsePositiveInt("--top", "7"), parsePositiveInt("--top", " 12 ")]).toEqual([7, 12]);
    for (const text of ["0", "2.5", "1e3", "-3", "", "99999999999999999999"]) {
      expect(usageError(() => parsePositiveInt("--top", text)), text).toBe(`--top expects a whole number ≥ 1, got '${text}'`);
    }
    expect(usageError(() => parsePositiveInt("--latency-sample", "0", "a whole number of events"))).toBe("--latency-sample expects a whole number of events ≥ 1, got '0'");
  });

  it("shares from 0 to 1, as a fraction or a percentage", () => {
    expect([parseShareFlag("--x", "0"), parseShareFlag("--x", "25%"), parseShareFlag("--x", "1")]).toEqual([0, 0.25, 1]);
    expect(usageError(() => parseShareFlag("--x", "101%"))).toBe("--x expects a share like 0.1 or 10%, got '101%'");
    expect(usageError(() => parseShareFlag("--x", "-0.1", "0.05 or 5%"))).toBe("--x expects a share like 0.05 or 5%, got '-0.1'");
  });

  it("seconds above 0 (--timeout)", () => {
    expect([parseSeconds("--timeout", "30"), parseSeconds("--timeout", "0.5")]).toEqual([30, 0.5]);
    for (const text of ["0", "-1", "soon", "Infinity", ""]) expect(usageError(() => parseSeconds("--timeout", text)), text).toBe(`--timeout expects a number of seconds > 0, got '${text}'`);
  });

  it("sizes in bytes, binary and decimal units", () => {
    expect([parseByteSize("--max-body", "256MiB"), parseByteSize("--max-body", "64MB"), parseByteSize("--max-body", "1G"), parseByteSize("--max-body", "4096"), parseByteSize("--max-body", "1.5k")])
      .toEqual([256 * 1024 * 1024, 64_000_000, 1024 * 1024 * 1024, 4096, 1536]);
    for (const text of ["0", "12XB", "MiB", "-1k"]) expect(usageError(() => parseByteSize("--max-body", text)), text).toBe(`--max-body expects a size such as 256MiB, 64MB or 1048576 (bytes), got '${text}'`);
  });

  it("durations: whole ones in nanoseconds (trend, slo), and collect's in milliseconds, at least 10 ms", () => {
    expect([parseDurationNs("--every", "500ms"), parseDurationNs("--every", "2w")]).toEqual([500_000_000n, 14n * 86_400_000_000_000n]);
    expect(usageError(() => parseDurationNs("--window", "1y"))).toBe("--window expects a whole duration such as 15m, 1h or 7d (units: ms, s, m, h, d, w), got '1y'");
    expect([parseDurationMs("--flush-every", "2s"), parseDurationMs("--flush-every", "500ms"), parseDurationMs("--flush-every", "1m"), parseDurationMs("--flush-every", "3")]).toEqual([2000, 500, 60_000, 3000]);
    expect(usageError(() => parseDurationMs("--flush-every", "5ms"))).toBe("--flush-every expects a duration such as 2s, 500ms or 1m (at least 10ms), got '5ms'");
  });

  it("a word from a list: two read as 'a or b', more as 'one of …'", () => {
    expect(parseChoice("--metric", "cost", ["cost", "latency"])).toBe("cost");
    expect(usageError(() => parseChoice("--metric", "Cost", ["cost", "latency"]))).toBe("--metric expects cost or latency, got 'Cost'");
    expect(usageError(() => parseChoice("--pick", "worst", ["costliest", "slowest", "median"]))).toBe("--pick expects one of costliest, slowest, median, got 'worst'");
  });
});

describe("savings options", () => {
  const levers = [{ kind: "preagg" as const, spec: "aggregation=0.7" }, { kind: "cache" as const, spec: "tracking=60%:0.000001" }];

  it("the command line's levers in their order, as one scenario; the volume and the latency sample", () => {
    const typed = savingsOptions(["a.jsonl"], levers, { eventsPerDay: "500M", latencySample: "1000" }, {});
    expect(typed.scenarios).toEqual([{ name: "command line", levers: [
      { kind: "preagg", stage: "aggregation", value: 0.7, hitCostUsd: 0 },
      { kind: "cache", stage: "tracking", value: 0.6, hitCostUsd: 0.000001 },
    ] }]);
    expect(typed.analysis.eventsPerDay).toBe(500_000_000);
    expect(typed).toMatchObject({ scenarioFile: undefined, suggest: false, optimize: "cost", latencyEvents: 1000 });
    expect(savingsOptions([], [], { suggest: true, optimize: "latency", scenario: "s.yaml" }, {})).toMatchObject({ scenarios: [], scenarioFile: "s.yaml", suggest: true, optimize: "latency" });
  });

  it("refuses a hit rate past 1, --optimize without --suggest or unknown, nothing to model, a fractional sample", () => {
    expect(usageError(() => savingsOptions([], [{ kind: "cache", spec: "tracking=2" }], {}, {}))).toBe("--cache tracking=2: hit rate must be between 0 and 1 (or 0%..100%), got '2'");
    expect(usageError(() => savingsOptions([], levers, { optimize: "latency" }, {}))).toBe("--optimize applies to --suggest");
    expect(usageError(() => savingsOptions([], [], { suggest: true, optimize: "speed" }, {}))).toBe("--optimize expects cost or latency, got 'speed'");
    expect(usageError(() => savingsOptions([], [], { scenario: "" }, {}))).toBe("give levers (--cache, --preagg, --tune), --scenario FILE or --suggest");
    expect(usageError(() => savingsOptions([], levers, { latencySample: "1.5" }, {}))).toBe("--latency-sample expects a whole number of events ≥ 1, got '1.5'");
  });
});

describe("report options", () => {
  it("the bundle's directory, --events-per-day, --no-timestamp; --out is refused", () => {
    const typed = reportOptions([], { outDir: "out/", eventsPerDay: "2e9", timestamp: false, scenario: "s.yaml" }, { db: "x.duckdb" });
    expect(typed).toMatchObject({ outDir: "out/", timestamp: false, scenario: "s.yaml", analysis: { db: "x.duckdb", eventsPerDay: 2e9 } });
    expect(usageError(() => reportOptions([], { outDir: "out", timestamp: true }, { out: "r.csv" }))).toBe("report writes a directory: use --out-dir, not --out");
  });
});

describe("sampling advise options", () => {
  const flags = { rates: "100%,20%,5%,1%", targetError: "1%", by: "attr:user_locale", window: "1h" };

  it("rates highest first, the target error, one --by key told to the model, the window", () => {
    const typed = adviseOptions([], { ...flags, eventsPerDay: "2B" }, {});
    expect(typed.advise).toEqual({ rates: [1, 0.2, 0.05, 0.01], targetError: 0.01, by: { kind: "attr", key: "user_locale" }, window: "1h" });
    expect(typed.analysis.model?.attributeKeys).toEqual(["user_locale"]);
    expect(typed.analysis.eventsPerDay).toBe(2e9);
  });

  it("refuses rates out of (0, 1], repeated or rising; a bare target above 1; an unknown window; two --by keys", () => {
    expect(usageError(() => adviseOptions([], { ...flags, rates: "1,0" }, {}))).toBe("--rates: each rate must be in (0, 1] (a fraction like 0.01 or a percentage like 1%), got '0'");
    expect(usageError(() => adviseOptions([], { ...flags, rates: "1,0.5,50%" }, {}))).toBe("--rates: '50%' is given twice; list each rate once, highest first (e.g. 1,0.5,0.1,0.01,0.001)");
    expect(usageError(() => adviseOptions([], { ...flags, rates: "0.1,0.5" }, {}))).toBe("--rates must go from the highest rate down (e.g. 1,0.5,0.1,0.01,0.001): '0.5' comes after '0.1'");
    expect(usageError(() => adviseOptions([], { ...flags, targetError: "2" }, {}))).toBe("--target-error expects a relative error above 0 and at most 100%, like 2% or 0.02, got '2' (for 2 percent write 2%)");
    expect(usageError(() => adviseOptions([], { ...flags, targetError: "0%" }, {}))).toBe("--target-error expects a relative error above 0 and at most 100%, like 2% or 0.02, got '0%'");
    expect(usageError(() => adviseOptions([], { ...flags, window: "1w" }, {}))).toBe("--window expects 1h or 1d, got '1w'");
    expect(usageError(() => adviseOptions([], { ...flags, by: "stage,service" }, {}))).toBe("--by takes one key for sampling advise (stage, name, service or attr:KEY), got 'stage,service'");
  });
});

describe("slo check, trace, audit pii and export options", () => {
  it("slo check: --window in nanoseconds", () => {
    expect(sloOptions([], { window: "1h" }, {}).windowNs).toBe(3_600_000_000_000n);
    expect(sloOptions([], {}, {}).windowNs).toBeUndefined();
    expect(usageError(() => sloOptions([], { window: "an hour" }, {}))).toBe("--window expects a whole duration such as 15m, 1h or 7d (units: ms, s, m, h, d, w), got 'an hour'");
  });

  it("trace: the first argument is the id unless --pick chooses, then every argument is an input", () => {
    expect(traceOptions(["4bf9", "a.jsonl"], {}, {})).toMatchObject({ traceId: "4bf9", pick: undefined, analysis: { inputs: ["a.jsonl"] } });
    expect(traceOptions(["a.jsonl"], { pick: "median" }, {})).toMatchObject({ traceId: undefined, pick: "median", analysis: { inputs: ["a.jsonl"] } });
    expect(usageError(() => traceOptions([], {}, {}))).toBe("give a TRACE_ID, or --pick costliest|slowest|median");
    expect(usageError(() => traceOptions([], { pick: "cheapest" }, {}))).toBe("--pick expects one of costliest, slowest, median, got 'cheapest'");
  });

  it("audit pii: --kinds, known kinds only", () => {
    expect(piiOptions([], { kinds: "email, phone", failOnPii: true }, {})).toMatchObject({ kinds: ["email", "phone"], failOnPii: true, source: { countCyclic: false } });
    expect(piiOptions([], {}, {}).kinds).toEqual([]);
    expect(usageError(() => piiOptions([], { kinds: "emails" }, {}))).toBe("--kinds: unknown kind 'emails' (expected one of hashed, secret, email, card, device_id, ipv6, ipv4, ip_internal, geo, phone, user_id)");
    expect(usageError(() => piiOptions([], { kinds: " , " }, {}))).toBe("--kinds expects a comma list of hashed, secret, email, card, device_id, ipv6, ipv4, ip_internal, geo, phone, user_id");
  });

  it("export: --out is needed, and the format comes from --export-format or its extension", () => {
    expect(exportOptions([], {}, { out: "spans.PARQUET" })).toMatchObject({ out: "spans.PARQUET", format: "parquet" });
    expect(exportOptions([], {}, { out: "spans.csv.gz" }).format).toBe("csv");
    expect(exportOptions([], { exportFormat: "csv" }, { out: "spans.txt" }).format).toBe("csv");
    expect(usageError(() => exportOptions([], {}, {}))).toBe("export needs --out FILE (.parquet or .csv)");
    expect(usageError(() => exportOptions([], { exportFormat: "json" }, { out: "x.json" }))).toBe("export writes parquet or csv, not 'json'");
    expect(usageError(() => exportOptions([], {}, { out: "spans.txt" }))).toBe("cannot tell the export format from 'spans.txt': name it .parquet or .csv, or pass --export-format");
  });
});

describe("generate options", () => {
  const flags = { events: "2M", seed: "7" };

  it("events with a suffix, seed, scenario knobs, the sample rate (its own, else the program-wide one)", () => {
    const typed = generateOptions({ ...flags, scenario: ["slow_locale=de-DE", "cost_regression=aggregation:1.3"], sampleRate: "0.1", exportFormat: "csv", truth: "t.json" }, { out: "s.csv" });
    expect(typed).toEqual({
      events: 2_000_000, out: "s.csv", format: "csv", seed: 7, scenario: { slow_locale: "de-DE", cost_regression: "aggregation:1.3" },
      sampleRate: 0.1, truth: "t.json", explicitCost: undefined, billingOut: undefined,
    });
    expect(generateOptions(flags, { out: "s.jsonl", sampleRate: ["0.25"] }).sampleRate).toBe(0.25);
  });

  it("refuses each bad value, naming its flag", () => {
    expect(usageError(() => generateOptions(flags, {}))).toBe("generate needs --out FILE");
    expect(usageError(() => generateOptions({ ...flags, truth: "" }, { out: "s" }))).toBe("--truth needs a file name (it was empty)");
    expect(usageError(() => generateOptions({ ...flags, events: "1.5" }, { out: "s" }))).toBe("--events expects a whole number like 10000, 1e6 or 2M, got '1.5'");
    expect(usageError(() => generateOptions({ ...flags, events: "0" }, { out: "s" }))).toBe("--events expects a whole number like 10000, 1e6 or 2M, got '0'");
    expect(usageError(() => generateOptions({ ...flags, exportFormat: "xml" }, { out: "s" }))).toBe("--export-format must be one of otlp, jaeger, zipkin, parquet, csv, got 'xml'");
    expect(usageError(() => generateOptions({ ...flags, seed: "x" }, { out: "s" }))).toBe("--seed expects a whole number, got 'x'");
    expect(usageError(() => generateOptions({ ...flags, scenario: ["=3"] }, { out: "s" }))).toBe("--scenario expects knob=value, got '=3'");
    expect(usageError(() => generateOptions({ ...flags, sampleRate: "0" }, { out: "s" }))).toBe("--sample-rate for generate is a probability in (0, 1], got '0'");
  });
});

describe("collect options", () => {
  const flags = { listen: "127.0.0.1:4318", maxBody: "16MiB", flushEvery: "2s", flushSpans: "50000" };

  it("the address, the limits (the queue twice the flush size unless given), the token from the flag or ADTRACE_COLLECT_TOKEN", () => {
    expect(collectOptions(flags, {})).toEqual({
      host: "127.0.0.1", port: 4318, token: undefined, tlsFiles: undefined,
      maxBodyBytes: 16 * 1024 * 1024, flushEveryMs: 2000, flushSpans: 50_000, maxQueueSpans: 100_000,
    });
    expect(collectOptions({ ...flags, listen: "[::1]:0", maxQueueSpans: "10", tlsCert: "c.pem", tlsKey: "k.pem" }, { ADTRACE_COLLECT_TOKEN: "env-token" }))
      .toMatchObject({ host: "::1", port: 0, token: "env-token", maxQueueSpans: 10, tlsFiles: { cert: "c.pem", key: "k.pem" } });
    expect(collectOptions({ ...flags, listen: ":9" }, {})).toMatchObject({ host: "127.0.0.1", port: 9 });
    expect(collectOptions({ ...flags, listen: "0.0.0.0:0", token: "s3cret" }, {})).toMatchObject({ host: "0.0.0.0", token: "s3cret" });
    expect(collectOptions({ ...flags, listen: "0.0.0.0:0", insecureNoAuth: true }, {})).toMatchObject({ host: "0.0.0.0", token: undefined });
  });

  it("refuses a non-loopback address without a token or --insecure-no-auth, and each bad value", () => {
    expect(usageError(() => collectOptions({ ...flags, listen: "0.0.0.0:0" }, {}))).toBe("--listen 0.0.0.0:0 is not a loopback address: give --token TOKEN (or ADTRACE_COLLECT_TOKEN), or --insecure-no-auth to accept spans from anyone who can reach it");
    expect(usageError(() => collectOptions({ ...flags, listen: "localhost:99999" }, {}))).toBe("--listen expects HOST:PORT such as 127.0.0.1:4318 or [::1]:4318, got 'localhost:99999'");
    expect(usageError(() => collectOptions({ ...flags, token: " " }, {}))).toBe("--token must not be empty");
    expect(usageError(() => collectOptions({ ...flags, tlsCert: "c.pem" }, {}))).toBe("--tls-cert and --tls-key go together");
    expect(usageError(() => collectOptions({ ...flags, flushSpans: "0" }, {}))).toBe("--flush-spans expects a whole number ≥ 1, got '0'");
    expect(usageError(() => collectOptions({ ...flags, maxQueueSpans: "x" }, {}))).toBe("--max-queue-spans expects a whole number ≥ 1, got 'x'");
    expect(usageError(() => collectOptions({ ...flags, maxBody: "big" }, {}))).toBe("--max-body expects a size such as 256MiB, 64MB or 1048576 (bytes), got 'big'");
  });
});

describe("load and pull options", () => {
  const billingFile = "--billing-file is for analyses of span files; to store billing records: adtrace load --billing FILE… (or pull --billing)";

  it("load: spans (with --redact's value as given) or billing records", () => {
    expect(loadOptions(["a.jsonl"], { redact: "user.id" }, { db: "x.duckdb" })).toMatchObject({ billing: false, redact: "user.id", source: { inputs: ["a.jsonl"], db: "x.duckdb" } });
    expect(loadOptions(["bill.csv"], { billing: true }, {})).toEqual({ billing: true, inputs: ["bill.csv"] });
    expect(usageError(() => loadOptions(["a.jsonl"], {}, { billingFile: ["bill.csv"] }))).toBe(billingFile);
    expect(usageError(() => loadOptions(["bill.csv"], { billing: true, redact: true }, {}))).toBe("--redact is for spans; billing records (--billing) hold no attribute values to redact");
  });

  it("pull: --timeout checked once for both kinds, --map for spans, no span-choosing flag with --billing", () => {
    expect(pullOptions({ table: "spans", timeout: "2.5" }, { map: ["start=ts"] })).toEqual({ billing: false, table: "spans", timeoutSeconds: 2.5, map: { start: "ts" } });
    expect(pullOptions({ table: "jobs", billing: true }, {})).toEqual({ billing: true, table: "jobs", timeoutSeconds: undefined, map: {} });
    expect(usageError(() => pullOptions({ table: "t", timeout: "0" }, {}))).toBe("--timeout expects a number of seconds > 0, got '0'");
    expect(usageError(() => pullOptions({ table: "t", billing: true, timeout: "-1" }, {}))).toBe("--timeout expects a number of seconds > 0, got '-1'");
    expect(usageError(() => pullOptions({ table: "t" }, { billingFile: ["bill.csv"] }))).toBe(billingFile);
    expect(usageError(() => pullOptions({ table: "jobs", billing: true, since: "1d" }, {}))).toBe("pull --billing reads the whole table (records replace stored ones per query id): --since do not apply");
    expect(usageError(() => pullOptions({ table: "jobs", billing: true, watermarkColumn: "ts", full: true }, {}))).toBe("pull --billing reads the whole table (records replace stored ones per query id): --full, --watermark-column do not apply");
  });
});
