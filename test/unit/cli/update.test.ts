import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { changes, compareVersions } from '../../../src/cli/commands/update.js';

test('versions compare as semver: numbers by value, a pre-release before its release', () => {
  assert.ok(compareVersions('0.10.0', '0.9.9') > 0);
  assert.ok(compareVersions('1.0.0', '1.0.0-rc.2') > 0);
  assert.ok(compareVersions('1.0.0-rc.10', '1.0.0-rc.2') > 0);
  assert.ok(compareVersions('v2.0.0', '10.0.0') < 0);
  assert.equal(compareVersions('1.2.3', '1.2.3+build.5'), 0);
});

test('the changelog sections after the installed version up to the new one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccag-changelog-'));
  assert.equal(changes(dir, '1.0.0', '1.2.0'), undefined, 'no CHANGELOG.md');
  writeFileSync(join(dir, 'CHANGELOG.md'), '# Changelog\n\n## 1.3.0\n- later\n\n## v1.2.0 - 2027-02-01\n- two\n\n## [1.1.0]\n- one\n\n## 1.0.0\n- installed\n');
  assert.equal(changes(dir, '1.0.0', '1.2.0'), '## v1.2.0 - 2027-02-01\n- two\n\n## [1.1.0]\n- one');
  assert.equal(changes(dir, '1.2.0', '1.2.0'), '');
});
