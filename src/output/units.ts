// Human units for tables and Markdown: money, durations, shares, counts, bytes. Machine formats
// (CSV, JSON) never use these; they print numbers to 12 significant digits (machineNumber).

/**
 * Dollars: three significant digits below $1 ("$0.00160"), cents to $10k ("$1,234.56"), then
 * compact ("$692k", "$253M"). The value is first taken to 12 significant digits and then rounded
 * half-to-even, so the same amount reached by different float sums (0.0003575 and
 * 0.00035750000000000023) prints the same everywhere.
 */
export function formatUsd(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || Number.isNaN(usd)) return "–";
  if (usd === 0) return "$0";
  const sign = usd < 0 ? "-" : "";
  let abs = Number(Math.abs(usd).toPrecision(12));
  if (abs < 1e-9) return `${sign}$${abs.toExponential(2)}`;
  // Each range rounds to its own precision first: a value that rounds up into the next range
  // (0.99999, 9999.995) is shown as that range shows it.
  if (abs < 1) {
    const text = toFixedHalfEven(abs, Math.min(20, Math.max(2, 2 - Math.floor(Math.log10(abs)))));
    if (Number(text) < 1) return `${sign}$${text}`;
    abs = Number(text);
  }
  if (abs < 10_000) {
    const text = toFixedHalfEven(abs, 2);
    if (Number(text) < 10_000) return `${sign}$${text.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}`;
    abs = Number(text);
  }
  return `${sign}$${compact(abs)}`;
}

/**
 * `value.toFixed(digits)` for a non-negative value, decided on its 12-significant-digit decimal
 * form and rounding a tie to the even digit (toFixed decides on the binary value, so 0.0003575
 * and 0.00035750000000000023 would round apart).
 */
export function toFixedHalfEven(value: number, digits: number): string {
  const [mantissa, exponent] = Math.abs(value).toExponential(11).split("e");
  const significand = mantissa!.replace(".", "");
  const keep = Number(exponent) + 1 + digits;
  if (keep < 0) return (0).toFixed(digits);
  const kept = significand.slice(0, keep).padEnd(keep, "0");
  const rest = significand.slice(keep);
  const lastKept = keep > 0 ? Number(kept[keep - 1]) : 0;
  const roundUp = rest[0] !== undefined && (rest[0] > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) || lastKept % 2 === 1)));
  const scaled = (BigInt(kept || "0") + (roundUp ? 1n : 0n)).toString().padStart(digits + 1, "0");
  return digits === 0 ? scaled : `${scaled.slice(0, -digits)}.${scaled.slice(-digits)}`;
}

/** Milliseconds with three significant digits, switching to seconds from 1 s. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "–";
  const abs = Math.abs(ms);
  if (abs === 0) return "0 ms";
  if (abs < 0.001) return `${threeDigits(ms * 1000)} µs`;
  const text = threeDigits(ms);
  // 999.6 ms shows as 1.00 s, not "1000 ms".
  return Math.abs(Number(text)) >= 1000 ? `${threeDigits(ms / 1000)} s` : `${text} ms`;
}

export function formatShare(share: number | null | undefined, digits = 1): string {
  if (share === null || share === undefined || Number.isNaN(share)) return "–";
  return `${(share * 100).toFixed(digits)}%`;
}

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return "–";
  return groupedCount(n) ?? (Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 2 }));
}

/**
 * What `n.toLocaleString("en-US", { maximumFractionDigits: 2 })` writes (an integer keeps all its
 * digits), built from the number's shortest decimal form (String(n)), which is what ICU rounds:
 * the second fractional digit rounded half away from zero, trailing zeros dropped, thousands
 * grouped with commas. The first toLocaleString of a process sets up ICU's number formatting,
 * 30–75 ms of CPU, for a note's "280 spans"; the same text costs microseconds here. Undefined for
 * what this does not cover (an exponent form: below 1e-6 or from 1e21; −0; ±Infinity), which the
 * caller hands to toLocaleString (test/fixed-cost-lazy.test.ts compares the two).
 */
