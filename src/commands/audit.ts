// adtrace audit pii: where personal data flows in the spans (values never printed).
import type { Command } from "commander";
import { globals, print } from "./shared.js";
import { addClickHouseOptions, isClickHouseRun } from "./clickhouse.js";
import type { PiiFlags } from "./audit-options.js";

export function registerAudit(program: Command): void {
  const audit = program.command("audit").description("governance checks on the spans: audit pii");
  addClickHouseOptions(audit
    .command("pii")
    .description("where personal data flows: emails, IPs, phones, cards, device ids, locations, user ids and secrets in attributes, resources and statements (values never printed)")
    .argument("[inputs...]", "span files (else --db, else ./adtrace.duckdb), or a ClickHouse source: clickhouse://USER@HOST:8123/DB, chdb:PATH"))
    .option("--fail-on-pii", "exit 1 when any kind other than ip_internal (and hashed tokens) is found: for CI on staging exports")
    .option("--kinds <k,…>", "only these kinds: hashed, secret, email, card, device_id, ipv6, ipv4, ip_internal, geo, phone, user_id")
    .addHelpText("after", `
Detectors, in precedence order (a value one claims is hidden from those after it, so a card number
is never also a phone number):
  hashed       a token load --redact wrote (kind:16 hex digits): nothing personal is left
  (extras)     the config's pii.extra patterns, in their order
  secret       password=…, api_key=…, token=…, Authorization: Bearer …, Basic …
  email        name@domain.tld
  card         13–16 digits (up to 19 when grouped by spaces or dashes) with an issuer
               prefix and a valid Luhn checksum
  device_id    UUIDs (IDFA/GAID/AAID) under device-ish keys (device, advertising, idfa, gaid…)
  ipv6, ipv4   public addresses; private, loopback, link-local and reserved ones are ip_internal
               (no IPv4 under keys naming a version: 1.2.3.4 there is a version)
  geo          latitude,longitude pairs with 4+ decimals (not in statements)
  phone        E.164 (+ and 8–15 digits) or national forms (0 and 9–12 digits, NANP 3-3-4)
  by key name  what remains under keys named for a secret (password, token, authorization,
               cookie…), a device id (idfa, gaid, adid, device.id), a location (geo.lat, lon,
               latitude…) or a user (user.id, enduser.id, user_id, customer_id, username…)

Statements (db.statement, db.query.text) are scanned as text. In adtrace.config.yaml:

  pii:
    ignore_keys: [http.user_agent, "app.debug.*"]   # globs, never scanned
    extra:
      - pattern: 'cust-[0-9]{8}'                     # RE2 syntax
        kind: user_id

An unknown kind or a pattern RE2 refuses: exit 2 with file:line. Spans are stored spans, not
weighted by sampling. Examples are redacted (j***@e***.com, 203.0.x.x, **** **** **** 4242).

Examples:
  $ adtrace audit pii fixtures/auction/otlp.jsonl
  $ adtrace audit pii --db pipeline.duckdb --kinds email,phone --format csv
  $ adtrace audit pii staging-export.jsonl.gz --fail-on-pii     # exit 1 in CI when personal data is found
  $ adtrace audit pii chdb:/var/lib/clickhouse --since 24h

Over a ClickHouse source the detectors run locally on a sample of up to 20,000 whole events
(all of them when the range holds fewer; the verdict says "scanned N of M events" otherwise):
only the sampled events' spans leave the engine, and a leak outside the sample is not seen.`)
    .action(async (inputs: string[], flags: PiiFlags, command: Command) => {
      const options = globals(command);
      const { piiOptions } = await import("./audit-options.js");
      const typed = piiOptions(inputs, flags, options);
      const { withSpans } = await import("../analysis/inputs.js");
      const { loadConfig } = await import("../model/config.js");
      const { auditPii } = await import("../analysis/pii.js");
      const { piiView } = await import("../output/pii-view.js");
      const { CheckFailed } = await import("../errors.js");
      const result = isClickHouseRun(inputs, options)
        ? await (await import("./clickhouse-report.js")).clickhousePiiAudit(inputs, options, typed.kinds, typed.source.model ?? {})
        : await ((config) => withSpans(typed.source, (source) => auditPii(source.db, config.pii, { kinds: typed.kinds })))(loadConfig(options.config));
      await print(piiView(result), options);
      if (typed.failOnPii && result.personal_kinds.length) {
        throw new CheckFailed(`personal data found: ${result.personal_kinds.join(", ")}`, [
          ...result.personal_kinds.map((k) => `${k}: ${result.rows.filter((r) => r.kind === k).length} service/span/key combination(s)`),
        ]);
      }
    });
}
