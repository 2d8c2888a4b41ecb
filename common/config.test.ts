import { describe, expect, it } from 'vitest';
import { loadEnvConfig } from './config.ts';
import { InputError } from './errors.ts';

describe('environment configuration', () => {
  it('parses the variables it knows into a frozen object', () => {
    const cfg = loadEnvConfig({
      DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
      REDIS_URL: 'redis://127.0.0.1:6379',
      CI: 'true',
    });
    expect(cfg.databaseUrl).toBe('postgres://u:p@127.0.0.1:5432/db');
    expect(cfg.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(cfg.ci).toBe(true);
    expect(cfg.logLevel).toBe('info');
    expect(Object.isFrozen(cfg)).toBe(true);
  });

  it('treats empty values as unset', () => {
    const cfg = loadEnvConfig({ DATABASE_URL: '', REDIS_URL: '  ' });
    expect(cfg.databaseUrl).toBeUndefined();
    expect(cfg.redisUrl).toBeUndefined();
  });

  it.each([
    ['DATABASE_URL', 'mysql://127.0.0.1/x'],
    ['DATABASE_URL', 'not a url'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['ZAP_URL', 'ftp://127.0.0.1'],
    ['RAMPART_LOG_LEVEL', 'loud'],
  ])('rejects a bad %s and names the key', (key, value) => {
    let caught: unknown;
    try {
      loadEnvConfig({ [key]: value });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).message).toContain(key);
    expect((caught as InputError).code).toBe('RAMPART_CONFIG_INVALID');
  });
});
