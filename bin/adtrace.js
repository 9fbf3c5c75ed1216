#!/usr/bin/env node
// The installed entry point: only loads the built program. See src/index.ts.
import { main } from "../dist/index.js";

main(process.argv);
