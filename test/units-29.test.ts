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
