// Nothing lost, nothing misreported (issue 14), through the built CLI as a user runs it:
// - --out onto a character device, a FIFO or /dev/stdout is written through and the thing stays
//   what it was (an atomic rename used to replace it); a block device is refused; --out '' is exit 2;
// - a full disk (a tiny tmpfs, as root) or the file-size limit (ulimit -f) while writing an output,
//   a report, an export, a generated file, a database or temporary files is one line naming the
//   path, exit 2, with nothing left behind and a database as it was;
// - a config or scenario file nested 50,000 levels deep, or an alias bomb, is bad input (exit 2);
// - a signal after a load's commit lets the load finish and report it (exit 0); one before the
//   commit leaves nothing (130 for SIGINT, 143 for SIGTERM); SIGTERM cleans up like Ctrl-C.
// Signals are sent while the run is held at a known point (ADTRACE_TEST_HOLD, see
// src/db/interrupt.ts), never after a sleep. Expected counts come from the fixture's hand-checked
// 369 spans and from DuckDB reading the database files directly.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { Db } from "../src/db/db.js";
import { BIN, FIXTURE, ROOT, startHeld, type CliResult } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { repeatedFixture } from "./helpers/repeated-fixture.js";
import { adtraceRuns } from "./helpers/runs.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-durable-"));
const fixture = join(ROOT, FIXTURE, "otlp.jsonl");
const FIXTURE_SPANS = 369;
const isRoot = process.getuid?.() === 0;
const TTY_RUNS = fileURLToPath(new URL("./helpers/tty-runs.mjs", import.meta.url));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh, empty directory (for TMPDIR or outputs), so a test sees everything the CLI leaves. */
const fresh = (name: string) => mkdtempSync(join(dir, `${name}-`));

function expectOneLineError(r: CliResult, code: number, ...mentions: string[]): string {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  for (const m of mentions) expect(lines[0]).toContain(m);
  expect(lines[0]).not.toMatch(/internal error|\n\s+at /);
  return lines[0]!;
}

/** Spans in a database file, read by DuckDB directly. */
async function spansIn(path: string): Promise<number> {
  const db = await Db.open({ path, readOnly: true });
  try {
    return Number(await db.scalar("SELECT count(*) FROM spans"));
  } finally {
    db.close();
  }
}

/** The fixture as canonical Parquet: analyses read it in place, so they write no spool. */
const parquet = join(dir, "spans.parquet");
async function canonicalParquet(): Promise<string> {
  if (!existsSync(parquet)) expect((await adtraceIn(["export", fixture, "--out", parquet, "-q"])).code).toBe(0);
  return parquet;
}

// ------------------------------------------------------------------ devices, FIFOs, /dev/stdout

