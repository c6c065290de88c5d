import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, envSchema, loadEnv } from './env';

function configError(source: Record<string, string>): string {
  try {
    loadEnv(source);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
  throw new Error('expected loadEnv to reject the configuration');
}

describe('loadEnv', () => {
  it('applies embedded defaults when nothing is set', () => {
    const env = loadEnv({});
    expect(env).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', LAB_RUNTIME: 'local', S3_BUCKET_CONFIGS: 'lab-configs', TICKET_TTL_SECONDS: 60, GATEWAY_WALL_INTERVAL_MS: 2000 });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.REDIS_URL).toBeUndefined();
    expect(env.AMQP_URL).toBeUndefined();
    expect(env.S3_ENDPOINT).toBeUndefined();
  });

  it('takes a public key line with the newline its .pub file ends with (a Secret made from the file)', () => {
    const line = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDHtRJJZoFo9rIIGWZmYfzmmgnh4eTzf7RcqtKg2S8Ws gateway';
    const env = loadEnv({ GATEWAY_SSH_HOST_PUBLIC_KEY: `${line}\n`, LAB_SSH_PUBLIC_KEY: `${line}\n` });
    expect([env.GATEWAY_SSH_HOST_PUBLIC_KEY, env.LAB_SSH_PUBLIC_KEY]).toEqual([line, line]);
  });

  it('coerces numbers and booleans and treats empty strings as unset', () => {
    const env = loadEnv({ PORT: '8080', SESSION_COOKIE_SECURE: 'true', REDIS_URL: '', TICKET_TTL_SECONDS: '30' });
    expect(env.PORT).toBe(8080);
    expect(env.SESSION_COOKIE_SECURE).toBe(true);
    expect(env.REDIS_URL).toBeUndefined();
    expect(env.TICKET_TTL_SECONDS).toBe(30);
  });

  it('rejects a bad PORT with one line naming the variable and what is expected', () => {
    for (const bad of ['http', '70000', '-1', '80.5']) {
      expect(configError({ PORT: bad }), bad).toBe('invalid configuration: PORT: expected a port number (0-65535)');
    }
  });

  it('names every bad variable once, on one line, without echoing the values', () => {
    const message = configError({ DATABASE_URL: 'mysql://root:hunter2@db/x', LOG_LEVEL: 'loud', SESSION_COOKIE_SECURE: 'maybe' });
    expect(message).not.toContain('\n');
    expect(message).not.toContain('hunter2');
    expect(message).toBe(
      'invalid configuration: LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent; ' +
        'DATABASE_URL: expected a URL starting with postgres:// or postgresql://; ' +
        'SESSION_COOKIE_SECURE: expected true or false',
    );
  });

  it('checks URLs, origins, ranges and bucket names', () => {
    expect(configError({ AMQP_URL: 'not a url' })).toBe('invalid configuration: AMQP_URL: expected a URL starting with amqp:// or amqps://');
    expect(configError({ ALLOWED_ORIGINS: 'https://ok.example,https://bad.example/path' })).toMatch(/^invalid configuration: ALLOWED_ORIGINS: expected \* or comma-separated origins/);
    expect(loadEnv({ ALLOWED_ORIGINS: 'https://a.example/, http://localhost:5173' }).ALLOWED_ORIGINS).toBe('https://a.example/, http://localhost:5173');
    expect(loadEnv({ ALLOWED_ORIGINS: '*' }).ALLOWED_ORIGINS).toBe('*');
    expect(loadEnv({ GATEWAY_INTERNAL_URL: 'ws://10.0.0.7:3001' }).GATEWAY_INTERNAL_URL).toBe('ws://10.0.0.7:3001');
    expect(configError({ GATEWAY_INTERNAL_URL: '10.0.0.7:3001' })).toBe(
      'invalid configuration: GATEWAY_INTERNAL_URL: expected a URL starting with http:// or https:// or ws:// or wss://',
    );
    expect(configError({ TICKET_TTL_SECONDS: '3600' })).toBe('invalid configuration: TICKET_TTL_SECONDS: expected a whole number of seconds from 5 to 600');
    expect(configError({ GATEWAY_WALL_INTERVAL_MS: '100' })).toBe('invalid configuration: GATEWAY_WALL_INTERVAL_MS: expected a whole number of milliseconds from 250 to 60000');
    expect(configError({ S3_BUCKET_RECORDINGS: 'Recordings_2024' })).toMatch(/^invalid configuration: S3_BUCKET_RECORDINGS: expected a bucket name/);
    expect(configError({ LAB_NAMESPACE: 'Labs' })).toBe('invalid configuration: LAB_NAMESPACE: expected a DNS label such as labs');
  });

  it('trusts no proxy by default, and takes TRUST_PROXY as proxy addresses, CIDRs or proxy-addr names', () => {
    expect(loadEnv({}).TRUST_PROXY).toBeUndefined();
    expect(loadEnv({ TRUST_PROXY: '127.0.0.1' }).TRUST_PROXY).toEqual(['127.0.0.1']);
    expect(loadEnv({ TRUST_PROXY: '10.0.0.0/8, fd00::/8,::1, uniquelocal' }).TRUST_PROXY).toEqual(['10.0.0.0/8', 'fd00::/8', '::1', 'uniquelocal']);
    const expected = 'invalid configuration: TRUST_PROXY: expected comma-separated proxy addresses or CIDRs such as 127.0.0.1,10.0.0.0/8 (no hop count)';
    for (const bad of ['true', '2', '10.0.0.0/33', 'fd00::/129', 'proxy.example.edu', '10.0.0.1,', '10.0.0.0/8/8']) {
      expect(configError({ TRUST_PROXY: bad }), bad).toBe(expected);
    }
  });

  it('requires the variables that go together', () => {
    expect(configError({ S3_ENDPOINT: 'http://minio:9000', S3_ACCESS_KEY: 'key' })).toBe(
      'invalid configuration: S3_SECRET_KEY: required when S3_ENDPOINT is set',
    );
    expect(configError({ OIDC_ISSUER: 'https://id.example.edu' })).toBe('invalid configuration: OIDC_AUDIENCE: required when OIDC_ISSUER is set');
  });
});

describe('process start with a bad configuration', () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const entries = ['embedded/src/embedded.ts', 'server/src/server.ts', 'server/src/worker.ts'].filter((f) => existsSync(path.join(root, f)));

  it('has at least one process entry point to start', () => {
    expect(entries.length).toBeGreaterThan(0);
  });

  it.each(entries)('%s exits non-zero printing one line that names PORT', (entry) => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', entry], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: 'eighty' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).not.toBe(0);
    expect(result.status).not.toBeNull();
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/: invalid configuration: PORT: expected a port number \(0-65535\)$/);
    expect(result.stdout).toBe('');
  });

  const allEntries = [...entries, 'gateway/src/server.ts'];
  const run = (entry: string, arg: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', entry, arg], {
      cwd: root,
      // A bad PORT too: --help must answer before the configuration is even read.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: 'eighty' },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it.each(allEntries)('%s --help prints its usage and every variable with its default, and exits 0', (entry) => {
    const result = run(entry, '--help');
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(`Usage: node --import tsx ${entry} [--help]`);
    expect(result.stdout.split('\n')[1]).toBe(`   or: node --enable-source-maps dist/${entry.replace(/\.ts$/, '.js')} [--help]   (compiled by npm run build)`);
    for (const key of Object.keys(envSchema.shape)) expect(result.stdout).toMatch(new RegExp(`^  ${key} +(default |unset by default)`, 'm'));
    expect(result.stdout).toMatch(/^ {2}PORT +default 3000$/m);
    expect(result.stderr).toBe('');
  });

  it.each(allEntries)('%s with an unknown argument exits 2 with one line', (entry) => {
    const result = run(entry, '--bogus');
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/: Unknown option '--bogus'; try --help$/)]);
    expect(result.stdout).toBe('');
  });
});
