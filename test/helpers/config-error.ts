import { parseConfig } from "../../src/model/config.js";

/** The message parseConfig throws for a config file `c.yaml` holding `text`, or "no error". */
export function configError(text: string): string {
  try {
    parseConfig(text, "c.yaml");
  } catch (e) {
    return (e as Error).message;
  }
  return "no error";
}