describe("--out onto a device, a FIFO or /dev/stdout is written through, never replaced", () => {
  /** A character device's (major, minor) as Linux packs them into st_rdev, for small numbers. */
  const expectCharDevice = (path: string, major: number, minor: number) => {
    const stat = lstatSync(path);
    expect(stat.isCharacterDevice(), `${path} is still a character device`).toBe(true);
    expect(stat.rdev).toBe(major * 256 + minor);
  };
  // Every command that writes an output file, with DEV where the device goes.
  const DEV = "\0device";
  const WRITERS: [string, string[]][] = [
    ["inspect json", ["inspect", fixture, "--format", "json", "--out", DEV]],
    ["cost breakdown csv", ["cost", "breakdown", fixture, "--format", "csv", "--out", DEV]],
    ["export parquet", ["export", fixture, "--export-format", "parquet", "--out", DEV]],
    ["export csv", ["export", fixture, "--export-format", "csv", "--out", DEV]],
    ["generate otlp", ["generate", "--events", "20", "--out", DEV]],
    ["generate parquet", ["generate", "--events", "20", "--export-format", "parquet", "--out", DEV]],
  ];

  it.skipIf(!isRoot)("character devices the test makes with mknod (needs root): null takes every output and stays a device; full is 'no space left on device', exit 2", async () => {
    const devices = fresh("dev");
    const nul = join(devices, "null");
    const full = join(devices, "full");
    execFileSync("mknod", [nul, "c", "1", "3"]);
    execFileSync("mknod", [full, "c", "1", "7"]);
    const tmp = fresh("dev-tmp");
    for (const [name, args] of WRITERS) {
      const ok = await adtraceIn(args.map((a) => (a === DEV ? nul : a)), { env: { TMPDIR: tmp } });
      expect(ok.code, `${name}: ${ok.stderr}`).toBe(0);
      expectCharDevice(nul, 1, 3);
      const r = await adtraceIn(args.map((a) => (a === DEV ? full : a)), { env: { TMPDIR: tmp } });
      expectOneLineError(r, 2, `adtrace: error: ${full}: no space left on device`);
      expectCharDevice(full, 1, 7);
      // No partial file beside the device, and the private copy made for it is gone.
      expect(readdirSync(devices).sort(), name).toEqual(["full", "null"]);
      expect(readdirSync(tmp), name).toEqual([]);
    }
    expectOneLineError(await adtraceIn(["report", fixture, "--out-dir", nul]), 2, `--out-dir ${nul}: exists and is not a directory`);
    expectCharDevice(nul, 1, 3);
  });

  it.skipIf(!isRoot)("a block device is refused before any work (needs root for mknod), and stays what it was", async () => {
    const devices = fresh("blk");
    // Major 240 is reserved for local use: no driver behind it, whatever a bug might write.
    const block = join(devices, "disk");
    execFileSync("mknod", [block, "b", "240", "0"]);
    for (const [name, args] of WRITERS) {
      expectOneLineError(await adtraceIn(args.map((a) => (a === DEV ? block : a))), 2, `--out ${block}: is a block device; refusing to write to it`);
      expect(lstatSync(block).isBlockDevice(), name).toBe(true);
    }
    expect(readdirSync(devices)).toEqual(["disk"]);
  });

  it("a FIFO gets exactly the bytes a file gets, and stays a FIFO", async () => {
    const fifos = fresh("fifo");
    const writers = [
      ["inspect", ["inspect", fixture, "--format", "json"]],
      ["export-csv", ["export", fixture, "--export-format", "csv"]],
    ] as const;
    // Each FIFO's reader is another process (cat into a file), started before the CLI opens it;
    // both runs are in one CLI process (test/helpers/runs.mjs), so nothing here needs the event loop meanwhile.
    const readers = writers.map(([name]) => {
      const fifo = join(fifos, `${name}.pipe`);
      execFileSync("mkfifo", [fifo]);
      const reader = spawn("sh", ["-c", 'exec cat "$0" > "$1"', fifo, join(fifos, `${name}.read-back`)]);
      return { reader, done: new Promise((resolve) => reader.on("close", resolve)) };
    });
    try {
      const results = adtraceRuns(writers.map(([name, args]) => ({ args: [...args, "--out", join(fifos, `${name}.pipe`), "-q"] })));
      writers.forEach(([name], i) => {
        expect(results[i]!.code, `${name}: ${results[i]!.stderr}`).toBe(0);
        // Replaced by a file, the FIFO would never see a writer, and the reader would wait forever.
        expect(lstatSync(join(fifos, `${name}.pipe`)).isFIFO(), name).toBe(true);
      });
      await Promise.all(readers.map((r) => r.done));
    } finally {
      for (const { reader } of readers) if (reader.exitCode === null) reader.kill();
    }
    for (const [name, args] of writers) {
      const asFile = join(fifos, `${name}.file`);
      expect((await adtraceIn([...args, "--out", asFile, "-q"])).code).toBe(0);
      expect(readFileSync(join(fifos, `${name}.read-back`), "utf8"), name).toBe(readFileSync(asFile, "utf8"));
    }
    expect(readdirSync(fifos).sort()).toEqual(writers.flatMap(([name]) => [`${name}.file`, `${name}.pipe`, `${name}.read-back`]).sort());
  });

  it("/dev/stdout: the bytes of a plain run; an appending redirection is appended to, not truncated or replaced", async () => {
    // inspect and export: outputs that are byte-stable from run to run.
    const plain = await adtraceIn(["inspect", fixture, "--format", "csv"]);
    expect(plain.code).toBe(0);
    const exported = join(dir, "exported.csv");
    expect((await adtraceIn(["export", fixture, "--out", exported, "-q"])).code).toBe(0);
    // Both runs in one process of the built program with its own stdout (test/helpers/tty-runs.mjs,
    // which marks where each run's output ends): first a pipe, then a file opened for appending.
    const list = join(dir, "dev-stdout-runs.json");
    writeFileSync(list, JSON.stringify([["inspect", fixture, "--format", "csv", "--out", "/dev/stdout"], ["export", fixture, "--export-format", "csv", "--out", "/dev/stdout", "-q"]]));
    const expected = `${plain.stdout}\n@@adtrace-run-end 0 0\n${readFileSync(exported, "utf8")}\n@@adtrace-run-end 1 0\n`;
    const piped = spawnSync(process.execPath, [TTY_RUNS, list], { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stdout).toBe(expected);
    const log = join(dir, "appended.csv");
    writeFileSync(log, "earlier line\n");
    const appended = spawnSync("sh", ["-c", 'log="$1"; shift; exec "$@" >> "$log"', "sh", log, process.execPath, TTY_RUNS, list], {
      cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" },
    });
    expect(appended.status, appended.stderr).toBe(0);
    expect(readFileSync(log, "utf8")).toBe(`earlier line\n${expected}`);
    expect(lstatSync(log).isFile()).toBe(true);
  });

  it("a symbolic link to a file: the file gets the output, the link stays a link", async () => {
    const links = fresh("link");
    const real = join(links, "real.csv");
    writeFileSync(real, "old\n");
    const link = join(links, "latest.csv");
    symlinkSync("real.csv", link);
    const r = await adtraceIn(["inspect", fixture, "--format", "csv", "--out", link]);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, "utf8")).toBe((await adtraceIn(["inspect", fixture, "--format", "csv"])).stdout);
    expect(readdirSync(links).sort()).toEqual(["latest.csv", "real.csv"]);
  });

  it("an empty --out, --out-dir or --truth is a usage error before any work", async () => {
    expectOneLineError(await adtraceIn(["inspect", fixture, "--out", ""]), 2, "--out needs a file name");
    expectOneLineError(await adtraceIn(["export", fixture, "--out", ""]), 2, "--out needs a file name");
    expectOneLineError(await adtraceIn(["generate", "--events", "5", "--out", ""]), 2, "--out needs a file name");
    expectOneLineError(await adtraceIn(["report", fixture, "--out-dir", ""]), 2, "--out-dir needs a directory name");
    const out = join(fresh("truth"), "g.jsonl");
    expectOneLineError(await adtraceIn(["generate", "--events", "5", "--out", out, "--truth", ""]), 2, "--truth needs a file name");
    expect(existsSync(out)).toBe(false);
  });
});

