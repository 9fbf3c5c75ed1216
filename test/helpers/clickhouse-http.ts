// A stand-in for a ClickHouse server's HTTP interface (issue 17), on loopback, for the tests of the
// HTTP path: the official @clickhouse/client talks to it as to a server. It is a protocol-level
// stand-in, not ClickHouse: it parses what the client sends (the SQL text in the POST body, the
// typed parameters as param_NAME, settings and database in the query string, the user and
// password in Basic auth) and answers as a ClickHouse server does on the wire: JSONEachRow rows,
// or an error (status, X-ClickHouse-Exception-Code, `Code: N. DB::Exception: … (NAME) (version …)`),
// or a failure after the headers went out. What it answers is each test's `answer` function.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface CapturedRequest {
  /** The SQL text the client sent, without the `FORMAT …` line it appends. */
  sql: string;
  format: string | undefined;
  /** param_NAME=… as sent: the engine parses each as the type its {NAME:Type} placeholder declares. */
  params: Record<string, string>;
  /** The other query-string settings (max_execution_time, database, query_id…). */
  settings: Record<string, string>;
  user: string;
  password: string;
}

export type Answer = (request: CapturedRequest, res: ServerResponse) => void;

export interface StandIn {
  port: number;
  requests: CapturedRequest[];
  close(): Promise<void>;
}

const VERSION = "(version 24.8.4.13 (official build))";

/** Start a stand-in on 127.0.0.1 at an OS-chosen port; `answer` replies to every request. */
export async function startStandIn(answer: Answer): Promise<StandIn> {
  const requests: CapturedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const url = new URL(req.url ?? "/", "http://stand-in");
      const params: Record<string, string> = {};
      const settings: Record<string, string> = {};
      for (const [key, value] of url.searchParams) {
        if (key.startsWith("param_")) params[key.slice(6)] = value;
        else settings[key] = value;
      }
      // The client sends the query trimmed, then " \nFORMAT <format>" (client-common's formatQuery).
      const format = / \nFORMAT (\w+)$/.exec(body)?.[1];
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      const credentials = basic ? Buffer.from(basic, "base64").toString("utf8") : ":";
      const colon = credentials.indexOf(":");
      const request: CapturedRequest = {
        sql: body.replace(/ \nFORMAT \w+$/, ""),
        format,
        params,
        settings,
        user: credentials.slice(0, colon),
        password: credentials.slice(colon + 1),
      };
      requests.push(request);
      answer(request, res);
    });
  });
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An error as ClickHouse sends it before any header: the HTTP status, the code header, one line of text. */
export function answerError(res: ServerResponse, status: number, code: number, name: string, message: string): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=UTF-8", "X-ClickHouse-Exception-Code": String(code) });
  res.end(`Code: ${code}. DB::Exception: ${message}. (${name}) ${VERSION}\n`);
}

/** Rows as JSONEachRow with a 200, as a successful query answers. */
export function answerRows(res: ServerResponse, text: string): void {
  res.writeHead(200, { "Content-Type": "application/x-ndjson; charset=UTF-8", "X-ClickHouse-Format": "JSONEachRow" });
  res.end(text);
}

/**
 * A failure after the 200 and some rows went out (progress headers flush the status early):
 * before 25.11 the exception is appended to the body as a line; from 25.11 it is framed by the
 * response's X-ClickHouse-Exception-Tag (`tag`).
 */
export function answerMidStream(res: ServerResponse, rows: string, code: number, name: string, message: string, tag?: string): void {
  res.writeHead(200, {
    "Content-Type": "application/x-ndjson; charset=UTF-8",
    "X-ClickHouse-Progress": '{"read_rows":"1000","read_bytes":"80000","total_rows_to_read":"10000"}',
    ...(tag ? { "X-ClickHouse-Exception-Tag": tag } : {}),
  });
  res.write(rows);
  const text = `Code: ${code}. DB::Exception: ${message}. (${name}) ${VERSION}`;
  if (tag) res.end(`\r\n__exception__\r\n${tag}\r\n${text}\n${Buffer.byteLength(text) + 1} ${tag}\r\n__exception__\r\n`);
  else res.end(`${text}\n`);
}

/** The otel_traces columns as system.columns answers the schema check (JSONEachRow). */
export const OTEL_COLUMNS = ["Timestamp", "TraceId", "SpanId", "ParentSpanId", "TraceState", "SpanName", "SpanKind", "ServiceName",
  "ResourceAttributes", "SpanAttributes", "Duration", "StatusCode"].map((name) => JSON.stringify({ name })).join("\n") + "\n";
