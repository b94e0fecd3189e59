import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { ccag, cliHome } from '../../helpers/cli.js';
import { adminToken, useTestGateway } from '../../helpers/gateway.js';
import { assertAlive } from './shapes.js';

/**
 * Arbitrary arguments to the built `ccag` (a few runs: each is a process): it exits with one of
 * its documented codes (0 ok, 1 error, 2 usage, 3 auth, 4 not found), prints no stack trace and
 * never the token it was given. Commands that open browsers, prompt, or serve are left out.
 */

const numRuns = Number(process.env.CLI_FUZZ_RUNS ?? 12);

// No NUL: an argv string cannot hold one (the OS would cut it there).
const arg = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }).map((s) => s.replace(/\u0000/g, '')),
  fc.constantFrom('--json', '--quiet', '--yes', '-v', '--help', '--', '-', '--team', '--user', '--amount', '-1', '1e309', '99999999999999999999', 'ünïcödé', '🧪', "'; rm -rf / #", '$(id)', '--no-color', '--since', '30d', '--by', 'model'),
);
const command = fc.constantFrom(
  ['keys', 'create'], ['keys', 'list'], ['keys', 'show'], ['keys', 'revoke'],
  ['users', 'create'], ['users', 'update'], ['users', 'list'],
  ['teams', 'create'], ['teams', 'add-member'], ['teams', 'delete'],
  ['budgets', 'set'], ['budgets', 'show'],
  ['policies', 'create'], ['pricing', 'set'], ['spend'], ['audit'], ['status'], ['models', 'list'],
  ['nonsense'], [],
);

describe('fuzz: ccag command-line arguments', () => {
  const env = useTestGateway('pglite');
  let token = '';
  const home = cliHome();
  before(async () => {
    token = await adminToken(env.gw.url);
  });

  test('every run ends with a documented exit code, no stack trace, no token', async () => {
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(command, fc.array(arg, { maxLength: 5 }), async (cmd, args) => {
        const run = await ccag([...cmd, ...args], { home, env: { CCAG_URL: env.gw.url, CCAG_TOKEN: token } });
        tried++;
        const output = run.stdout + run.stderr;
        assert.ok([0, 1, 2, 3, 4].includes(run.code), `exit ${run.code} for ${JSON.stringify([...cmd, ...args])}: ${output.slice(0, 400)}`);
        assert.doesNotMatch(output, /\n\s+at .+:\d+:\d+\)?\n/, `a stack trace for ${JSON.stringify([...cmd, ...args])}: ${output.slice(0, 400)}`);
        assert.equal(output.includes(token), false, 'the token is printed');
      }),
      { numRuns },
    );
    await assertAlive(env.gw.url);
    console.log(`fuzz CLI: ${tried} command lines tried`);
  });
});
