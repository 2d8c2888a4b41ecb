import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from './main.ts';

function capture() {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c) => (stdout += String(c)));
  err.on('data', (c) => (stderr += String(c)));
  return { out, err, text: () => ({ stdout, stderr }) };
}

describe('the rampart CLI', () => {
  it('prints help and exits 0', async () => {
    const io = capture();
    const code = await main(['node', 'rampart', '--help'], { stdout: io.out, stderr: io.err, env: {}, handleSignals: false });
    expect(code).toBe(0);
    expect(io.text().stdout).toContain('Usage: rampart');
  });

  it('exits 2 on an unknown flag and says which', async () => {
    const io = capture();
    const code = await main(['node', 'rampart', '--no-such-flag'], { stdout: io.out, stderr: io.err, env: {}, handleSignals: false });
    expect(code).toBe(2);
    expect(io.text().stderr).toContain('--no-such-flag');
  });

  it('exits 2 on a bad environment variable and names it', async () => {
    const io = capture();
    const code = await main(['node', 'rampart', '--help'], { stdout: io.out, stderr: io.err, env: { REDIS_URL: 'nope' }, handleSignals: false });
    expect(code).toBe(2);
    expect(io.text().stderr).toContain('REDIS_URL');
  });
});
