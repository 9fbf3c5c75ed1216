// How every number is written (issue 25, helper units29): src/output/units.ts's rules for dollars,
// milliseconds, shares, counts, bytes, bars and sparklines, and src/output/html/charts.ts's chart
// specs. Expected values come from the rules as the code's doc comments and README.md state them
// ("three significant digits below $1", "half to even on the 12-significant-digit value",
// "999.6 ms shows as 1.00 s", "1023.9 KiB shows as 1.00 MiB"), worked by hand here, or from
// README's own outputs ("235 KiB", "8.07 KiB"). Pure: no DuckDB, no child process.
import { describe, expect, it } from "vitest";
import {
  formatBytes, formatCount, formatMs, formatShare, formatUsd, groupedCount, machineNumber, shareBar, sparkline, toFixedHalfEven,
} from "../src/output/units.js";
import {
  costByStageSpec, latencySpec, queriesSpec, queryLabel, renderChart, reportCharts, TOP_QUERIES, waterfallSpec, type ChartScale,
} from "../src/output/html/charts.js";
import type { ReportDoc } from "../src/output/html/doc.js";

describe("units.ts", () => {
  describe("formatUsd", () => {
    it("writes a dash for no value and $0 for zero", () => {
      expect(formatUsd(null)).toBe("–");
      expect(formatUsd(undefined)).toBe("–");
      expect(formatUsd(Number.NaN)).toBe("–");
      expect(formatUsd(0)).toBe("$0");
    });

    it("below $1: three significant digits, trailing zeros kept", () => {
      expect(formatUsd(0.0016)).toBe("$0.00160");
      expect(formatUsd(0.5)).toBe("$0.500");
      expect(formatUsd(0.1)).toBe("$0.100");
      expect(formatUsd(0.05)).toBe("$0.0500");
      expect(formatUsd(0.000123456)).toBe("$0.000123");
      expect(formatUsd(-0.0016)).toBe("-$0.00160");
    });

    it("rounds a tie half to even on the 12-significant-digit value, however the float was reached", () => {
      // 0.0003575: the kept digit 7 is odd, so the tie goes up; 0.0003565: 6 is even, it stays.
      expect(formatUsd(0.0003575)).toBe("$0.000358");
      expect(formatUsd(0.00035750000000000023)).toBe("$0.000358");
      expect(formatUsd(0.00035749999999999996)).toBe("$0.000358");
      expect(formatUsd(0.0003565)).toBe("$0.000356");
      expect(formatUsd(0.00035651)).toBe("$0.000357");
    });

    it("below a billionth of a dollar: an exponent with three significant digits", () => {
      expect(formatUsd(5e-10)).toBe("$5.00e-10");
      expect(formatUsd(-1.234e-12)).toBe("-$1.23e-12");
      // 1e-9 itself is not below the limit: eleven decimals give its three digits.
      expect(formatUsd(1e-9)).toBe("$0.00000000100");
    });

    it("from $1 to $10k: cents, thousands separated", () => {
      expect(formatUsd(1)).toBe("$1.00");
      expect(formatUsd(12.5)).toBe("$12.50");
      expect(formatUsd(999.5)).toBe("$999.50");
      expect(formatUsd(1234.56)).toBe("$1,234.56");
      expect(formatUsd(1500)).toBe("$1,500.00");
      expect(formatUsd(-1234.56)).toBe("-$1,234.56");
      // Ties of the cents: 9999.985 keeps the even 8; 1.015 takes the odd 1 up to 2.
      expect(formatUsd(9999.985)).toBe("$9,999.98");
      expect(formatUsd(1.015)).toBe("$1.02");
      expect(formatUsd(1.025)).toBe("$1.02");
    });

    it("a value that rounds up into the next range is shown as that range shows it", () => {
      // 0.99999 to three significant digits is 1.00: shown with cents, not as "$1.000".
      expect(formatUsd(0.99999)).toBe("$1.00");
      expect(formatUsd(0.9995)).toBe("$1.00");
      expect(formatUsd(-0.99999)).toBe("-$1.00");
      // 9999.995 in cents is 10000.00: shown compact.
      expect(formatUsd(9999.995)).toBe("$10.0k");
    });

    it("from $10k: compact with k, M, B, T and three significant digits", () => {
      expect(formatUsd(10_000)).toBe("$10.0k");
      expect(formatUsd(692_000)).toBe("$692k");
      expect(formatUsd(252_580_000)).toBe("$253M");
      expect(formatUsd(1.234e9)).toBe("$1.23B");
      expect(formatUsd(1_234_567.8)).toBe("$1.23M");
      expect(formatUsd(2.5e12)).toBe("$2.50T");
      expect(formatUsd(-692_000)).toBe("-$692k");
      // 999500 is 999.5k, a tie whose kept 9 is odd: up to 1000k, which is written 1.00M.
      expect(formatUsd(999_500)).toBe("$1.00M");
      expect(formatUsd(999_400)).toBe("$999k");
      expect(formatUsd(999.5e9)).toBe("$1.00T");
      // T is the last unit: a thousand trillion stays in T.
      expect(formatUsd(1e15)).toBe("$1000T");
      expect(formatUsd(1e6)).toBe("$1.00M");
      expect(formatUsd(1e9)).toBe("$1.00B");
      expect(formatUsd(1e12)).toBe("$1.00T");
    });

    it("from $10k the amount is rounded once, to three digits, not first to cents", () => {
      // 12349.996 is 12.349996k: "12.3k". Rounded to cents first (12350.00) it would be the tie
      // 12.35k, which goes to the even 12.4k.
      expect(formatUsd(12_349.996)).toBe("$12.3k");
    });
  });

  describe("toFixedHalfEven", () => {
    it("rounds a tie to the even digit, other digits as toFixed does", () => {
      expect(toFixedHalfEven(2.5, 0)).toBe("2");
      expect(toFixedHalfEven(3.5, 0)).toBe("4");
      expect(toFixedHalfEven(2.51, 0)).toBe("3");
      expect(toFixedHalfEven(2.49, 0)).toBe("2");
      expect(toFixedHalfEven(0.0003575, 6)).toBe("0.000358");
      expect(toFixedHalfEven(0.0003565, 6)).toBe("0.000356");
      // Past the tie's 5 a non-zero digit makes it no tie: up, whatever the kept digit.
      expect(toFixedHalfEven(1.0250001, 2)).toBe("1.03");
      expect(toFixedHalfEven(1.025, 2)).toBe("1.02");
      expect(toFixedHalfEven(1.005, 2)).toBe("1.00");
      expect(toFixedHalfEven(123.456, 1)).toBe("123.5");
      expect(toFixedHalfEven(12345.6, 0)).toBe("12346");
    });

    it("decides on the 12-significant-digit decimal, not the binary value", () => {
      // 1.015 is 1.01499999999999990230… in binary: toFixed writes 1.01, the decimal tie goes to 1.02.
      expect((1.015).toFixed(2)).toBe("1.01");
      expect(toFixedHalfEven(1.015, 2)).toBe("1.02");
      expect(toFixedHalfEven(0.00035750000000000023, 6)).toBe("0.000358");
    });

    it("values below the last kept place: zero, or one unit when above half of it", () => {
      expect(toFixedHalfEven(0.5, 0)).toBe("0");
      expect(toFixedHalfEven(0.6, 0)).toBe("1");
      expect(toFixedHalfEven(0.004, 2)).toBe("0.00");
      expect(toFixedHalfEven(0.005, 2)).toBe("0.00");
      expect(toFixedHalfEven(0.0051, 2)).toBe("0.01");
      expect(toFixedHalfEven(0.05, 2)).toBe("0.05");
      expect(toFixedHalfEven(0.0004, 2)).toBe("0.00");
      expect(toFixedHalfEven(0.0009, 2)).toBe("0.00");
      expect(toFixedHalfEven(0, 2)).toBe("0.00");
    });

    it("more digits than the 12 significant ones: zeros, as toFixed writes them", () => {
      // No tie here, so toFixed (a second formulation) writes the same text.
      expect(toFixedHalfEven(1_234_567_890.5, 4)).toBe((1_234_567_890.5).toFixed(4));
      expect(toFixedHalfEven(1_234_567_890.5, 4)).toBe("1234567890.5000");
      // formatMs reaches this with a long duration: 1e20 ms is 1e17 s, 18 digits.
      expect(formatMs(1e20)).toBe("100000000000000000 s");
    });

    it("writes the magnitude of a negative value", () => {
      expect(toFixedHalfEven(-1.25, 1)).toBe("1.2");
      expect(toFixedHalfEven(-1.35, 1)).toBe("1.4");
    });
  });

  describe("formatMs", () => {
    it("writes a dash for no value and 0 ms for zero", () => {
      expect(formatMs(null)).toBe("–");
      expect(formatMs(undefined)).toBe("–");
      expect(formatMs(Number.NaN)).toBe("–");
      expect(formatMs(0)).toBe("0 ms");
      expect(formatMs(-0)).toBe("0 ms");
    });

    it("three significant digits (at least two decimals below 10)", () => {
      expect(formatMs(5)).toBe("5.00 ms");
      expect(formatMs(12.345)).toBe("12.3 ms");
      expect(formatMs(123.45)).toBe("123 ms");
      expect(formatMs(999.4)).toBe("999 ms");
      expect(formatMs(-5)).toBe("-5.00 ms");
      expect(formatMs(0.25)).toBe("0.25 ms");
      expect(formatMs(0.001)).toBe("0.00 ms");
      // A value that rounds into the next band is written as that band writes it.
      expect(formatMs(99.96)).toBe("100 ms");
      expect(formatMs(9.996)).toBe("10.0 ms");
    });

    it("below a microsecond's thousandth of a ms: microseconds", () => {
      expect(formatMs(0.0005)).toBe("0.50 µs");
      expect(formatMs(0.00099)).toBe("0.99 µs");
      expect(formatMs(-0.0005)).toBe("-0.50 µs");
    });

    it("from one second: seconds; 999.6 ms shows as 1.00 s, not 1000 ms", () => {
      expect(formatMs(999.6)).toBe("1.00 s");
      expect(formatMs(999.5)).toBe("1.00 s");
      expect(formatMs(1000)).toBe("1.00 s");
      expect(formatMs(1500)).toBe("1.50 s");
      expect(formatMs(60_000)).toBe("60.0 s");
      expect(formatMs(-1500)).toBe("-1.50 s");
      expect(formatMs(-999.6)).toBe("-1.00 s");
    });
  });

  describe("formatShare", () => {
    it("a fraction as a percentage with one decimal, or the digits asked for", () => {
      expect(formatShare(null)).toBe("–");
      expect(formatShare(undefined)).toBe("–");
      expect(formatShare(Number.NaN)).toBe("–");
      expect(formatShare(0.436)).toBe("43.6%");
      expect(formatShare(1)).toBe("100.0%");
      expect(formatShare(0)).toBe("0.0%");
      expect(formatShare(0.4361, 2)).toBe("43.61%");
      expect(formatShare(0.5, 0)).toBe("50%");
    });
  });

  describe("formatCount and groupedCount", () => {
    it("integers keep all digits, grouped by thousands", () => {
      expect(formatCount(null)).toBe("–");
      expect(formatCount(undefined)).toBe("–");
      expect(formatCount(Number.NaN)).toBe("–");
      expect(formatCount(0)).toBe("0");
      expect(formatCount(280)).toBe("280");
      expect(formatCount(1000)).toBe("1,000");
      expect(formatCount(1_234_567)).toBe("1,234,567");
      expect(formatCount(-1_234_567)).toBe("-1,234,567");
    });

    it("fractions: at most two decimals, the second rounded half away from zero, trailing zeros dropped", () => {
      expect(formatCount(1234.567)).toBe("1,234.57");
      expect(formatCount(0.5)).toBe("0.5");
      expect(formatCount(12.1)).toBe("12.1");
      expect(formatCount(1.005)).toBe("1.01");
      expect(formatCount(1.004)).toBe("1");
      expect(formatCount(-1234.5)).toBe("-1,234.5");
      expect(formatCount(-2.675)).toBe("-2.68");
      expect(formatCount(1.999)).toBe("2");
      expect(formatCount(999.999)).toBe("1,000");
      expect(formatCount(0.001)).toBe("0");
      expect(formatCount(0.005)).toBe("0.01");
      expect(formatCount(0.05)).toBe("0.05");
      expect(formatCount(1.1)).toBe("1.1");
    });

    it("what groupedCount does not cover goes to toLocaleString", () => {
      expect(groupedCount(1e21)).toBeUndefined();
      expect(groupedCount(1e-7)).toBeUndefined();
      expect(groupedCount(-0)).toBeUndefined();
      expect(groupedCount(Number.POSITIVE_INFINITY)).toBeUndefined();
      expect(groupedCount(Number.NEGATIVE_INFINITY)).toBeUndefined();
      expect(formatCount(1e21)).toBe("1,000,000,000,000,000,000,000");
      expect(formatCount(1e-7)).toBe("0");
      expect(formatCount(-0)).toBe("-0");
      expect(formatCount(Number.POSITIVE_INFINITY)).toBe("∞");
      // Just inside the covered forms: written by groupedCount itself.
      expect(groupedCount(0.000001)).toBe("0");
      expect(groupedCount(123456789012345680000)).toBe("123,456,789,012,345,680,000");
    });
  });

  describe("formatBytes", () => {
    it("bytes below 1 KiB as they are, then binary units with three significant digits", () => {
      expect(formatBytes(null)).toBe("–");
      expect(formatBytes(undefined)).toBe("–");
      expect(formatBytes(Number.NaN)).toBe("–");
      expect(formatBytes(0)).toBe("0 B");
      expect(formatBytes(1023)).toBe("1023 B");
      expect(formatBytes(1023.5)).toBe("1023.5 B");
      expect(formatBytes(1024)).toBe("1.00 KiB");
      expect(formatBytes(1536)).toBe("1.50 KiB");
      expect(formatBytes(-2048)).toBe("-2.00 KiB");
      // README's file sizes: 235 KiB, 8.07 KiB, 2.18 KiB.
      expect(formatBytes(235 * 1024)).toBe("235 KiB");
      expect(formatBytes(8264)).toBe("8.07 KiB");
      expect(formatBytes(2232)).toBe("2.18 KiB");
      expect(formatBytes(1024 ** 2)).toBe("1.00 MiB");
      expect(formatBytes(1024 ** 3)).toBe("1.00 GiB");
      expect(formatBytes(1024 ** 4)).toBe("1.00 TiB");
      expect(formatBytes(1024 ** 5)).toBe("1.00 PiB");
      // PiB is the last unit.
      expect(formatBytes(1024 ** 6)).toBe("1024 PiB");
    });

    it("rounding counts: 1023.9 KiB shows as 1.00 MiB", () => {
      expect(formatBytes(1023.9 * 1024)).toBe("1.00 MiB");
      expect(formatBytes(1023.4 * 1024)).toBe("1023 KiB");
    });
  });

  describe("shareBar", () => {
    it("eighth-cell resolution over 12 cells by default", () => {
      expect(shareBar(1)).toBe("█".repeat(12));
      expect(shareBar(0.5)).toBe("█".repeat(6));
      expect(shareBar(0)).toBe("");
      // 0.3 × 12 × 8 = 28.8 → 29 eighths: 3 full cells and 5/8.
      expect(shareBar(0.3)).toBe("███▋");
      // One eighth, and seven.
      expect(shareBar(1 / 96)).toBe("▏");
      expect(shareBar(7 / 96)).toBe("▉");
      expect(shareBar(2 / 96)).toBe("▎");
      expect(shareBar(0.5, 4)).toBe("██");
    });

    it("clamps a share outside 0..1", () => {
      expect(shareBar(-1)).toBe("");
      expect(shareBar(2)).toBe("█".repeat(12));
    });
  });

  describe("machineNumber", () => {
    it("12 significant digits; exact integers as they are", () => {
      expect(machineNumber(0.00035749999999999996)).toBe(0.0003575);
      expect(machineNumber(2.000000000000002e-5)).toBe(2e-5);
      expect(machineNumber(123_456_789_012_345)).toBe(123_456_789_012_345);
      expect(machineNumber(1234.5678901234)).toBe(1234.56789012);
    });
  });

  describe("sparkline", () => {
    it("scales from the smallest to the largest value", () => {
      expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8])).toBe("▁▂▃▄▅▆▇█");
      expect(sparkline([10, 20])).toBe("▁█");
      // (15 − 10) / (20 − 10) × 8 = 4: the fifth block.
      expect(sparkline([10, 15, 20])).toBe("▁▅█");
    });

    it("a gap where there is no value; nothing when there is none", () => {
      expect(sparkline([1, null, 3])).toBe("▁ █");
      expect(sparkline([])).toBe("");
      expect(sparkline([null, null])).toBe("");
    });

    it("a flat series mid-height, or at the bottom from zero", () => {
      expect(sparkline([5, 5, 5])).toBe("▄▄▄");
      expect(sparkline([0, 0], { fromZero: true })).toBe("▁▁");
      // Negative values from zero: the top is 0, so the series is flat at the bottom.
      expect(sparkline([-2, -1], { fromZero: true })).toBe("▁▁");
    });

    it("from zero: scaled from 0 to the largest", () => {
      // 2 / 4 × 8 = 4 → the fifth block; 1 / 4 × 8 = 2 → the third.
      expect(sparkline([2, 4, 1], { fromZero: true })).toBe("▅█▃");
      expect(sparkline([2, 4, 1])).toBe("▃█▁");
    });

    it("values at 12 significant digits: float noise draws flat", () => {
      expect(sparkline([0.1 + 0.2, 0.3])).toBe("▄▄");
      expect(sparkline([0.1 + 0.2, 0.3], { fromZero: true })).toBe("██");
    });
  });
});

