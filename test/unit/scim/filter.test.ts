import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matches, parseFilter } from '../../../src/scim/filter.js';
import { applyPatch, parsePatchBody } from '../../../src/scim/patch.js';

const user = {
  id: 'A1',
  userName: 'Barbara.Jensen@example.com',
  externalId: 'Ext-9',
  active: true,
  title: 'Tour Guide',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  meta: { lastModified: '2026-10-01T00:00:00Z', resourceType: 'User' },
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: '701984' },
};

const cases: [string, boolean][] = [
  ['userName eq "barbara.jensen@example.com"', true],
  ['USERNAME EQ "Barbara.Jensen@example.com"', true],
  ['userName ne "someone"', true],
  ['userName co "jensen"', true],
  ['userName sw "barb"', true],
  ['userName ew "example.com"', true],
  ['title pr', true],
  ['nickName pr', false],
  ['externalId eq "ext-9"', false],
  ['externalId eq "Ext-9"', true],
  ['name.familyName eq "jensen"', true],
  ['meta.lastModified gt "2026-09-01T00:00:00Z"', true],
  ['meta.lastModified le "2026-09-01T00:00:00Z"', false],
  ['meta.lastModified ge "2026-10-01T00:00:00Z"', true],
  ['meta.lastModified lt "2026-10-02T00:00:00Z"', true],
  ['active eq true', true],
  ['active eq false', false],
  ['emails[type eq "work"]', true],
  ['emails[type eq "work" and value co "@example.com"]', true],
  ['emails[type eq "home"].value eq "babs@jensen.org"', true],
  ['emails[type eq "work"].value eq "babs@jensen.org"', false],
  ['emails.value eq "babs@jensen.org"', true],
  ['emails eq "bjensen@example.com"', true],
  ['title pr and userType pr', false],
  ['title pr or userType pr', true],
  ['userType eq "Employee" or (title pr and not (active eq false))', true],
  ['not (userName sw "x") and name.givenName eq "Barbara"', true],
  ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "Barb"', true],
  ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"', true],
];

test('filters: every operator, logic with precedence and parentheses, value paths, URN paths', () => {
  for (const [filter, expected] of cases) assert.equal(matches(user, parseFilter(filter)), expected, filter);
});

test('bad filters are invalidFilter errors that say what is wrong', () => {
  for (const bad of ['userName eq', 'userName xx "a"', '(userName eq "a"', 'userName eq "unterminated', 'emails[type eq "work"', 'eq "a"', 'userName eq "a" extra']) {
    assert.throws(() => parseFilter(bad), (e: any) => e.status === 400 && e.scimType === 'invalidFilter', bad);
  }
});

test('PATCH: op names in any case, path-less values with dotted and URN keys, filtered paths, string booleans', () => {
  const ops = parsePatchBody({
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'replace', value: { 'name.givenName': 'Babs', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber': '42' } },
      { op: 'Replace', path: 'emails[type eq "home"].value', value: 'new@jensen.org' },
      { op: 'Add', path: 'emails', value: [{ value: 'third@x.org', type: 'other' }] },
      { op: 'Remove', path: 'emails[type eq "work"]' },
      { op: 'add', path: 'nickName', value: 'B' },
      { op: 'remove', path: 'title' },
    ],
  });
  const out = applyPatch(user, ops) as any;
  assert.equal(out.active, false);
  assert.equal(out.name.givenName, 'Babs');
  assert.equal(out.name.familyName, 'Jensen');
  assert.equal(out['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].employeeNumber, '42');
  assert.deepEqual(out.emails, [{ value: 'new@jensen.org', type: 'home' }, { value: 'third@x.org', type: 'other' }]);
  assert.equal(out.nickName, 'B');
  assert.equal(out.title, undefined);
  assert.equal(user.active, true, 'the input is not changed');
  assert.throws(() => parsePatchBody({ Operations: [{ op: 'move', path: 'x' }] }), (e: any) => e.scimType === 'invalidSyntax');
  assert.throws(() => applyPatch(user, [{ op: 'replace', path: 'active', value: 'maybe' }]), (e: any) => e.scimType === 'invalidValue');
  assert.throws(() => applyPatch(user, [{ op: 'replace', path: 'emails[type eq "work"' }]), (e: any) => e.scimType === 'invalidPath');
});
