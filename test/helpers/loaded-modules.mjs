// Preloaded into a CLI child (node --import) by tests of what a command loads: every module URL
// the child resolves is appended, one a line, to the file ADTRACE_TEST_MODULES_FILE names. The
// hook runs on Node's loader thread (loaded-modules-hook.mjs).
import { register } from "node:module";

register("./loaded-modules-hook.mjs", import.meta.url);
