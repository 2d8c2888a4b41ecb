import type { Command } from 'commander';
import type { CliContext } from '../context.ts';

/** Every subcommand registers itself; main.ts stays thin. */
export type Register = (program: Command, ctx: CliContext) => void;

/**
 * A command as `rampart --help` lists it, and how to load it. A command's module (and what it imports: zod
 * schemas, the engine, the report renderers) loads only when that command is named, so `rampart --help` starts in
 * a fraction of the time. `term` and `description` repeat what the module registers; a test (cli/main.test.ts)
 * holds the two equal.
 */
export interface CommandEntry {
  name: string;
  /** The command's line in the help: name, `[options]` and arguments, as commander prints them. */
  term: string;
  description: string;
  load: () => Promise<Register>;
}

export const commands: readonly CommandEntry[] = [
  {
    name: 'init',
    term: 'init [options]',
    description:
      'Write a starter for your API here: a load suite, an slo.yaml that judges it, a drill file and a GitHub Actions gate.',
    load: async () => (await import('./init.ts')).registerInit,
  },
  {
    name: 'proxy',
    term: 'proxy [options]',
    description: "Run the TCP fault proxy that speaks Toxiproxy's HTTP API (any Toxiproxy client works against it)",
    load: async () => (await import('./proxy.ts')).registerProxy,
  },
  {
    name: 'drill',
    term: 'drill [options] [drills...]',
    description:
      'Run failure drills: verify steady state, inject a fault under load, roll back, measure recovery, reconcile writes',
    load: async () => (await import('./drill.ts')).registerDrill,
  },
  {
    name: 'scan',
    term: 'scan [options]',
    description:
      'Security scan: authenticated OWASP API Top 10 probes, negative fuzzing from the OpenAPI document, and ZAP when a daemon is given',
    load: async () => (await import('./scan.ts')).registerScan,
  },
  {
    name: 'seed',
    term: 'seed [options]',
    description:
      'Fill the SocialConnect database with users (password "password123!"), follows, posts, likes and comments',
    load: async () => (await import('./seed.ts')).registerSeed,
  },
  {
    name: 'stack',
    term: 'stack',
    description: 'Run the system under test: PostgreSQL, Redis, the fault proxy and the target cluster',
    load: async () => (await import('./stack.ts')).registerStack,
  },
  {
    name: 'load',
    term: 'load [options] <url>',
    description:
      'Quick ad-hoc load against one URL (open model with --rate, closed with --vus); honest latency from the intended start time.',
    load: async () => (await import('./load.ts')).registerLoad,
  },
  {
    name: 'run',
    term: 'run [options] <suite...>',
    description:
      'Run load suites (smoke, load, stress, spike, soak, concurrency-10k, rate-limit) and write the run record.',
    load: async () => (await import('./run.ts')).registerRun,
  },
  {
    name: 'k6',
    term: 'k6',
    description: 'k6 interoperability: export suites as k6 scripts, import k6 results (distributed load, one verdict).',
    load: async () => (await import('./k6.ts')).registerK6,
  },
  {
    name: 'report',
    term: 'report [options] <run.json>',
    description:
      'Re-render a run record: evaluate it against the SLO spec and write HTML, JSON verdicts, JUnit XML and a Markdown summary.',
    load: async () => (await import('./report.ts')).registerReport,
  },
  {
    name: 'gate',
    term: 'gate [options]',
    description:
      'The release gate: smoke → load → rate-limit → drills → security scan against the managed stack (or --target), then the SLO verdict.',
    load: async () => (await import('./gate.ts')).registerGate,
  },
];

/** The command `argv` (process.argv: node, script, args…) names, also as `rampart help <command>`; undefined for none. */
export function commandNamed(argv: readonly string[]): CommandEntry | undefined {
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return commands.find((c) => c.name === name);
}
