import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildProgram } from '../../../src/cli/program.js';
import { completionFile, completionScript, shells } from '../../../src/cli/completion/generate.js';

const completionsDir = new URL('../../../completions/', import.meta.url);

test('completions/ is what the command tree generates (run `npm run completions` when this fails)', () => {
  for (const shell of shells) {
    const committed = readFileSync(new URL(completionFile[shell], completionsDir), 'utf8');
    assert.equal(committed, completionScript(buildProgram(), shell), `completions/${completionFile[shell]} is stale`);
  }
});

test('bash completion offers the nouns, then their verbs and flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccag-compl-'));
  const script = join(dir, 'c.bash');
  writeFileSync(script, completionScript(buildProgram(), 'bash'));
  const complete = (line: string) => {
    const words = line.split(' ');
    const r = spawnSync('bash', ['-c', `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _ccag; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
    return r.stdout.trim().split('\n');
  };
  assert.ok(complete('ccag ke').includes('keys'));
  assert.deepEqual(complete('ccag keys r').sort(), ['revoke', 'rotate']);
  assert.ok(complete('ccag keys create --ex').includes('--expires'));
  assert.ok(complete('ccag teams add-member --').includes('--role'));
});
