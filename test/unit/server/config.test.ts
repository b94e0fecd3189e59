import { availableParallelism } from 'node:os';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/server/config.js';

test('defaults: loopback, port 8080, embedded database in the XDG data folder', () => {
  const c = loadConfig({}, { HOME: '/home/ann' });
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 8080);
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.dataDir, '/home/ann/.local/share/ccag');
  assert.equal(c.publicUrl, 'http://127.0.0.1:8080');
  assert.equal(c.maxBodyBytes, 20 * 1024 * 1024);
  assert.equal(c.upstream, 'bedrock');
  assert.equal(loadConfig({}, { HOME: '/h', XDG_DATA_HOME: '/x' }).dataDir, '/x/ccag');
});

test('flags win over environment variables', () => {
  const c = loadConfig({ port: '9000' }, { CCAG_PORT: '9100', CCAG_LOG_LEVEL: 'debug', DATABASE_URL: 'postgres://db/ccag' });
  assert.equal(c.port, 9000);
  assert.equal(c.logLevel, 'debug');
  assert.equal(c.databaseUrl, 'postgres://db/ccag');
});

test('an invalid value fails with one line naming the setting', () => {
  const cases: [Record<string, unknown>, Record<string, string>, RegExp][] = [
    [{}, { CCAG_PORT: 'eighty' }, /^invalid configuration: --port \/ CCAG_PORT: /],
    [{ port: '70000' }, {}, /--port \/ CCAG_PORT: must be at most 65535/],
    [{}, { CCAG_LOG_LEVEL: 'loud' }, /--log-level \/ CCAG_LOG_LEVEL/],
    [{}, { DATABASE_URL: 'mysql://x' }, /--database-url \/ DATABASE_URL: must be a postgres:\/\/ URL/],
    [{}, { CCAG_UPSTREAM: 'openai' }, /--upstream \/ CCAG_UPSTREAM/],
    [{}, { CCAG_PUBLIC_URL: 'not a url' }, /--public-url \/ CCAG_PUBLIC_URL/],
    [{}, { CCAG_SECRET_KEY: 'short' }, /CCAG_SECRET_KEY: must be at least 32 characters/],
    [{}, { CCAG_TRUSTED_PROXIES: '10.0.0.0/8,nonsense' }, /CCAG_TRUSTED_PROXIES: "nonsense"/],
  ];
  for (const [flags, env, message] of cases) {
    assert.throws(() => loadConfig(flags, env), (err: Error) => err instanceof ConfigError && message.test(err.message) && !err.message.includes('\n'));
  }
});

test('the embedded database is refused on a non-loopback address unless --embedded-db', () => {
  assert.throws(() => loadConfig({ host: '0.0.0.0', publicUrl: 'https://gw.example.com' }, {}), /--embedded-db/);
  const c = loadConfig({ host: '0.0.0.0', publicUrl: 'https://gw.example.com', embeddedDb: true }, {});
  assert.equal(c.embeddedDb, true);
  const withPg = loadConfig({ host: '0.0.0.0', publicUrl: 'https://gw.example.com/' }, { PGHOST: 'db' });
  assert.equal(withPg.usePgEnv, true);
  assert.equal(withPg.publicUrl, 'https://gw.example.com');
});

test('a public URL is required off loopback; workers need Postgres', () => {
  assert.throws(() => loadConfig({ host: '10.1.2.3' }, { DATABASE_URL: 'postgres://db/x' }), /--public-url \/ CCAG_PUBLIC_URL: required/);
  assert.throws(() => loadConfig({ workers: '4' }, {}), /--workers \/ CCAG_WORKERS: 4 workers need Postgres: set DATABASE_URL/);
  assert.equal(loadConfig({ workers: '4' }, { DATABASE_URL: 'postgres://db/x' }).workers, 4);
  // auto (or 0): one per CPU core.
  assert.equal(loadConfig({}, { CCAG_WORKERS: 'auto', DATABASE_URL: 'postgres://db/x' }).workers, availableParallelism());
  assert.equal(loadConfig({ workers: '0' }, { DATABASE_URL: 'postgres://db/x' }).workers, availableParallelism());
  assert.throws(() => loadConfig({ workers: 'many' }, {}), /--workers \/ CCAG_WORKERS: must be a whole number of processes, or auto/);
});
