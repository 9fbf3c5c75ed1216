// Real exports written by other projects (../shared/samples, see its README): exact counts,
// parents and durations, worked out by reading the JSON.
import { describe, expect, it } from "vitest";
import { Db } from "../src/core/db.js";
import { loadInputs } from "../src/ingest/load.js";

const SAMPLES = new URL("../../shared/samples/", import.meta.url).pathname;

async function spansOf(file: string) {
  const db = await Db.open();
  try {
    const load = await loadInputs(db, { inputs: [SAMPLES + file] });
    const rows = await db.all("SELECT trace_id, span_id, parent_span_id, name, service, kind, status, duration_ns, attributes FROM spans ORDER BY start_ns, span_id");
    return { load, rows };
  } finally {
    db.close();
  }
}

describe("shared samples", () => {
  it("opentelemetry-proto example: upper-case ids, numeric times, a parent outside the file", async () => {
    const { rows } = await spansOf("otlp-proto-example-trace.json");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      trace_id: "5b8efff798038103d269b633813fc60c", span_id: "eee19b7ec3c1b174", parent_span_id: "eee19b7ec3c1b173",
      name: "I'm a server span", service: "my.service", kind: "SERVER", duration_ns: 1_000_000_000,
      attributes: { "my.span.attr": "some value" },
    });
  });

  it("Jaeger's OTLP example: five root spans over three resources, 100 µs each", async () => {
    const { rows } = await spansOf("otlp-jaeger-example_trace.json");
    expect(rows.map((r) => r.span_id).sort()).toEqual(["0000000000000003", "0000000000000004", "0000000000000005", "0000000000000006", "0000000000000007"]);
    expect(new Set(rows.map((r) => r.trace_id))).toEqual(new Set(["00000000000000000000000000000011"]));
    expect(rows.every((r) => r.parent_span_id === null && r.duration_ns === 100_000)).toBe(true);
    expect(new Set(rows.map((r) => r.service)).size).toBe(3);
    expect(rows.find((r) => r.span_id === "0000000000000006")!.kind).toBe("SERVER");
    expect(rows.find((r) => r.span_id === "0000000000000007")!.kind).toBe("CLIENT");
  });

  it("Jaeger UI JSON: the span listed twice is one span and one duplicate; parent from CHILD_OF", async () => {
    const { rows, load } = await spansOf("jaeger-otlp2jaeger-out.json");
    expect(rows).toHaveLength(1);
    expect(load.duplicates).toBe(1);
    expect(load.conflicts).toBe(0);
    expect(rows[0]).toMatchObject({
      trace_id: "83a9efd15c1c98a977e0711cc93ee28b", span_id: "e127af99e3b3e074", parent_span_id: "909541b92cf05311",
      name: "okey-dokey-0", duration_ns: 123_000,
    });
  });

  it("Zipkin simple-db: five spans, one root, durations in µs", async () => {
    const { rows } = await spansOf("zipkin-simple-db-p6.json");
    expect(rows).toHaveLength(5);
    const root = rows.find((r) => r.parent_span_id === null)!;
    expect(root).toMatchObject({ span_id: "19f84f102048e047", name: "http:/book", service: "bootifulmeters", duration_ns: 252_016_000 });
    expect(rows.filter((r) => r.parent_span_id === "19f84f102048e047")).toHaveLength(4);
    expect(rows.map((r) => r.duration_ns).sort((a, b) => Number(a) - Number(b))).toEqual([1_118_000, 2_033_000, 2_414_000, 6_051_000, 252_016_000]);
    expect(rows.find((r) => r.span_id === "5d532ef6fed52445")!.attributes).toEqual({ "sql.query": "insert into revinfo (rev, revtstmp) values (null, 1541485537483)" });
  });

  it("Zipkin yelp: 16 spans including three shared client/server pairs, all kept", async () => {
    const { rows, load } = await spansOf("zipkin-yelp.json");
    expect(rows).toHaveLength(16);
    expect(load.duplicates).toBe(0);
    const roots = rows.filter((r) => r.parent_span_id === null);
    expect(roots.map((r) => r.span_id)).toEqual(["2e8cfb154b59a41f"]);
    // The server half of a shared id becomes a child of the client half…
    const spectre = rows.find((r) => r.service === "spectre")!;
    expect(spectre.parent_span_id).toBe("7a778764a0d0b594");
    expect(spectre.duration_ns).toBe(1_490_000);
    // …and the mobile_api spans under the shared id hang off the server half.
    const mobileServer = rows.find((r) => r.service === "mobile_api" && r.kind === "SERVER")!;
    expect(mobileServer.parent_span_id).toBe("f5f268651b2a2b34");
    const children = rows.filter((r) => r.parent_span_id === mobileServer.span_id);
    expect(children.map((r) => r.name).sort()).toEqual(["get", "get_multi mobile_api_nonce", "post", "set mobile_api_nonce"]);
    const ids = new Set(rows.map((r) => r.span_id));
    expect(rows.filter((r) => r.parent_span_id !== null && !ids.has(String(r.parent_span_id)))).toEqual([]);
  });
});