// ------------------------------------------------------------------ no room to write

describe("no room to write: one line naming the path, exit 2, nothing left behind", () => {
  /** Run the CLI under a file-size limit of 512-byte blocks (sh's ulimit -f), SIGXFSZ left at its default. */
  const limited = (blocks: number, args: string[], env: NodeJS.ProcessEnv = {}): CliResult => {
    const r = spawnSync("sh", ["-c", `ulimit -f ${blocks} && exec "$@"`, "sh", process.execPath, BIN, ...args], {
      cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", ...env },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it("the file-size limit (EFBIG) writing --out, export, report, generate, a new database and temporary files", async () => {
    const input = await canonicalParquet();
    const out = fresh("efbig");
    const tmp = fresh("efbig-tmp");
    const cases: [string, string[], string][] = [
      ["--out", ["cost", "breakdown", input, "--by", "name", "--format", "json", "--out", join(out, "b.json")], join(out, "b.json")],
      ["export csv", ["export", input, "--out", join(out, "e.csv")], join(out, "e.csv")],
      ["export parquet (DuckDB writes)", ["export", input, "--out", join(out, "e.parquet")], join(out, "e.parquet")],
      ["report", ["report", input, "--out-dir", join(out, "report")], join(out, "report")],
      ["generate jsonl", ["generate", "--events", "50", "--out", join(out, "g.jsonl")], join(out, "g.jsonl")],
      ["generate parquet", ["generate", "--events", "50", "--out", join(out, "g.parquet")], join(out, "g.parquet")],
      ["load into a new database", ["load", input, "--db", join(out, "new.duckdb")], join(out, "new.duckdb")],
      ["the spool of a JSON load, in TMPDIR", ["cost", "breakdown", fixture], tmp],
    ];
    // All eight in one process under the limit (test/helpers/runs.mjs, each run through main as
    // bin/adtrace.js calls it); the next test runs the bin itself under the limit.
    const results = adtraceRuns(cases.map(([, args]) => ({ args })), { fileSizeBlocks: 1, env: { TMPDIR: tmp } });
    cases.forEach(([name, , path], i) => {
      const r = results[i]!;
      expect(r.code, `${name}: ${r.stderr}`).toBe(2);
      expectOneLineError(r, 2, `adtrace: error: ${path}: file too large for the file-size limit (ulimit -f)`);
    });
    expect(readdirSync(out)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("the file-size limit reached by a load into an existing database: exit 2, the database as it was", async () => {
    const input = await canonicalParquet();
    const db = join(fresh("efbig-db"), "pipeline.duckdb");
    expect((await adtraceIn(["load", input, "--db", db, "-q"])).code).toBe(0);
    // New spans: a generated file as Parquet, larger than the room the limit leaves.
    const more = join(dir, "more.parquet");
    expect((await adtraceIn(["generate", "--events", "2000", "--out", more, "-q"])).code).toBe(0);
    const blocks = Math.ceil(statSync(db).size / 512) + 40;
    expectOneLineError(limited(blocks, ["load", more, "--db", db]), 2, `adtrace: error: ${db}: file too large for the file-size limit (ulimit -f)`);
    expect(await spansIn(db)).toBe(FIXTURE_SPANS);
  });

  /** Fill a file system to its last byte. */
  const fill = (mount: string) => {
    const path = join(mount, "filler");
    for (const size of [64 * 1024, 512]) {
      try {
        for (;;) writeFileSync(path, Buffer.alloc(size), { flag: "a" });
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
      }
    }
  };

  it.skipIf(!isRoot)("a full disk (ENOSPC: a 2 MiB tmpfs, mounted as root): every writer fails cleanly, an existing database is kept as it was", async (ctx) => {
    const mount = fresh("tmpfs");
    const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mount], { encoding: "utf8" });
    if (mounted.status !== 0) ctx.skip(`cannot mount a tmpfs here: ${(mounted.stderr || mounted.error?.message || "").trim()}`);
    try {
      const input = await canonicalParquet();
      const db = join(mount, "pipeline.duckdb");
      expect((await adtraceIn(["load", input, "--db", db, "-q"])).code).toBe(0);
      const more = join(dir, "more-enospc.parquet");
      expect((await adtraceIn(["generate", "--events", "500", "--out", more, "-q"])).code).toBe(0);
      fill(mount);
      const before = readdirSync(mount).sort();
      const cases: [string, string[], string, NodeJS.ProcessEnv?][] = [
        ["--out", ["inspect", fixture, "--format", "json", "--out", join(mount, "a.json")], join(mount, "a.json")],
        ["export csv", ["export", input, "--out", join(mount, "e.csv")], join(mount, "e.csv")],
        ["export parquet", ["export", input, "--out", join(mount, "e.parquet")], join(mount, "e.parquet")],
        ["report", ["report", input, "--out-dir", join(mount, "report")], join(mount, "report")],
        ["generate jsonl", ["generate", "--events", "100", "--out", join(mount, "g.jsonl")], join(mount, "g.jsonl")],
        ["generate parquet", ["generate", "--events", "100", "--out", join(mount, "g.parquet")], join(mount, "g.parquet")],
        ["load into a new database", ["load", input, "--db", join(mount, "new.duckdb")], join(mount, "new.duckdb")],
        ["load into the existing database", ["load", more, "--db", db], db],
        ["temporary files (TMPDIR)", ["cost", "breakdown", fixture], mount, { TMPDIR: mount }],
      ];
      for (const [name, args, path, env] of cases) {
        const r = await adtraceIn(args, { env });
        expectOneLineError(r, 2, `adtrace: error: ${path}: no space left on device`);
        // DuckDB may leave an empty write-ahead log beside the database it could not write to.
        expect(readdirSync(mount).filter((f) => f !== "pipeline.duckdb.wal").sort(), name).toEqual(before.filter((f) => f !== "pipeline.duckdb.wal"));
      }
      expect(await spansIn(db)).toBe(FIXTURE_SPANS);
    } finally {
      const unmounted = spawnSync("umount", [mount], { encoding: "utf8" });
      expect(unmounted.status, unmounted.stderr).toBe(0);
    }
  });

  it("/dev/full (there without root too) for --out: no space left on device, and it stays a device", async () => {
    if (!existsSync("/dev/full")) return;
    expectOneLineError(await adtraceIn(["inspect", fixture, "--out", "/dev/full"]), 2, "adtrace: error: /dev/full: no space left on device");
    expect(lstatSync("/dev/full").isCharacterDevice()).toBe(true);
  });
});

// ------------------------------------------------------------------ YAML bombs

describe("a config or scenario file that is a YAML bomb is bad input naming the file", () => {
  const yaml = fresh("yaml");
  const write = (name: string, text: string) => {
    const path = join(yaml, name);
    writeFileSync(path, text);
    return path;
  };
  const deep = 50_000;
  // Nine aliases of nine aliases …, eight times over: 9^9 strings once expanded.
  const bomb = (last: string) => {
    const lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    let prev = "a";
    for (const name of "bcdefghi") {
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
      prev = name;
    }
    return `${lines.join("\n")}\n${last}\n`;
  };

  it("a config nested 50,000 levels (flow mappings, flow lists, block lists) or an alias bomb: exit 2 naming the file", async () => {
    const files = [
      write("deep-map.yaml", `flags: ${"{a: ".repeat(deep)}1${"}".repeat(deep)}\n`),
      write("deep-list.yaml", `stages: ${"[".repeat(deep)}${"]".repeat(deep)}\n`),
      write("deep-block.yaml", `stages:\n  ${"- ".repeat(deep)}x\n`),
      write("alias-config.yaml", bomb("warehouses: *i")),
    ];
    for (const file of files) expectOneLineError(await adtraceIn(["cost", "breakdown", fixture, "--config", file]), 2, `adtrace: error: ${file}`);
    // Nesting is refused past 64 levels, with the line, whatever the keys: a real config nests about six.
    expectOneLineError(await adtraceIn(["cost", "breakdown", fixture, "--config", write("deep-65.yaml", `flags:\n  x: ${"[".repeat(65)}${"]".repeat(65)}\n`)]), 2,
      `${join(yaml, "deep-65.yaml")}:2: YAML nested too deeply (more than 64 levels)`);
  });

  it("a scenario file nested 50,000 levels or an alias bomb: exit 2 naming the file", async () => {
    const cases: [string, string][] = [
      [write("scenario-deep.yaml", `scenarios: ${"[".repeat(deep)}${"]".repeat(deep)}\n`), "YAML nested too deeply"],
      [write("scenario-bomb.yaml", bomb("scenarios:\n  x: *i")), "too many YAML aliases"],
    ];
    for (const [file, what] of cases) expectOneLineError(await adtraceIn(["savings", fixture, "--scenario", file]), 2, `adtrace: error: ${file}`, what);
    // A scenario file with a few aliases still reads.
    const fine = write("scenario-alias.yaml", 'lever: &l { cache: "tracking=0.5" }\nscenarios:\n  one: [*l]\n  two: [*l, { tune: "auction=0.1" }]\n');
    const r = await adtraceIn(["savings", fixture, "--scenario", fine, "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).scenarios.map((s: { name: string }) => s.name)).toEqual(["one", "two"]);
  });
});

// ------------------------------------------------------------------ signals

describe("signals report what actually happened", () => {
  const signals = [["SIGINT", 130, "interrupted"], ["SIGTERM", 143, "terminated"]] as const;

  for (const [signal, code, word] of signals) {
    it(`${signal} after the load committed: the commit wins — exit 0, the normal summary, the spans stored`, async () => {
      const db = join(fresh(`after-${signal}`), "new.duckdb");
      const held = await startHeld(["load", fixture, "--db", db, "--format", "json"], "after-commit");
      held.child.kill(signal);
      const r = await held.done;
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout);
      expect([summary.spans_added, summary.total_spans]).toEqual([FIXTURE_SPANS, FIXTURE_SPANS]);
      expect(r.stderr).toContain(`adtrace: ${word} after the data was committed: finishing`);
      expect(r.stderr).not.toMatch(new RegExp(`^adtrace: ${word}$`, "m"));
      expect(await spansIn(db)).toBe(FIXTURE_SPANS);
    });

    it(`${signal} just before the load commits: the interrupt wins — exit ${code}, nothing stored, a new database file removed`, async () => {
      const work = fresh(`before-${signal}`);
      const existing = join(work, "existing.duckdb");
      expect((await adtraceIn(["load", await canonicalParquet(), "--db", existing, "-q"])).code).toBe(0);
      const more = join(work, "more.jsonl");
      expect((await adtraceIn(["generate", "--events", "30", "--out", more, "-q"])).code).toBe(0);
      const held = await startHeld(["load", more, "--db", existing], "before-commit");
      held.child.kill(signal);
      const r = await held.done;
      expect(r.code, r.stderr).toBe(code);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(new RegExp(`adtrace: ${word}\\n$`));
      expect(await spansIn(existing)).toBe(FIXTURE_SPANS);

      const created = join(work, "new.duckdb");
      const intoNew = await startHeld(["load", more, "--db", created], "before-commit");
      intoNew.child.kill(signal);
      expect((await intoNew.done).code).toBe(code);
      expect(readdirSync(work).sort()).toEqual(["existing.duckdb", "more.jsonl"]);
    });
  }

  it("SIGTERM during a load into a new database: exit 143, no spool in TMPDIR, no database file", async () => {
    const tmp = fresh("term-load-tmp");
    const work = fresh("term-load");
    const db = join(work, "new.duckdb");
    // The fixture: the run is held with its whole input spooled, whatever the input's size.
    const held = await startHeld(["load", fixture, "--db", db], "spooled", { env: { TMPDIR: tmp } });
    // Held with the spool written and the database created: both must go.
    expect(readdirSync(tmp).some((n) => n.startsWith("adtrace-spool-"))).toBe(true);
    expect(existsSync(db)).toBe(true);
    held.child.kill("SIGTERM");
    const r = await held.done;
    expect([r.code, r.signal]).toEqual([143, null]);
    expect(r.stdout).toBe("");
    expect(r.stderr.trimEnd().split("\n").pop()).toBe("adtrace: terminated");
    expect(readdirSync(tmp)).toEqual([]);
    expect(readdirSync(work)).toEqual([]);
  });

  it("SIGTERM while an export's file is written: exit 143, no output, no partial file, no DuckDB spill directory", async () => {
    const tmp = fresh("term-export-tmp");
    const out = fresh("term-export");
    // A memory limit small enough that the analysis database spills into TMPDIR.
    const held = await startHeld(["export", await repeatedFixture(300), "--out", join(out, "spans.parquet"), "-q"], "output-written", { env: { TMPDIR: tmp, ADTRACE_MEMORY_LIMIT: "100MB" } });
    expect(readdirSync(tmp).some((n) => n.startsWith("adtrace-duckdb-")), "DuckDB spilled into TMPDIR").toBe(true);
    expect(readdirSync(out).some((n) => n.endsWith(".tmp")), "the partial file is there").toBe(true);
    held.child.kill("SIGTERM");
    const r = await held.done;
    expect([r.code, r.signal]).toEqual([143, null]);
    expect(readdirSync(out)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("SIGTERM while a report bundle or a generated file is written: exit 143, nothing left", async () => {
    for (const [name, args] of [
      ["report", (out: string) => ["report", fixture, "--out-dir", join(out, "report")]],
      ["generate", (out: string) => ["generate", "--events", "200", "--out", join(out, "spans.parquet")]],
    ] as const) {
      const tmp = fresh(`term-${name}-tmp`);
      const out = fresh(`term-${name}`);
      const held = await startHeld(args(out), "output-written", { env: { TMPDIR: tmp } });
      expect(readdirSync(out).length, `${name}: something is being written`).toBeGreaterThan(0);
      held.child.kill("SIGTERM");
      const r = await held.done;
      expect([r.code, r.signal], name).toEqual([143, null]);
      expect(readdirSync(out), name).toEqual([]);
      expect(readdirSync(tmp), name).toEqual([]);
    }
  });

  it("the README's exit codes and promises name SIGTERM (143) and the late-row lookback", async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme).toMatch(/\| 143 \| terminated \(SIGTERM/);
    expect(readme).toMatch(/Nothing half-loaded\.\*\*[^\n]*\n?[^\n]*SIGTERM/);
    expect(readme).toMatch(/\*\*Interrupted or terminated runs leave nothing behind\*\*/);
    expect(readme).toMatch(/\*\*Nothing missed by incremental pulls\*\*[^*]*`--lookback`, 1 hour by default/);
  });
});
