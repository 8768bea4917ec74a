#!/usr/bin/env node
// The `omnidesk` command runs the TypeScript sources directly through tsx, so it works from a fresh clone after
// `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./index.ts');
process.exitCode = await main(process.argv.slice(2));
