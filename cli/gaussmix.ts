#!/usr/bin/env node
// The `gaussmix` command (the "bin" of cli/package.json, the gaussmix-cli package). See cli/help.ts, or run `gaussmix --help`.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
