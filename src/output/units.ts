// Human units for tables and Markdown: money, durations, shares, counts, bytes. Machine formats
// (CSV, JSON) never use these; they print full-precision numbers.

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
  const abs = Number(Math.abs(usd).toPrecision(12));
  if (abs >= 10_000) return `${sign}$${compact(abs)}`;
  if (abs >= 1) return `${sign}$${toFixedHalfEven(abs, 2).replace(/\B(?=(\d{3})+(?!\d))/g, ",")}`;
  if (abs < 1e-9) return `${sign}$${abs.toExponential(2)}`;
  const digits = Math.min(20, Math.max(2, 2 - Math.floor(Math.log10(abs))));
  return `${sign}$${toFixedHalfEven(abs, digits)}`;
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
  if (abs >= 1000) return `${trim3(ms / 1000)} s`;
  if (abs === 0) return "0 ms";
  if (abs < 0.001) return `${trim3(ms * 1000)} µs`;
  return `${trim3(ms)} ms`;
}

export function formatShare(share: number | null | undefined, digits = 1): string {
  if (share === null || share === undefined || Number.isNaN(share)) return "–";
  return `${(share * 100).toFixed(digits)}%`;
}

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return "–";
  return Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || Number.isNaN(bytes)) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${trim3(value)} ${units[unit]}`;
}

/** A bar of `width` cells for a share 0..1, with eighth-cell resolution. */
export function shareBar(share: number, width = 12): string {
  const eighths = Math.round(Math.max(0, Math.min(1, share)) * width * 8);
  const full = Math.floor(eighths / 8);
  const rest = eighths % 8;
  return "█".repeat(full) + (rest ? "▏▎▍▌▋▊▉"[rest - 1] : "");
}

/** 692000 → "692k", 252580000 → "253M", 1.234e9 → "1.23B". */
function compact(value: number): string {
  const units: [number, string][] = [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "k"]];
  const three = (v: number) => toFixedHalfEven(v, v >= 100 ? 0 : v >= 10 ? 1 : 2);
  for (const [size, suffix] of units) if (value >= size) return `${three(Number((value / size).toPrecision(12)))}${suffix}`;
  return three(value);
}

function trim3(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
