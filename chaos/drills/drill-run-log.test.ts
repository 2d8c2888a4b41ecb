import { describe, expect, it, vi } from 'vitest';
import { DrillRun } from './drill-run.ts';

type Args = ConstructorParameters<typeof DrillRun>;

describe("a drill's progress lines", () => {
  it("a phase's start and end are two different lines, not the same line twice", () => {
    const lines: string[] = [];
    const run = new DrillRun(
      { name: 'pg-latency' } as Args[0],
      {} as Args[1],
      { progress: (l: string) => void lines.push(l) } as unknown as Args[2],
      [],
    );
    run.event('phase.started', 'steady state');
    run.event('phase.ended', 'steady state');
    run.event('phase.started', 'fault');
    // A kill is recorded twice (fault.injected, process.killed) under one label: one line.
    run.event('fault.injected', 'kill -9 one worker');
    run.event('process.killed', 'kill -9 one worker');
    run.event('phase.ended', 'fault');
    run.event('phase.ended', 'drill pg-latency: PASS');
    expect(lines).toEqual([
      'pg-latency: steady state',
      'pg-latency: steady state over',
      'pg-latency: fault',
      'pg-latency: kill -9 one worker',
      'pg-latency: fault over',
      'pg-latency: drill pg-latency: PASS',
    ]);
    expect(new Set(lines).size).toBe(lines.length);
    // The record keeps the labels as they were (the report pairs a phase's start and end by them).
    expect(run.events.map((e) => e.label)).toEqual([
      'steady state',
      'steady state',
      'fault',
      'kill -9 one worker',
      'kill -9 one worker',
      'fault',
      'drill pg-latency: PASS',
    ]);
  });

  it('the same label a second later (the next of several kills) is a line of its own', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    try {
      const lines: string[] = [];
      const run = new DrillRun(
        { name: 'worker-crash' } as Args[0],
        {} as Args[1],
        { progress: (l: string) => void lines.push(l) } as unknown as Args[2],
        [],
      );
      run.event('fault.injected', 'kill -9 one worker');
      run.event('process.killed', 'kill -9 one worker');
      vi.setSystemTime(1_015_000);
      run.event('fault.injected', 'kill -9 one worker');
      run.event('process.killed', 'kill -9 one worker');
      expect(lines).toEqual(['worker-crash: kill -9 one worker', 'worker-crash: kill -9 one worker']);
    } finally {
      vi.useRealTimers();
    }
  });
});
