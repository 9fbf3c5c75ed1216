// The spool: canonical spans written as NDJSON to temporary files, which DuckDB then reads in
// parallel (read_json with typed columns, attributes straight into MAPs) into the staging table.
// JS only parses the source format and writes one line per span; DuckDB does the rest.
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SpanRecord } from "./span.js";

const FLUSH_BYTES = 4 << 20;

// One-letter keys (queries/spans.sql spool_macro names them): the spool is written and read once
// per span, and the canonical names made up a third of its bytes.
// t trace_id, s span_id, p parent_span_id, n name, v service, k kind, c status, b start_ns,
// d duration_ns, a attributes, r resource_attributes, x trace_state.

/** One canonical span as an NDJSON line (64-bit integers written exactly, as JSON numbers). */
export function spanLine(span: SpanRecord): string {
  return (
    `{"t":"${span.traceId}","s":"${span.spanId}","p":${span.parentSpanId === null ? "null" : `"${span.parentSpanId}"`},` +
    `"n":${JSON.stringify(span.name)},"v":${JSON.stringify(span.service)},"k":"${span.kind}","c":"${span.status}",` +
    `"b":${span.startNs},"d":${span.durationNs},"a":${JSON.stringify(span.attributes)},` +
    `"r":${JSON.stringify(span.resourceAttributes)},"x":${span.traceState === null ? "null" : JSON.stringify(span.traceState)}}\n`
  );
}

export class SpoolWriter {
  rows = 0;
  private fd: number;
  // Lines are encoded straight into one reused buffer: concatenating strings and writing them
  // costs more in rope flattening than the write itself.
  private buffer = Buffer.allocUnsafe(FLUSH_BYTES);
  private used = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, "a");
  }

  write(span: SpanRecord): void {
    const line = spanLine(span);
    if (this.used + line.length * 3 > this.buffer.length) {
      this.flush();
      if (line.length * 3 > this.buffer.length) this.buffer = Buffer.allocUnsafe(line.length * 3);
    }
    this.used += this.buffer.write(line, this.used, "utf8");
    this.rows++;
  }

  flush(): void {
    // A write near a full disk or the file-size limit may write only part: write the rest, so
    // the next call reports ENOSPC/EFBIG instead of the spool silently losing its tail.
    try {
      for (let done = 0; done < this.used; ) done += writeSync(this.fd, this.buffer, done, this.used - done);
    } catch (error) {
      // A write by descriptor names no file: say which (a full disk is then reported where it is).
      throw Object.assign(error as Error, { path: this.path });
    }
    this.used = 0;
  }

  /** Flush and close; closing again (after a failure) does nothing. */
  close(): void {
    if (this.fd < 0) return;
    try {
      this.flush();
    } finally {
      const fd = this.fd;
      this.fd = -1;
      this.used = 0;
      closeSync(fd);
    }
  }
}

/** A temporary directory for one load's spool files, removed with `remove()`. */
export class SpoolDir {
  readonly path = mkdtempSync(join(tmpdir(), "adtrace-spool-"));
  private count = 0;

  /** A new file in the directory (also for copies of inputs that DuckDB reads by path). */
  file(extension = "ndjson"): string {
    return join(this.path, `part-${this.count++}.${extension}`);
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}
