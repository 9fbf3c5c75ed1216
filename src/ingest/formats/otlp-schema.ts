// The OTLP trace messages adtrace reads, as protobuf schema text for protobufjs: the field numbers
// and types of opentelemetry-proto's trace, common, resource and collector trace-service messages
// (and google.rpc.Status for error replies). Only the fields ingest reads are declared: protobufjs
// skips the others (events, links, dropped counts, flags, schema URLs) without building objects for
// them, which is most of what makes binary ingest cheap. The legacy instrumentation_library_spans
// (field 1000 of ResourceSpans, reserved since OTLP 0.19) is kept, as the JSON reader keeps it.
// protobufjs (CommonJS, ~45 files, about 70 ms of CPU to load) is required on first use, so a
// command that reads no OTLP protobuf (the format registry imports this module) does not load it.
import { createRequire } from "node:module";
import type protobuf from "protobufjs";

const SCHEMA = `
syntax = "proto3";
package adtrace.otlp;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }

message Resource { repeated KeyValue attributes = 1; }

message Status { string message = 2; int32 code = 3; }

message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  Status status = 15;
}

message ScopeSpans { repeated Span spans = 2; }

message ResourceSpans {
  Resource resource = 1;
  repeated ScopeSpans scope_spans = 2;
  repeated ScopeSpans instrumentation_library_spans = 1000;
}

// TracesData and ExportTraceServiceRequest have the same fields: one message serves both.
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }

message ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }

// google.rpc.Status, the body of an OTLP/HTTP error reply (details left empty).
message RpcStatus { int32 code = 1; string message = 2; }
`;

let root: protobuf.Root | undefined;

/** The parsed schema (parsed once per thread, on first use). */
function schema(): protobuf.Root {
  root ??= (createRequire(import.meta.url)("protobufjs") as typeof protobuf).parse(SCHEMA, { keepCase: true }).root;
  return root;
}

export function otlpType(name: "ExportTraceServiceRequest" | "ResourceSpans" | "ExportTraceServiceResponse" | "RpcStatus"): protobuf.Type {
  return schema().lookupType(`adtrace.otlp.${name}`);
}
