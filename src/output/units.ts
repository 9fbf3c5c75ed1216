// Human units for tables and Markdown: money, durations, shares, counts, bytes. Machine formats
// (CSV, JSON) never use these; they print full-precision numbers.

/** Dollars: three significant digits below $1 ("$0.00160"), cents to $10k ("$1,234.56"), then compact ("$692k", "$253M"). */
export function formatUsd(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || Number.isNaN(usd)) return "–";
  if (usd === 0) return "$0";
  const sign = usd < 0 ? "-" : "";
  const abs = Math.abs(usd);
  if (abs >= 10_000) return `${sign}$${compact(abs)}`;
  if (abs >= 1) return `${sign}$${abs.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  if (abs < 1e-9) return `${sign}$${abs.toExponential(2)}`;
  const digits = Math.min(20, Math.max(2, 2 - Math.floor(Math.log10(abs))));
  return `${sign}$${abs.toFixed(digits)}`;
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
  for (const [size, suffix] of units) if (value >= size) return `${trim3(value / size)}${suffix}`;
  return trim3(value);
}

function trim3(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
