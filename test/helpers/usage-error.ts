// The message of the UsageError a pure options function throws (the options layers of
// src/commands/*-options.ts), as the CLI prints it after "adtrace: error: "; fails when nothing
// or something else is thrown.
import { expect } from "vitest";
import { UsageError } from "../../src/errors.js";

export function usageError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error("no error");
}
