import { describe, expect, it } from 'vitest';
import type { Exchange } from '../http.ts';
import { classifyExposure } from './exposure.ts';

const ex = (body: string): Exchange => ({
  request: { method: 'GET', url: 'http://t/x', headers: {} },
  response: { status: 200, headers: {}, body },
  ms: 1,
  actor: 'B',
});

describe('an exposed route is rated by what it serves', () => {
  it.each([
    ['.env with secrets', 'NODE_ENV=production\nDB_PASSWORD=hunter2\nJWT_SECRET=abc\n', 'critical'],
    ['.env without secrets', 'NODE_ENV=production\nPORT=3000\n', 'high'],
    ['.git/config', '[core]\n\trepositoryformatversion = 0\n\tbare = false\n', 'high'],
    [
      '.git/config with a password in a remote',
      '[core]\n\trepositoryformatversion = 0\n[remote "origin"]\n\turl = https://bob:s3cret@git.example.test/r.git\n',
      'critical',
    ],
    [
      'Prometheus metrics',
      '# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\nhttp_requests_total 5\n',
      'medium',
    ],
    ['an actuator env dump', '{"activeProfiles":["prod"],"propertySources":[]}', 'high'],
  ])('%s → %s', (_name, body, severity) => {
    expect(classifyExposure(ex(body))?.severity).toBe(severity);
  });

  it('an ordinary page says nothing special', () => {
    expect(classifyExposure(ex('<html><body>Welcome</body></html>'))).toBeNull();
  });
});
