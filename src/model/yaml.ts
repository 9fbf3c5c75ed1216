// YAML files a user hands us (the config, savings scenario files), parsed so that a hostile file
// is bad input, never an internal error: a document nested deeper than any real one overflows the
// parser's stack (50,000 levels fit in 100 KB), and aliases can expand a few lines into billions
// of nodes (an alias bomb). Both are an InputError naming the file (and line, where known).
// The yaml package is loaded here only, on first use (yamlApi): a command with no config file and
// no scenario file never reads a YAML document, and loading the package costs about 80 ms of CPU.
import { createRequire } from "node:module";
import type { Document, LineCounter, Node } from "yaml";
import { InputError } from "../errors.js";

export type YamlApi = typeof import("yaml");

let api: YamlApi | undefined;

/**
 * The yaml package, loaded once on first call. It is CommonJS (its "node" export is dist/index.js),
 * so require() reads it directly, where import would have Node's ESM loader lex its ~70 files again.
 */
export function yamlApi(): YamlApi {
  api ??= createRequire(import.meta.url)("yaml") as YamlApi;
  return api;
}

/** Deeper than this is refused: a config nests about six levels, a scenario file four. */
export const MAX_YAML_DEPTH = 64;
/** Alias nodes resolved when reading a document (the yaml package's own default, stated here). */
const MAX_ALIAS_COUNT = 100;

export interface ParsedYaml {
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

/** Parse `text` (read from `file`); a document too deep to read is refused with the line where it gets too deep. */
export function parseYamlFile(text: string, file: string, options: { uniqueKeys?: boolean; prettyErrors?: boolean } = {}): ParsedYaml {
  const { LineCounter, parseDocument } = yamlApi();
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    // logLevel "error": the yaml package would print its warnings (a mapping used as a key) as a
    // Node process warning on stderr; the key, stringified, reaches the checks and their messages.
    doc = parseDocument(text, { lineCounter, logLevel: "error", ...options });
  } catch (error) {
    if (isStackOverflow(error)) throw tooDeep(file);
    throw error;
  }
  const deep = deepestNode(doc.contents as Node | null);
  if (deep) throw tooDeep(deep.range ? `${file}:${lineCounter.linePos(deep.range[0]).line}` : file);
  return { doc, lineCounter };
}

/** The document as plain data; more aliases than MAX_ALIAS_COUNT (an alias bomb) is bad input. */
export function yamlToJson(parsed: ParsedYaml, file: string): unknown {
  try {
    return parsed.doc.toJS({ json: true, maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (error instanceof ReferenceError && /^Unresolved alias/.test(error.message)) {
      throw new InputError(unresolvedAlias(parsed, file), `invalid YAML (${error.message})`, { cause: error });
    }
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      throw new InputError(file, `too many YAML aliases (more than ${MAX_ALIAS_COUNT} expansions: an alias bomb?)`, { cause: error });
    }
    if (isStackOverflow(error)) throw tooDeep(file);
    throw error;
  }
}

/** file:line of the first alias whose anchor is not set before it (`*name` alone). */
function unresolvedAlias({ doc, lineCounter }: ParsedYaml, file: string): string {
  const { visit } = yamlApi();
  let where = file;
  visit(doc, {
    Alias(_, node) {
      if (node.resolve(doc) !== undefined) return undefined;
      if (node.range) where = `${file}:${lineCounter.linePos(node.range[0]).line}`;
      return visit.BREAK;
    },
  });
  return where;
}

const tooDeep = (where: string) => new InputError(where, `YAML nested too deeply (more than ${MAX_YAML_DEPTH} levels)`);

/** V8's stack overflow: a RangeError, or wrapped in the error of whatever overflowed (compiling a regular expression). */
function isStackOverflow(error: unknown): boolean {
  return error instanceof Error && /Maximum call stack size exceeded/i.test(error.message);
}

/** The first node deeper than MAX_YAML_DEPTH, walked without recursion; undefined when none is. */
function deepestNode(root: Node | null): Node | undefined {
  const { isAlias, isCollection, isPair } = yamlApi();
  const stack: [unknown, number][] = root ? [[root, 1]] : [];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (isPair(node)) {
      stack.push([node.key, depth], [node.value, depth]);
      continue;
    }
    if (!isCollection(node) || isAlias(node)) continue;
    if (depth > MAX_YAML_DEPTH) return node;
    for (const item of node.items) stack.push([item, depth + 1]);
  }
  return undefined;
}

/**
 * A mapping key as the parsed data has it (yaml's toJS({ json: true })): a null key is "", a
 * mapping or list used as a key its flow text (`{ a: 1 }`, `[ a, b ]`), as yaml writes it, without
 * the anchor or tag the key itself carries (toJS drops those; the items keep theirs). An alias key
 * (`*a : …`) is the scalar it names (toJS resolves it); an alias to a collection stays `*a`, as
 * toJS writes it.
 */
export function jsKey(key: unknown, doc: Document.Parsed): string {
  const { isAlias, isCollection, isScalar, stringify } = yamlApi();
  if (isAlias(key)) {
    const target = key.resolve(doc);
    if (isScalar(target)) key = target;
  }
  if (isCollection(key)) {
    const bare = key.clone();
    bare.anchor = undefined;
    bare.tag = undefined;
    return stringify(bare, { collectionStyle: "flow" }).trimEnd();
  }
  const value = isScalar(key) ? key.value : key;
  return value === null || value === undefined ? "" : String(value);
}