export function groupedCount(n: number): string | undefined {
  const text = String(n);
  if (!/^-?\d+(\.\d+)?$/.test(text) || Object.is(n, -0)) return undefined;
  const negative = text.startsWith("-");
  const [whole, fraction = ""] = (negative ? text.slice(1) : text).split(".") as [string, string?];
  let digits = whole + fraction.slice(0, 2).padEnd(2, "0");
  if ((fraction[2] ?? "0") >= "5") digits = (BigInt(digits) + 1n).toString().padStart(digits.length, "0");
  // String(n) writes no leading zero but a lone "0", and a carry only adds digits: none to trim.
  const integer = digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = digits.slice(-2).replace(/0+$/, "");
  return `${negative ? "-" : ""}${integer}${cents ? `.${cents}` : ""}`;
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || Number.isNaN(bytes)) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes;
  let unit = 0;
  // Rounding counts: 1023.9 KiB shows as 1.00 MiB.
  while (Math.abs(unit === 0 ? value : Number(threeDigits(value))) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${threeDigits(value)} ${units[unit]}`;
}

/** A bar of `width` cells for a share 0..1, with eighth-cell resolution. */
export function shareBar(share: number, width = 12): string {
  const eighths = Math.round(Math.max(0, Math.min(1, share)) * width * 8);
  const full = Math.floor(eighths / 8);
  const rest = eighths % 8;
  return "█".repeat(full) + (rest ? "▏▎▍▌▋▊▉"[rest - 1] : "");
}

/** 692000 → "692k", 252580000 → "253M", 1.234e9 → "1.23B"; 999500 → "1.00M", not "1000k". */
function compact(value: number): string {
  const units: [number, string][] = [[1e3, "k"], [1e6, "M"], [1e9, "B"], [1e12, "T"]];
  let i = units.length - 1;
  while (i > 0 && value < units[i]![0]) i--;
  let text = threeDigits(Number((value / units[i]![0]).toPrecision(12)));
  if (Number(text) >= 1000 && i < units.length - 1) text = threeDigits(Number((value / units[++i]![0]).toPrecision(12)));
  return `${text}${units[i]![1]}`;
}

/** Three significant digits (at least two decimals below 10), half to even; 99.96 → "100", not "100.0". */
function threeDigits(value: number): string {
  const places = (v: number) => (v >= 100 ? 0 : v >= 10 ? 1 : 2);
  const abs = Math.abs(value);
  let text = toFixedHalfEven(abs, places(abs));
  if (places(Number(text)) !== places(abs)) text = toFixedHalfEven(Number(text), places(Number(text)));
  return `${value < 0 ? "-" : ""}${text}`;
}

/**
 * A number as CSV and JSON write it: 12 significant digits. Float arithmetic leaves noise past
 * those (0.00035749999999999996 for 0.0003575, 2.000000000000002e-05 for 2e-05) that no reader
 * should see and that must not make two equal results differ in their bytes. Exact integers
 * (counts, bytes) are written as they are.
 */
export function machineNumber(value: number): number {
  return Number.isSafeInteger(value) ? value : Number(value.toPrecision(12));
}

const SPARK_BLOCKS = "▁▂▃▄▅▆▇█";

/**
 * One character per value, a gap where there is none. Scaled from the smallest value to the
 * largest (a flat series is drawn mid-height), or with `fromZero` from 0 to the largest (a flat
 * series of zeros lies at the bottom). Values are taken to 12 significant digits, as CSV and JSON
 * print them: a series they show flat is drawn flat, not as swings of floating-point noise.
 */
export function sparkline(raw: readonly (number | null)[], options: { fromZero?: boolean } = {}): string {
  const values = raw.map((v) => (v === null ? null : Number(v.toPrecision(12))));
  const present = values.filter((v): v is number => v !== null);
  if (!present.length) return "";
  const lo = options.fromZero ? 0 : Math.min(...present);
  const hi = Math.max(lo, ...present);
  const flat = SPARK_BLOCKS[options.fromZero ? 0 : 3]!;
  return values.map((v) => (v === null ? " " : hi === lo ? flat : SPARK_BLOCKS[Math.min(7, Math.floor(((v - lo) / (hi - lo)) * 8))])).join("");
}
