// The resolve hook loaded-modules.mjs registers: records each resolved URL (see there).
import { appendFileSync } from "node:fs";

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (process.env.ADTRACE_TEST_MODULES_FILE) appendFileSync(process.env.ADTRACE_TEST_MODULES_FILE, `${result.url}\n`);
  return result;
}
