import type { Finding, Severity } from '../reports/index.ts';
import type { Exchange } from './http.ts';
import { redactExchange } from './redact.ts';

export interface FindingInput {
  ruleId: string;
  title: string;
  category: string;
  severity: Severity;
  endpoint: string;
  description: string;
  evidence?: Exchange | null;
  source?: string;
}

/** Collects findings, one per ruleId + endpoint (the first evidence wins). */
export class FindingSink {
  private readonly byId = new Map<string, Finding>();
  private noRoute: ((input: FindingInput) => boolean) | null = null;
  /** Findings not kept because their evidence said "no such route" (see `ignoreNoRoute`). */
  ignored = 0;

  /**
   * A finding for which `noRoute` holds is not kept: an operation discovery could not verify (a write it found in a
   * script, never sent) whose answer is its prefix's catch-all for made-up paths does not exist.
   */
  ignoreNoRoute(noRoute: (input: FindingInput) => boolean): void {
    this.noRoute = noRoute;
  }

  add(input: FindingInput): Finding | null {
    if (this.noRoute?.(input)) {
      this.ignored += 1;
      return null;
    }
    const id = `${input.ruleId}:${input.endpoint}`;
    const existing = this.byId.get(id);
    if (existing) return existing;
    const finding: Finding = {
      id,
      ruleId: input.ruleId,
      title: input.title,
      category: input.category,
      severity: input.severity,
      endpoint: input.endpoint,
      description: input.description,
      evidence: input.evidence ? redactExchange(input.evidence) : null,
      source: input.source ?? 'rampart',
    };
    this.byId.set(id, finding);
    return finding;
  }

  has(ruleId: string): boolean {
    for (const f of this.byId.values()) if (f.ruleId === ruleId) return true;
    return false;
  }

  list(): Finding[] {
    return [...this.byId.values()];
  }
}
