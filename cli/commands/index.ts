import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { registerProxy } from './proxy.ts';
import { registerDrill } from './drill.ts';
import { registerScan } from './scan.ts';
import { registerSeed } from './seed.ts';
import { registerStack } from './stack.ts';
import { registerLoad } from './load.ts';
import { registerRun } from './run.ts';
import { registerK6 } from './k6.ts';
import { registerReport } from './report.ts';
import { registerGate } from './gate.ts';

/** Every subcommand registers itself here; main.ts stays thin. */
export type Register = (program: Command, ctx: CliContext) => void;

export const commands: Register[] = [
  registerProxy,
  registerDrill,
  registerScan,
  registerSeed,
  registerStack,
  registerLoad,
  registerRun,
  registerK6,
  registerReport,
  registerGate,
];
