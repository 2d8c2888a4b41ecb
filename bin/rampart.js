#!/usr/bin/env node
// The CLI is TypeScript run through tsx's loader, so a fresh `npm ci` is all
// it needs (no build step to forget). Child processes are started the same way
// (see common/node-process.ts).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv);
