import { describe, expect, it } from 'vitest';
import type { Finding } from '../reports/index.ts';
import { InputError } from '../common/index.ts';
import { applySuppressions, failingFindings, parseSuppressions } from './suppressions.ts';

const f = (ruleId: string, severity: Finding['severity'], endpoint = 'GET /x'): Finding => ({
  id: `${ruleId}:${endpoint}`,
  ruleId,
  title: ruleId,
  category: 'API8:2023',
  severity,
  endpoint,
  description: '',
  evidence: null,
  source: 'rampart',
});

describe('suppression files', () => {
  it("reads ZAP's tab-separated rules file, mapping numeric ids to zap-<id>", () => {
    const rules = parseSuppressions(
      '# accepted\n10038\tIGNORE\t(CSP is set by the CDN)\nrampart-api8-hsts-missing\tWARN\t(TLS ends at the load balancer)\n',
    );
    expect(rules).toEqual([
      { ruleId: 'zap-10038', action: 'IGNORE', reason: 'CSP is set by the CDN' },
      { ruleId: 'rampart-api8-hsts-missing', action: 'WARN', reason: 'TLS ends at the load balancer' },
    ]);
  });

  it('reads YAML rules with an optional endpoint filter', () => {
    const rules = parseSuppressions(
      'rules:\n  - ruleId: rampart-fuzz-5xx\n    action: FAIL\n    reason: never acceptable\n    endpoint: /v1/posts\n',
    );
    expect(rules[0]).toMatchObject({ ruleId: 'rampart-fuzz-5xx', action: 'FAIL', endpoint: '/v1/posts' });
  });

  it('rejects a bad action or a rule without a reason, naming the problem', () => {
    expect(() => parseSuppressions('10038\tMAYBE\t(x)')).toThrow(/line 1: action must be IGNORE, WARN or FAIL/);
    expect(() => parseSuppressions('rules:\n  - ruleId: x\n    action: IGNORE\n    reason: ""\n')).toThrow(InputError);
  });

  it('IGNORE and WARN stop a finding from failing the gate; FAIL makes even a low one fail', () => {
    const findings = [
      f('a', 'high'),
      f('b', 'medium'),
      f('c', 'low'),
      f('d', 'high', 'GET /v1/posts'),
      f('d', 'high', 'GET /v1/users'),
    ];
    const rules = parseSuppressions(
      'rules:\n  - { ruleId: a, action: IGNORE, reason: accepted }\n  - { ruleId: b, action: WARN, reason: tracked }\n' +
        '  - { ruleId: c, action: FAIL, reason: must fix }\n  - { ruleId: d, action: IGNORE, reason: only posts, endpoint: GET /v1/posts }\n',
    );
    const applied = applySuppressions(findings, rules);
    expect(applied.map((x) => x.suppressed?.action ?? null)).toEqual(['IGNORE', 'WARN', 'FAIL', 'IGNORE', null]);
    expect(failingFindings(applied).map((x) => `${x.ruleId} ${x.endpoint}`)).toEqual(['c GET /x', 'd GET /v1/users']);
    expect(failingFindings(findings, 'high').map((x) => x.ruleId)).toEqual(['a', 'd', 'd']);
  });
});
