#!/usr/bin/env node
// The `gaussmix` command (package.json "bin"). See cli/help.ts, or run `gaussmix --help`.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
