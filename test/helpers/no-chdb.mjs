// Run the CLI as on a machine without the optional chdb package: `node --import` this file (e.g.
// NODE_OPTIONS="--import ./test/helpers/no-chdb.mjs") registers a resolve hook under which the
// bare specifier `chdb` cannot be found, exactly as Node reports a package that is not installed.
// With ADTRACE_TEST_CHDB=broken it resolves but fails to load instead, as a native library built
// for another machine does. The engine itself is not mocked: it is simply absent.
import { register } from "node:module";

const broken = process.env.ADTRACE_TEST_CHDB === "broken";
const hooks = `
export async function resolve(specifier, context, next) {
  if (specifier === "chdb" || specifier.startsWith("chdb/")) {
    if (${broken}) return { url: "data:text/javascript," + encodeURIComponent("throw new Error('libchdb.so: cannot open shared object file')"), shortCircuit: true };
    const error = new Error("Cannot find package '" + specifier + "' imported from " + (context.parentURL ?? "?"));
    error.code = "ERR_MODULE_NOT_FOUND";
    throw error;
  }
  return next(specifier, context);
}
`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
