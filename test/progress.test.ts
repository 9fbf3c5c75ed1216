// Progress on stderr (issue 21 part 4): a percentage and an ETA when the total is known — load's
// file size, generate's --events, pull --count's rows — from the rate so far; nothing in the
// first second; on a terminal one line redrawn in place, piped a line every 5 s. A fake clock and
// stream stand in for time and stderr, so nothing here depends on how fast the machine is.
import { describe, expect, it } from "vitest";
import { eventProgress, formatEta, percentAndEta } from "../src/commands/progress.js";
import { progressReporter } from "../src/commands/shared.js";

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) };
}

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("percentage and ETA", () => {
  it("ETA is the time so far scaled by what is left", () => {
    // 25% done in 10 s: 30 s left.
    expect(percentAndEta(25, 100, 10)).toBe(", 25%, ETA 30s");
    // 1 of 3 in 61 s: 122 s left.
    expect(percentAndEta(1, 3, 61)).toBe(", 33%, ETA 2m 02s");
    expect(percentAndEta(1, 1000, 30)).toBe(", 0%, ETA 8h 19m");
    expect(percentAndEta(100, 100, 5)).toBe(", 100%");
    expect(percentAndEta(0, 100, 5)).toBe(", 0%");
    expect(percentAndEta(10, 0, 5)).toBe(""); // total unknown
    expect(formatEta(0.2)).toBe("1s");
    expect(formatEta(3600)).toBe("1h 00m");
  });

  it("generate: events of the total, on a terminal redrawn in place, ended with a newline", () => {
    const c = clock();
    const stream = fakeStream(true);
    const progress = eventProgress(1_000_000, stream, c.now);
    progress(10_000); // within the first second: nothing
    expect(stream.written).toEqual([]);
    c.advance(4000);
    progress(200_000);
    // 20% in 4 s: 16 s left.
    expect(stream.written).toEqual(["\radtrace: generate: 200,000 of 1,000,000 events, 20%, ETA 16s\u001b[K"]);
    c.advance(16_000);
    progress(1_000_000, true);
    expect(stream.written.slice(1)).toEqual(["\radtrace: generate: 1,000,000 of 1,000,000 events, 100%\u001b[K", "\n"]);
  });

  it("load: bytes of the file's size; piped, a line every 5 seconds at most", () => {
    const c = clock();
    const stream = fakeStream(false);
    const report = progressReporter(stream as unknown as NodeJS.WriteStream, c.now);
    const mib = 1 << 20;
    report({ file: "spans.jsonl", bytesDone: mib, bytesTotal: 100 * mib, spans: 10 });
    c.advance(2000);
    report({ file: "spans.jsonl", bytesDone: 20 * mib, bytesTotal: 100 * mib, spans: 1000 });
    c.advance(1000); // 1 s later: too soon for another line when piped
    report({ file: "spans.jsonl", bytesDone: 30 * mib, bytesTotal: 100 * mib, spans: 1500 });
    c.advance(5000);
    report({ file: "spans.jsonl", bytesDone: 80 * mib, bytesTotal: 100 * mib, spans: 4000 });
    // 20 MiB in 2 s: 80 left at 10 MiB/s = 8 s. Then 80 MiB in 8 s: 2 s left.
    expect(stream.written).toEqual([
      "adtrace: spans.jsonl 20.0 MiB (10.0 MiB/s), 1,000 spans, 20%, ETA 8s\n",
      "adtrace: spans.jsonl 80.0 MiB (10.0 MiB/s), 4,000 spans, 80%, ETA 2s\n",
    ]);
  });

  it("pull --count: rows of the counted total; without a count, no percentage", () => {
    const c = clock();
    const stream = fakeStream(true);
    const report = progressReporter(stream as unknown as NodeJS.WriteStream, c.now);
    report({ file: "postgres://db/t", bytesDone: 0, bytesTotal: 0, spans: 0, rowsTotal: 50_000 });
    c.advance(3000);
    report({ file: "postgres://db/t", bytesDone: 2 * (1 << 20), bytesTotal: 0, spans: 10_000, rowsTotal: 50_000 });
    // 10,000 of 50,000 rows in 3 s: 12 s left.
    expect(stream.written).toEqual(["\radtrace: postgres://db/t 2.00 MiB (683 KiB/s), 10,000 spans of 50,000 rows, 20%, ETA 12s\u001b[K"]);
    const plain = fakeStream(true);
    const other = progressReporter(plain as unknown as NodeJS.WriteStream, c.now);
    other({ file: "postgres://db/u", bytesDone: 0, bytesTotal: 0, spans: 0 });
    c.advance(3000);
    other({ file: "postgres://db/u", bytesDone: 1 << 20, bytesTotal: 0, spans: 5000 });
    expect(plain.written).toEqual(["\radtrace: postgres://db/u 1.00 MiB (341 KiB/s), 5,000 spans\u001b[K"]);
  });
});