describe("html/charts.ts", () => {
  // The charts show USD per million events (README: "USD per 1M events"); the plot is 440 px wide
  // and a value v on a scale 0..max lies at v × 440 / max. Bars are read back from the SVG.
  const bars = (svg: string) =>
    [...svg.matchAll(/<path aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="bar" d="M([-\d.]+),([-\d.]+)h([-\d.]+)v[^"]*" fill="([^"]+)"/g)]
      .map((m) => ({ label: m[1]!, x: Number(m[2]), y: Number(m[3]), width: Number(m[4]), fill: m[5]! }));
  const group = (stage: string, query: number | null, compute: number | null, p: [number | null, number | null, number | null] = [1, 2, 3]) => ({
    stage, events: 10, cost_per_event_usd: (query ?? 0) + (compute ?? 0), cost_share: 0, compute_per_event_usd: compute,
    query_per_event_usd: query, p50_ms: p[0], p95_ms: p[1], p99_ms: p[2], warehouse: null,
  });
  const scale: ChartScale = { costUsd: 0.001, latencyMs: 100, queryUsd: 0.0005, savingsUsd: 0.002 };

  describe("cost by stage", () => {
    // auction: $0.00044 of queries + $0.00011 of compute = $0.00055; tracking $0.0001 + $0.0001.
    const doc = { breakdown: { groups: [group("tracking", 0.0001, 0.0001), group("auction", 0.00044, 0.00011)] } } as unknown as ReportDoc;

    it("two parts per stage in USD per million events, at 12 significant digits", () => {
      const spec = costByStageSpec(doc) as { data: { values: unknown[] } };
      // 0.00044 × 1e6 is 439.99999999999994 in floating point: written 440.
      expect(spec.data.values).toEqual([
        { stage: "tracking", part: "query", usd: 100, order: 0, total: 200 },
        { stage: "tracking", part: "compute", usd: 100, order: 1, total: 200 },
        { stage: "auction", part: "query", usd: 440, order: 0, total: 550 },
        { stage: "auction", part: "compute", usd: 110, order: 1, total: 550 },
      ]);
    });

    it("a missing part counts as 0", () => {
      const spec = costByStageSpec({ breakdown: { groups: [group("x", null, 0.0002)] } } as unknown as ReportDoc) as { data: { values: { usd: number }[] } };
      expect(spec.data.values.map((v) => v.usd)).toEqual([0, 200]);
    });

    it("the value axis ends at the data's own maximum, or at the shared scale's", () => {
      const x = (s: unknown) => (s as { encoding: { x: { scale: unknown } } }).encoding.x.scale;
      expect(x(costByStageSpec(doc))).toEqual({});
      expect(x(costByStageSpec(doc, scale))).toEqual({ domain: [0, 1000], nice: true });
      expect(x(costByStageSpec(doc, { ...scale, costUsd: 0 }))).toEqual({});
      expect(x(costByStageSpec(doc, { ...scale, costUsd: Number.NaN }))).toEqual({});
    });

    it("draws the costliest stage on top, queries then compute stacked from 0", async () => {
      // Scale 0..550 (the largest stack, 550, already on a tick of 50): 1 unit = 440 / 550 px.
      const shown = bars((await renderChart("c", "t", costByStageSpec(doc))).svg);
      const px = (v: number) => (v * 440) / 550;
      const auction = shown.filter((b) => b.label.includes("stage: auction"));
      const tracking = shown.filter((b) => b.label.includes("stage: tracking"));
      expect(auction[0]!.y).toBeLessThan(tracking[0]!.y);
      expect(auction.map((b) => [b.x, b.width, b.fill])).toEqual([
        [0, expect.closeTo(px(440), 6), "#c2410c"], [expect.closeTo(px(440), 6), expect.closeTo(px(110), 6), "#2563eb"],
      ]);
      expect(tracking.map((b) => [b.x, b.width])).toEqual([[0, expect.closeTo(px(100), 6)], [expect.closeTo(px(100), 6), expect.closeTo(px(100), 6)]]);
      // With the shared scale's $0.001 (1,000 per million), the same 440 takes 440 × 440 / 1000 px.
      const wide = bars((await renderChart("c", "t", costByStageSpec(doc, scale))).svg);
      expect(wide.find((b) => b.label.includes("stage: auction; cost: query"))!.width).toBeCloseTo((440 * 440) / 1000, 6);
    });

    it("one stage every 22 px; dollars with two decimals and thousands on the axis; a legend titled cost", async () => {
      const svg = (await renderChart("c", "t", costByStageSpec(doc, scale))).svg;
      const shown = bars(svg);
      const y = (stage: string) => shown.find((b) => b.label.includes(`stage: ${stage}; cost: query`))!.y;
      expect(y("tracking") - y("auction")).toBeCloseTo(22, 6);
      expect(svg).toContain(">1,000.00</text>");
      expect(svg).toContain(">0.00</text>");
      expect(svg).toMatch(/aria-label="Symbol legend titled 'cost' for fill color with 2 values: query, compute"/);
      // No border around the plot; grid lines in the page's rule gray.
      expect(svg).not.toContain('stroke="#ddd"');
      const grid = [...svg.matchAll(/<g class="mark-rule role-axis-grid"[^>]*>(.*?)<\/g>/g)].map((m) => m[1]!).join("");
      const strokes = [...grid.matchAll(/<line [^>]*stroke="([^"]*)"/g)].map((m) => m[1]);
      expect(strokes.length).toBeGreaterThan(1);
      expect(new Set(strokes)).toEqual(new Set(["#e5e7eb"]));
    });
  });

  describe("latency", () => {
    const doc = { breakdown: { groups: [group("tracking", 0, 0, [1, 2, 5]), group("auction", 0, 0, [10, null, 40])] } } as unknown as ReportDoc;

    it("three percentiles per stage, a missing one as 0", () => {
      const spec = latencySpec(doc) as { data: { values: unknown[] } };
      expect(spec.data.values).toEqual([
        { stage: "tracking", percentile: "p50", ms: 1 }, { stage: "tracking", percentile: "p95", ms: 2 }, { stage: "tracking", percentile: "p99", ms: 5 },
        { stage: "auction", percentile: "p50", ms: 10 }, { stage: "auction", percentile: "p95", ms: 0 }, { stage: "auction", percentile: "p99", ms: 40 },
      ]);
    });

    it("the slowest stage (by its largest percentile) on top; the scale to the shared maximum", async () => {
      const shown = bars((await renderChart("l", "t", latencySpec(doc, scale))).svg);
      const top = (stage: string) => Math.min(...shown.filter((b) => b.label.includes(`stage: ${stage}`)).map((b) => b.y));
      expect(top("auction")).toBeLessThan(top("tracking"));
      // Scale 0..100 ms: auction's p99 of 40 ms is 176 px long.
      expect(shown.find((b) => b.label.includes("stage: auction") && b.label.includes("p99"))!.width).toBeCloseTo(176, 6);
      expect((latencySpec(doc) as { encoding: { x: { scale: unknown } } }).encoding.x.scale).toEqual({});
      const svg = (await renderChart("l", "t", latencySpec(doc))).svg;
      expect(svg).toContain(">span duration (ms)</text>");
    });
  });

  describe("latency: order, pitch, axis and legend", () => {
    // tracking: 30, 30, 30 ms (sum 90, mean 30, max 30); auction: 1, 1, 40 ms (sum 42, mean 14, max 40).
    // Only the largest percentile puts auction first.
    const long = "tracking-stage-with-a-long-name-x"; // 33 characters, about 290 px at 11 px
    const doc = { breakdown: { groups: [group(long, 0, 0, [30, 30, 30]), group("auction", 0, 0, [1, 1, 40])] } } as unknown as ReportDoc;

    it("orders stages by their largest percentile; each percentile's bar 10 px below the last", async () => {
      const svg = (await renderChart("l", "t", latencySpec(doc))).svg;
      const shown = bars(svg);
      const of = (stage: string) => shown.filter((b) => b.label.includes(`stage: ${stage};`)).sort((a, b) => a.y - b.y);
      expect(of("auction")[0]!.y).toBeLessThan(of(long)[0]!.y);
      expect(of("auction").map((b) => [b.label.match(/percentile: (p\d+)/)![1], b.fill])).toEqual([
        ["p50", "#93c5fd"], ["p95", "#3b82f6"], ["p99", "#1e3a8a"],
      ]);
      const ys = of(long).map((b) => b.y);
      expect([ys[1]! - ys[0]!, ys[2]! - ys[1]!]).toEqual([10, 10]);
      // Scale 0..40 ms: 1 ms is 11 px, 30 ms 330 px.
      expect(of("auction")[0]!.width).toBeCloseTo(11, 6);
      expect(of(long)[0]!.width).toBeCloseTo(330, 6);
    });

    it("milliseconds on the axis without forced decimals; the stage's full name; a legend below", async () => {
      const svg = (await renderChart("l", "t", latencySpec(doc))).svg;
      const axisLabels = [...svg.matchAll(/<text text-anchor="(?:start|middle|end)" transform="translate\([\d.]+,16\)"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
      expect(axisLabels).toContain("40");
      expect(axisLabels).toContain("0");
      // Up to 320 px of label is shown, so the 33-character stage is not cut short with "…".
      expect(svg).toContain(`>${long}</text>`);
      expect(svg).not.toContain("…");
      expect(svg).toMatch(/aria-label="Symbol legend titled 'percentile' for fill color with 3 values: p50, p95, p99"><g transform="translate\(0,(\d+)\)"/);
      // The legend lies below the plot (82.5 px high), its entries side by side (same y).
      const legendY = Number(svg.match(/role-legend"[^>]*><g transform="translate\(0,(\d+)\)"/)![1]);
      expect(legendY).toBeGreaterThan(82.5);
      const labelY = [...svg.matchAll(/role-legend-label[^>]*><text text-anchor="start" transform="translate\(16,(\d+)\)"/g)].map((m) => m[1]);
      expect(labelY).toEqual(["9", "9", "9"]);
      expect(svg).toContain('font-size="11px" font-weight="bold" fill="#000" opacity="1">percentile</text>');
    });
  });

  describe("queries", () => {
    const query = (stage: string, usd: number) => ({ stage, warehouse: "snowflake", calls: 1, cost_per_event_usd: usd, cost_share: 0, query: "select 1" });
    const queries = Array.from({ length: 12 }, (_, i) => query(`s${i}`, 0.0001 * (12 - i)));
    const doc = { queries } as unknown as ReportDoc;

    it("labels Q1 as the costliest, with its stage and warehouse", () => {
      expect(queryLabel(doc, 0)).toBe("Q1 · s0 (snowflake)");
      expect(queryLabel(doc, 11)).toBe("Q12 · s11 (snowflake)");
    });

    it("shows the top ten, in rank order, in USD per million events", async () => {
      expect(TOP_QUERIES).toBe(10);
      const spec = queriesSpec(doc) as { data: { values: { query: string; rank: number; usd: number }[] } };
      expect(spec.data.values).toHaveLength(10);
      expect(spec.data.values[0]).toEqual({ query: "Q1 · s0 (snowflake)", rank: 0, usd: 1200 });
      expect(spec.data.values[9]).toEqual({ query: "Q10 · s9 (snowflake)", rank: 9, usd: 300 });
      // Q1 is on top even when a later query costs more; bars in the query colour; shared scale 0..500.
      const swapped = { queries: [query("a", 0.0001), query("b", 0.0003)] } as unknown as ReportDoc;
      const shown = bars((await renderChart("q", "t", queriesSpec(swapped, scale))).svg);
      const q1 = shown.find((b) => b.label.includes("Q1 ·"))!;
      const q2 = shown.find((b) => b.label.includes("Q2 ·"))!;
      expect(q1.y).toBeLessThan(q2.y);
      expect(q1.fill).toBe("#c2410c");
      expect(q2.width).toBeCloseTo((300 * 440) / 500, 6);
      expect((queriesSpec(swapped) as { encoding: { x: { scale: unknown } } }).encoding.x.scale).toEqual({});
      // Ten queries: Q10 is drawn last, below Q9 (alphabetically it would come after Q1).
      const ten = bars((await renderChart("q", "t", queriesSpec(doc))).svg).sort((a, b) => a.y - b.y);
      expect(ten.map((b) => b.label.match(/query: (Q\d+)/)![1])).toEqual(Array.from({ length: 10 }, (_, i) => `Q${i + 1}`));
    });
  });

  describe("savings waterfall", () => {
    // Today $0.001234567 = 1,234.567 per million; cache saves 200, batch 34.567: 1,000 after.
    const doc = {
      headline: { cost_per_event_usd: 0.001234567 },
      savings: {
        rows: [
          { scenario: "s", lever: "cache", lever_label: "cache", stage: "tracking", savings_per_event_usd: 0.0002 },
          { scenario: "other", lever: "drop", lever_label: "drop", stage: "auction", savings_per_event_usd: 0.0009 },
          { scenario: "s", lever: "batch", lever_label: "batch", stage: "auction", savings_per_event_usd: 0.000034567 },
          { scenario: "s", lever: "total", lever_label: "total", stage: "", savings_per_event_usd: 0.000234567, cost_per_event_after_usd: 0.000999 },
        ],
        scenarios: [{ name: "s" }, { name: "other" }],
      },
    } as unknown as ReportDoc;

    it("steps from today down by each lever of the scenario to its total row's after", () => {
      const spec = waterfallSpec(doc, "s") as { data: { values: unknown[] } };
      expect(spec.data.values).toEqual([
        { step: "today", rank: 0, from: 0, to: 1234.567, end: 1234.567, kind: "total", label: "1,234.57" },
        { step: "cache · tracking", rank: 1, from: 1234.567, to: 1034.567, end: 1234.567, kind: "saving", label: "−200.00" },
        { step: "batch · auction", rank: 2, from: 1034.567, to: 1000, end: 1034.567, kind: "saving", label: "−34.57" },
        // The total row's own after ($0.000999 = 999 per million), not the steps' 1,000.
        { step: "after", rank: 3, from: 0, to: 999, end: 999, kind: "total", label: "999.00" },
      ]);
    });

    it("without a total row, after is where the steps end", () => {
      const noTotal = { ...doc, savings: { ...doc.savings, rows: doc.savings.rows.filter((r) => r.lever !== "total") } } as ReportDoc;
      const values = (waterfallSpec(noTotal, "other") as { data: { values: { step: string; to: number; label: string }[] } }).data.values;
      expect(values.map((v) => [v.step, v.to, v.label])).toEqual([
        ["today", 1234.567, "1,234.57"], ["drop · auction", 334.567, "−900.00"], ["after", 334.567, "334.57"],
      ]);
    });

    it("labels a negative step by its size; the scale to the shared maximum", async () => {
      const up = { headline: { cost_per_event_usd: 0.001 }, savings: { rows: [{ scenario: "s", lever: "l", lever_label: "l", stage: "a", savings_per_event_usd: -0.0012345 }], scenarios: [] } } as unknown as ReportDoc;
      const values = (waterfallSpec(up, "s") as { data: { values: { label: string; to: number }[] } }).data.values;
      expect(values.map((v) => [v.label, v.to])).toEqual([["1,000.00", 1000], ["−1,234.50", 2234.5], ["2,234.50", 2234.5]]);
      // $1.5 per event is 1,500,000 per million: two separators.
      const big = { headline: { cost_per_event_usd: 1.5 }, savings: { rows: [], scenarios: [] } } as unknown as ReportDoc;
      expect((waterfallSpec(big, "s") as { data: { values: { label: string }[] } }).data.values.map((v) => v.label)).toEqual(["1,500,000.00", "1,500,000.00"]);
      const layer = (s: unknown) => (s as { layer: { encoding: { x: { scale?: unknown } } }[] }).layer[0]!.encoding.x.scale;
      expect(layer(waterfallSpec(doc, "s"))).toEqual({});
      expect(layer(waterfallSpec(doc, "s", scale))).toEqual({ domain: [0, 2000], nice: true });
      // Rendered on 0..2000: the cache step runs from 1,034.567 to 1,234.567 (200 wide, 44 px).
      const shown = bars((await renderChart("w", "t", waterfallSpec(doc, "s", scale))).svg);
      const cache = shown.find((b) => b.label.includes("step: cache"))!;
      expect(cache.x).toBeCloseTo((1034.567 * 440) / 2000, 3);
      expect(cache.width).toBeCloseTo(44, 3);
      expect(cache.fill).toBe("#15803d");
      // Top to bottom in rank order (not the steps' alphabetical order), one step every 22 px.
      const rows = [...shown].sort((a, b) => a.y - b.y);
      expect(rows.map((b) => b.label.match(/step: ([^;]+)/)![1])).toEqual(["today", "cache · tracking", "batch · auction", "after"]);
      expect(rows[1]!.y - rows[0]!.y).toBeCloseTo(22, 6);
    });

    it("writes each step's label at the bar's end", async () => {
      const svg = (await renderChart("w", "t", waterfallSpec(doc, "s", scale))).svg;
      const labels = [...svg.matchAll(/<text aria-label="[^"]*" role="graphics-symbol" aria-roledescription="text mark" text-anchor="start" transform="translate\(([\d.]+),[\d.]+\)"[^>]*font-size="10px"[^>]*>([^<]*)<\/text>/g)]
        .map((m) => [Number(m[1]), m[2]]);
      // Left-aligned, 4 px right of the bar's end (end × 440 / 2000).
      expect(labels).toEqual([
        [expect.closeTo((1234.567 * 440) / 2000 + 4, 3), "1,234.57"], [expect.closeTo((1234.567 * 440) / 2000 + 4, 3), "−200.00"],
        [expect.closeTo((1034.567 * 440) / 2000 + 4, 3), "−34.57"], [expect.closeTo((999 * 440) / 2000 + 4, 3), "999.00"],
      ]);
    });
  });

  describe("rendering and the report's list", () => {
    const doc = {
      headline: { cost_per_event_usd: 0.001 },
      breakdown: { groups: [group("auction", 0.0004, 0.0001)] },
      queries: [],
      savings: { rows: [], scenarios: [{ name: "cache <all>" }, { name: "b" }] },
    } as unknown as ReportDoc;

    it("an SVG 440 px wide in its plot, on white, in the page's font, titled (escaped)", async () => {
      const chart = await renderChart("my-id", "A <b> & c", costByStageSpec(doc));
      expect(chart.id).toBe("my-id");
      expect(chart.title).toBe("A <b> & c");
      expect(chart.svg).toMatch(/^<svg [^>]*><title>A &lt;b&gt; &amp; c<\/title><rect width="\d+" height="\d+" fill="white"\/>/);
      expect(chart.svg).toContain('<path class="background" aria-hidden="true" d="M0,0h440v');
      expect(chart.svg).toContain('font-family="Helvetica, Arial, sans-serif" font-size="11px"');
      expect(chart.svg).toContain(">USD per 1M events</text>");
      // The title is not drawn a second time.
      expect(chart.svg.split("A &lt;b&gt; &amp; c")).toHaveLength(2);
    });

    it("cost, latency, queries when there are any, one waterfall per scenario; ids prefixed", async () => {
      const charts = await reportCharts(doc, "p-");
      expect(charts.map((c) => [c.id, c.title])).toEqual([
        ["p-cost-by-stage", "Cost per event by stage: warehouse queries and compute"],
        ["p-latency", "Span latency by stage: p50, p95, p99"],
        ["p-savings-1", "Savings, scenario “cache <all>”: cost per event from today to after"],
        ["p-savings-2", "Savings, scenario “b”: cost per event from today to after"],
      ]);
      const q = (n: number) => ({ stage: "a", warehouse: "w", calls: 1, cost_per_event_usd: 0.0001 * (n + 1), cost_share: 0, query: "q" });
      const withQueries = (n: number) => ({ ...doc, savings: { rows: [], scenarios: [] }, queries: Array.from({ length: n }, (_, i) => q(i)) }) as unknown as ReportDoc;
      expect((await reportCharts(withQueries(10))).map((c) => [c.id, c.title])).toEqual([
        ["cost-by-stage", "Cost per event by stage: warehouse queries and compute"],
        ["latency", "Span latency by stage: p50, p95, p99"],
        ["queries", "Warehouse queries by cost per event"],
      ]);
      expect((await reportCharts(withQueries(11)))[2]!.title).toBe("Warehouse queries by cost per event (top 10)");
    });

    it("passes the shared scale to every chart", async () => {
      const charts = await reportCharts(doc, "", scale);
      const widths = charts.map((c) => bars(c.svg)[0]!.width);
      // cost: 400 per million of queries on 0..1000; latency: p50 1 ms on 0..100; waterfall: today's 1,000 on 0..2000.
      expect(widths[0]).toBeCloseTo((400 * 440) / 1000, 6);
      expect(widths[1]).toBeCloseTo((1 * 440) / 100, 6);
      expect(widths[2]).toBeCloseTo((1000 * 440) / 2000, 6);
    });
  });
});
