import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ccag, cliHome } from '../helpers/cli.js';
import { startServe, type ServeProcess } from '../helpers/serve.js';

const password = 'an-admin-password-for-tests';

describe('ccag policies from a script: create, list, move, explain, update, remove', () => {
  let gw: ServeProcess;
  let home: string;
  const run = (...args: string[]) => ccag(args, { home });
  const json = async (...args: string[]) => {
    const r = await run(...args, '--json');
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };

  before(async () => {
    gw = await startServe([], { CCAG_DATA_DIR: mkdtempSync(join(tmpdir(), 'ccag-e2e-')), CCAG_ADMIN_PASSWORD: password });
    home = cliHome();
    await ccag(['login', gw.url, '--username', 'admin', '--password-stdin'], { stdin: password, home });
    await run('teams', 'create', 'eng');
    await run('users', 'create', '--email', 'dev@x.io', '--team', 'eng');
  });
  after(async () => {
    assert.equal(await gw.stop(), 0);
  });

  test('first match wins; move reorders; explain names the rule that decides', async () => {
    const contractors = await json('policies', 'create', 'contractors', '--group', 'Contractors', '--deny-tools', 'Bash,mcp__github__*');
    assert.equal(contractors.group, 'contractors');
    assert.deepEqual(contractors.denied_tools, ['Bash', 'mcp__github__*']);
    assert.equal(contractors.position, 1);
    const eng = await json('policies', 'create', 'eng', '--team', 'eng', '--models', 'claude-sonnet-4-5,claude-haiku-*', '--max-output-tokens', '8000');
    assert.deepEqual(eng.allowed_models, ['claude-sonnet-4-5', 'claude-haiku-*']);
    assert.equal(eng.position, 2);
    const fallback = await json('policies', 'create', '--default', '--models', 'claude-haiku-*');
    assert.equal(fallback.name, 'default');
    assert.equal(fallback.position, null);

    assert.deepEqual((await json('policies', 'list')).map((p: any) => p.name), ['contractors', 'eng', 'default']);
    const plain = (await run('policies', 'list')).stdout.trim().split('\n');
    assert.deepEqual(plain[1]!.split('\t').slice(0, 3), ['2', 'eng', 'team eng']);

    let explained = await json('policies', 'explain', '--user', 'dev@x.io', '--model', 'claude-opus-4-5', '--tool', 'Bash');
    assert.equal(explained.policy.name, 'eng');
    assert.equal(explained.matched_by, 'team');
    assert.deepEqual(explained.skipped.map((s: any) => s.name), ['contractors']);
    assert.equal(explained.model.allowed, false);
    assert.equal(explained.tool.allowed, true);
    assert.equal(explained.max_output_tokens, 8000);

    const moved = await json('policies', 'move', 'eng', '--position', '1');
    assert.equal(moved.position, 1);
    assert.deepEqual((await json('policies', 'list')).map((p: any) => [p.name, p.position]), [['eng', 1], ['contractors', 2], ['default', null]]);

    await json('policies', 'update', 'eng', '--team', 'none', '--group', 'staff', '--models', 'any', '--max-output-tokens', 'none');
    explained = await json('policies', 'explain', '--user', 'dev@x.io', '--model', 'claude-opus-4-5');
    assert.equal(explained.matched_by, 'default');
    assert.equal(explained.model.allowed, false);
    assert.match(explained.model.reason, /allows only: claude-haiku-\*/);

    const human = await run('policies', 'explain', '--user', 'dev@x.io', '--model', 'claude-haiku-4-5');
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /POLICY +default/);
    assert.match(human.stdout, /claude-haiku-4-5: allowed/);

    const removed = await run('policies', 'remove', 'contractors', '--yes');
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual((await json('policies', 'list')).map((p: any) => p.name), ['eng', 'default']);
  });

  test('errors: no match is a usage error, a missing policy is not found', async () => {
    const noMatch = await run('policies', 'create', 'nobody', '--json');
    assert.equal(noMatch.code, 2);
    assert.match(JSON.parse(noMatch.stderr).error.message, /needs a team, a group, or both/);
    assert.equal((await run('policies', 'show', 'ghosts')).code, 4);
    assert.equal((await run('policies', 'move', 'ghosts', '--position', 'first')).code, 2);
    assert.equal((await run('policies', 'create', 'x', '--group', 'g', '--max-output-tokens', '0')).code, 2);
    assert.equal((await run('policies', 'update', 'default')).code, 2);
  });
});
