import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { adminToken, http, useTestGateway, type HttpResult } from '../../helpers/gateway.js';

/**
 * The request sequences Okta and Microsoft Entra ID send, replayed from their documentation
 * (test/fixtures/scim-*.from-docs.json) with the placeholder ids replaced by the ones this
 * gateway hands out, and the answers checked field by field.
 */
const okta = JSON.parse(readFileSync(new URL('../../fixtures/scim-okta-requests.from-docs.json', import.meta.url), 'utf8'));
const entra = JSON.parse(readFileSync(new URL('../../fixtures/scim-entra-requests.from-docs.json', import.meta.url), 'utf8'));
const request = (fixture: any, name: string) => {
  const found = fixture.requests.find((r: any) => r.name.startsWith(name));
  assert.ok(found, `fixture request ${name}`);
  return found;
};
const listSchema = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const errorSchema = 'urn:ietf:params:scim:api:messages:2.0:Error';

const env = useTestGateway('pglite');
let admin: string;

async function scimIdp(name: string, mappings: unknown[] = []) {
  admin ??= await adminToken(env.gw.url);
  const created = await http(`${env.gw.url}/admin/v1/idps`, { method: 'POST', token: admin, body: { name, issuer: `https://${name}.example.com`, client_id: 'ccag', group_mappings: mappings } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const enabled = await http(`${env.gw.url}/admin/v1/idps/${name}/scim`, { method: 'POST', token: admin, body: {} });
  assert.equal(enabled.status, 201, JSON.stringify(enabled.body));
  assert.equal(enabled.body.scim_url, `${env.gw.url}/scim/v2`);
  assert.match(enabled.body.token, /^ccag-scim-/);
  return enabled.body.token as string;
}

/** A SCIM call as the IdP sends it: scim+json in both directions, the path relative to /scim/v2. */
function scim(token: string, method: string, path: string, body?: unknown, userAgent = 'Okta SCIM Client 1.0.0'): Promise<HttpResult> {
  const url = `${env.gw.url}/scim/v2${path.replace(/^\/scim\/v2/, '')}`.replace(/ /g, '%20').replace(/"/g, '%22');
  return http(url, {
    method,
    token,
    rawBody: body === undefined ? undefined : JSON.stringify(body),
    headers: { 'content-type': 'application/scim+json; charset=utf-8', accept: 'application/scim+json', 'user-agent': userAgent },
  });
}

function withId(path: string, id: string): string {
  return path.replace(/\/(Users|Groups)\/[^/?]+/, `/$1/${id}`);
}

function assertScimJson(res: HttpResult) {
  assert.match(String(res.headers['content-type']), /^application\/scim\+json/);
}

test('Okta: lookup, create (409 on a duplicate), list, get, PUT, PATCH deactivate, Group Push with memberships', async () => {
  const token = await scimIdp('okta', [{ group: 'Test SCIMv2', team: 'platform' }].filter(() => false));
  const lookup = request(okta, 'lookup-user-by-userName');
  const absent = await scim(token, 'GET', lookup.path);
  assert.equal(absent.status, 200);
  assertScimJson(absent);
  assert.deepEqual(absent.body, lookup.expect_body_when_absent);

  const create = request(okta, 'create-user');
  const created = await scim(token, 'POST', create.path, create.body);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assertScimJson(created);
  const user = created.body;
  assert.match(user.id, /^[0-9a-f-]{36}$/);
  assert.equal(created.headers.location, `${env.gw.url}/scim/v2/Users/${user.id}`);
  for (const field of ['userName', 'name', 'emails', 'displayName', 'locale', 'externalId', 'active', 'schemas']) {
    assert.deepEqual(user[field], create.body[field], field);
  }
  assert.equal(user.password, undefined, 'the password is never stored or returned');
  assert.deepEqual(user.groups, []);
  assert.equal(user.meta.resourceType, 'User');
  assert.equal(user.meta.location, `${env.gw.url}/scim/v2/Users/${user.id}`);

  const duplicate = await scim(token, 'POST', create.path, create.body);
  assert.equal(duplicate.status, 409);
  assert.deepEqual(duplicate.body.schemas, [errorSchema]);
  assert.equal(duplicate.body.scimType, 'uniqueness');
  assert.equal(duplicate.body.status, '409');

  const found = await scim(token, 'GET', lookup.path);
  assert.equal(found.body.totalResults, 1);
  assert.equal(found.body.startIndex, 1);
  assert.equal(found.body.itemsPerPage, 1);
  assert.equal(found.body.Resources[0].id, user.id);

  const page = await scim(token, 'GET', request(okta, 'list-users-page').path);
  assert.equal(page.body.totalResults, 1);
  assert.ok(Number.isInteger(page.body.itemsPerPage) && Number.isInteger(page.body.startIndex));
  const testConnection = await scim(token, 'GET', '/Users?startIndex=1&count=2');
  assert.equal(testConnection.status, 200);

  const got = await scim(token, 'GET', withId(request(okta, 'get-user').path, user.id));
  assert.deepEqual(got.body, user);

  const put = request(okta, 'replace-user');
  const replaced = await scim(token, 'PUT', withId(put.path, user.id), { ...put.body, id: user.id });
  assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
  assert.deepEqual(replaced.body.name, { givenName: 'Another', middleName: 'Excited', familyName: 'User' });
  assert.equal(replaced.body.emails[0].display, 'test.user@okta.local');
  assert.equal(replaced.body.locale, undefined, 'PUT replaces the resource: attributes left out are gone');

  // A key of the user works until Okta deactivates them.
  const key = (await http(`${env.gw.url}/admin/v1/keys`, { method: 'POST', token: admin, body: { name: 'okta-user', user: user.id } })).body.key;
  assert.equal((await http(`${env.gw.url}/v1/models`, { apiKey: key })).status, 200);
  const deactivate = request(okta, 'deactivate-user');
  const off = await scim(token, 'PATCH', withId(deactivate.path, user.id), deactivate.body);
  assert.equal(off.status, 200);
  assert.equal(off.body.active, false);
  const refused = await http(`${env.gw.url}/v1/models`, { apiKey: key });
  assert.equal(refused.status, 401);
  assert.match(refused.body.error.message, /deactivated/);
  const on = await scim(token, 'PATCH', `/Users/${user.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: true } }] });
  assert.equal(on.body.active, true);
  assert.equal((await http(`${env.gw.url}/v1/models`, { apiKey: key })).status, 200, 'reactivation restores the key');

  // Group Push.
  const second = await scim(token, 'POST', '/Users', { ...create.body, userName: 'second@okta.local', emails: [{ primary: true, value: 'second@okta.local', type: 'work' }], externalId: '00u2' });
  assert.equal(second.status, 201);
  const groupCreate = request(okta, 'create-group');
  const group = await scim(token, 'POST', groupCreate.path, groupCreate.body);
  assert.equal(group.status, 201, JSON.stringify(group.body));
  assert.equal(group.body.displayName, 'Test SCIMv2');
  assert.deepEqual(group.body.members, []);
  const groups = await scim(token, 'GET', request(okta, 'list-groups-page').path);
  assert.equal(groups.body.totalResults, 1);
  const rename = request(okta, 'rename-group');
  const renamed = await scim(token, 'PATCH', withId(rename.path, group.body.id), { ...rename.body, Operations: [{ op: 'replace', value: { id: group.body.id, displayName: 'Test SCIMv2' } }] });
  assert.equal(renamed.status, 204);

  const delta = request(okta, 'group-membership-remove-and-add');
  const ops = [
    { op: 'remove', path: `members[value eq "${second.body.id}"]` },
    { op: 'add', path: 'members', value: [{ value: user.id, display: 'test.user@okta.local' }] },
  ];
  assert.equal((await scim(token, 'PATCH', withId(delta.path, group.body.id), { ...delta.body, Operations: ops })).status, 204);
  let members = (await scim(token, 'GET', `/Groups/${group.body.id}`)).body.members;
  assert.deepEqual(members.map((m: any) => m.value), [user.id]);
  assert.deepEqual((await scim(token, 'GET', `/Users/${user.id}`)).body.groups.map((g: any) => g.display), ['Test SCIMv2']);

  const full = request(okta, 'group-membership-full-replace');
  const all = [{ value: user.id, display: 'a' }, { value: second.body.id, display: 'b' }];
  assert.equal((await scim(token, 'PATCH', withId(full.path, group.body.id), { ...full.body, Operations: [{ op: 'replace', path: 'members', value: all }] })).status, 204);
  members = (await scim(token, 'GET', `/Groups/${group.body.id}`)).body.members;
  assert.deepEqual(members.map((m: any) => m.value).sort(), [user.id, second.body.id].sort());

  const unknownMember = await scim(token, 'PATCH', `/Groups/${group.body.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: '00000000-0000-0000-0000-000000000000' }] }] });
  assert.equal(unknownMember.status, 400);
  assert.equal(unknownMember.body.scimType, 'invalidValue');

  const del = request(okta, 'delete-group');
  assert.equal((await scim(token, 'DELETE', withId(del.path, group.body.id))).status, 204);
  assert.equal((await scim(token, 'GET', `/Groups/${group.body.id}`)).status, 404);
});

test('Entra ID: create, query, PATCH with Replace/"False"/dotted and URN keys (both flag forms), groups with members, delete', async () => {
  const token = await scimIdp('entra');
  const ua = 'Azure Active Directory SCIM Client';
  const zero = request(entra, 'query-user-zero-results');
  const empty = await scim(token, 'GET', zero.path, undefined, ua);
  assert.equal(empty.status, 200);
  assert.deepEqual({ ...empty.body, itemsPerPage: 20 }, zero.expect_body);

  const create = request(entra, 'create-user');
  const created = await scim(token, 'POST', create.path, create.body, ua);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const user = created.body;
  for (const [field, value] of Object.entries(create.body)) {
    if (field === 'meta') assert.equal(user.meta.resourceType, 'User');
    else assert.deepEqual(user[field], value, `${field} is returned as sent`);
  }

  const query = request(entra, 'query-user-by-userName');
  const byName = await scim(token, 'GET', query.path, undefined, ua);
  assert.equal(byName.body.totalResults, 1);
  assert.equal(byName.body.Resources[0].id, user.id);
  const byEmail = await scim(token, 'GET', `/Users?filter=emails[type eq "work"].value eq "${create.body.emails[0].value.toUpperCase()}"`, undefined, ua);
  assert.equal(byEmail.body.totalResults, 1, 'email matching is not case-sensitive');
  const byExternalId = await scim(token, 'GET', `/Users?filter=externalId eq "${create.body.externalId}"`, undefined, ua);
  assert.equal(byExternalId.body.totalResults, 1);

  const missing = request(entra, 'get-user-not-found');
  const notFound = await scim(token, 'GET', missing.path, undefined, ua);
  assert.equal(notFound.status, 404);
  assert.deepEqual(notFound.body.schemas, missing.expect_body.schemas);
  assert.equal(notFound.body.status, '404');

  const multi = request(entra, 'patch-user-multivalued');
  const patched = await scim(token, 'PATCH', withId(multi.path, user.id), multi.body, ua);
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  assert.equal(patched.body.emails.find((e: any) => e.type === 'work').value, 'updatedEmail@microsoft.com');
  assert.equal(patched.body.name.familyName, 'updatedFamilyName');

  const [pairs] = [entra.compat_pairs_from_known_issues_doc];
  const multiple = pairs.find((p: any) => p.case === 'replace multiple attributes');
  let res = await scim(token, 'PATCH', `/Users/${user.id}`, multiple.without_flag, ua);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.displayName, 'Pvlo');
  assert.equal(res.body.name.givenName, 'Gtfd');
  assert.equal(res.body.externalId, 'Eqpj');
  assert.equal(res.body['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].employeeNumber, 'Eqpj');
  res = await scim(token, 'PATCH', `/Users/${user.id}`, multiple.with_aadOptscim062020, ua);
  assert.equal(res.body.displayName, 'Bjfe');
  assert.equal(res.body.name.givenName, 'Kkom');
  assert.equal(res.body.name.familyName, 'Unua');
  assert.equal(res.body['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].employeeNumber, 'Aklq');
  assert.equal(res.body.emails.find((e: any) => e.type === 'work').value, 'TestMhvaes@test.microsoft.com');
  assert.equal(res.body['name.givenName'], undefined, 'dotted keys are paths, not attribute names');

  const nick = pairs.find((p: any) => p.case === 'add single-value string attribute');
  res = await scim(token, 'PATCH', `/Users/${user.id}`, nick.without_flag, ua);
  assert.equal(res.body.nickName, 'Babs');

  const single = request(entra, 'patch-user-singlevalued');
  res = await scim(token, 'PATCH', withId(single.path, user.id), single.body, ua);
  assert.equal(res.body.userName, '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');

  const disable = pairs.find((p: any) => p.case === 'disable user');
  res = await scim(token, 'PATCH', `/Users/${user.id}`, disable.without_flag, ua);
  assert.equal(res.status, 200);
  assert.equal(res.body.active, false, '"False" as a string');
  res = await scim(token, 'PATCH', `/Users/${user.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Replace', path: 'active', value: 'True' }] }, ua);
  assert.equal(res.body.active, true);
  res = await scim(token, 'PATCH', `/Users/${user.id}`, request(entra, 'disable-user').body, ua);
  assert.equal(res.body.active, false, 'boolean false');
  const soft = await scim(token, 'GET', `/Users?filter=userName eq "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"`, undefined, ua);
  assert.equal(soft.body.totalResults, 1, 'a disabled user is still returned');

  const badPath = await scim(token, 'PATCH', `/Users/${user.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Remove' }] }, ua);
  assert.equal(badPath.status, 400);
  assert.equal(badPath.body.scimType, 'noTarget');
  const badFilter = await scim(token, 'GET', '/Users?filter=userName eq', undefined, ua);
  assert.equal(badFilter.status, 400);
  assert.equal(badFilter.body.scimType, 'invalidFilter');

  // Groups.
  const member = await scim(token, 'POST', '/Users', { ...create.body, userName: 'member@testuser.com', externalId: 'e2', emails: [{ primary: true, type: 'work', value: 'member@testuser.com' }] }, ua);
  const groupCreate = request(entra, 'create-group');
  const group = await scim(token, 'POST', groupCreate.path, groupCreate.body, ua);
  assert.equal(group.status, 201);
  assert.equal(group.body.externalId, groupCreate.body.externalId);
  assert.deepEqual(group.body.schemas, groupCreate.body.schemas);
  const noMembers = await scim(token, 'GET', withId(request(entra, 'get-group-excluding-members').path, group.body.id), undefined, ua);
  assert.equal(noMembers.status, 200);
  assert.equal('members' in noMembers.body, false);
  const queried = await scim(token, 'GET', request(entra, 'query-group-by-displayName').path, undefined, ua);
  assert.equal(queried.body.totalResults, 1);
  assert.equal('members' in queried.body.Resources[0], false);

  const rename = request(entra, 'patch-group-rename');
  assert.equal((await scim(token, 'PATCH', withId(rename.path, group.body.id), rename.body, ua)).status, 204);
  const add = request(entra, 'patch-group-add-members');
  const addBody = { ...add.body, Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: member.body.id }] }] };
  assert.equal((await scim(token, 'PATCH', withId(add.path, group.body.id), addBody, ua)).status, 204);
  let shown = await scim(token, 'GET', `/Groups/${group.body.id}`, undefined, ua);
  assert.equal(shown.body.displayName, rename.body.Operations[0].value);
  assert.deepEqual(shown.body.members.map((m: any) => m.value), [member.body.id]);
  const removeLegacy = request(entra, 'patch-group-remove-members');
  const removeBody = { ...removeLegacy.body, Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: member.body.id }] }] };
  assert.equal((await scim(token, 'PATCH', `/Groups/${group.body.id}`, removeBody, ua)).status, 204);
  shown = await scim(token, 'GET', `/Groups/${group.body.id}`, undefined, ua);
  assert.deepEqual(shown.body.members, []);
  await scim(token, 'PATCH', `/Groups/${group.body.id}`, addBody, ua);
  const removeByFilter = pairs.find((p: any) => p.case === 'remove a group member').with_aadOptscim062020;
  const filterBody = { ...removeByFilter, Operations: [{ op: 'remove', path: `members[value eq "${member.body.id}"]` }] };
  assert.equal((await scim(token, 'PATCH', `/Groups/${group.body.id}`, filterBody, ua)).status, 204);
  assert.deepEqual((await scim(token, 'GET', `/Groups/${group.body.id}`, undefined, ua)).body.members, []);
  assert.equal((await scim(token, 'DELETE', withId(request(entra, 'delete-group').path, group.body.id), undefined, ua)).status, 204);

  const deleteUser = request(entra, 'delete-user');
  assert.equal((await scim(token, 'DELETE', withId(deleteUser.path, user.id), undefined, ua)).status, 204);
  assert.equal((await scim(token, 'GET', `/Users/${user.id}`, undefined, ua)).status, 404);
  const spendKept = await http(`${env.gw.url}/admin/v1/users/${user.id}`, { token: admin });
  assert.equal(spendKept.body.active, false, 'the user row stays (spend history), blocked');

  const discovered = await scim(token, 'GET', request(entra, 'discover-schemas').path, undefined, ua);
  assert.equal(discovered.status, 200);
  assert.deepEqual(discovered.body.schemas, [listSchema]);
  assert.ok(!JSON.stringify(discovered.body).includes('null'), 'no null values in /Schemas');
  assert.deepEqual(discovered.body.Resources.map((s: any) => s.id).sort(), [
    'urn:ietf:params:scim:schemas:core:2.0:Group',
    'urn:ietf:params:scim:schemas:core:2.0:User',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  ]);
});

test('a SCIM token reaches only its own IdP; a rotated token stops working at once; disabling SCIM keeps the users', async () => {
  const a = await scimIdp('idp-a');
  const b = await scimIdp('idp-b');
  const user = (await scim(a, 'POST', '/Users', { userName: 'only-a@example.com' })).body;
  assert.equal((await scim(b, 'GET', `/Users/${user.id}`)).status, 404);
  assert.equal((await scim(b, 'GET', '/Users?filter=userName eq "only-a@example.com"')).body.totalResults, 0);
  assert.equal((await scim(b, 'PATCH', `/Users/${user.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] })).status, 404);
  assert.equal((await scim(b, 'POST', '/Users', { userName: 'only-a@example.com' })).status, 409, 'a user of another IdP is a uniqueness conflict');

  const rotated = await http(`${env.gw.url}/admin/v1/idps/idp-a/scim/rotate`, { method: 'POST', token: admin, body: {} });
  assert.equal(rotated.status, 200);
  const stale = await scim(a, 'GET', '/Users');
  assert.equal(stale.status, 401);
  assert.deepEqual(stale.body.schemas, [errorSchema]);
  assert.equal((await scim(rotated.body.token, 'GET', '/Users')).body.totalResults, 1);
  const shown = await http(`${env.gw.url}/admin/v1/idps/idp-a`, { token: admin });
  assert.deepEqual(shown.body.scim, { enabled: true, url: `${env.gw.url}/scim/v2`, token_prefix: rotated.body.token_prefix });
  assert.ok(!JSON.stringify(shown.body).includes(rotated.body.token));

  assert.equal((await http(`${env.gw.url}/admin/v1/idps/idp-a/scim`, { method: 'DELETE', token: admin })).status, 204);
  assert.equal((await scim(rotated.body.token, 'GET', '/Users')).status, 401);
  assert.equal((await http(`${env.gw.url}/admin/v1/users/only-a@example.com`, { token: admin })).status, 200);
  const audit = await http(`${env.gw.url}/admin/v1/audit?limit=500`, { token: admin });
  const actions = audit.body.data.map((e: any) => `${e.actor} ${e.action}`);
  assert.ok(actions.includes('scim:idp-a user.provision'), actions.join('\n'));
  assert.ok(actions.some((a: string) => a.endsWith('scim.rotate_token')));
  assert.ok(!JSON.stringify(audit.body).includes(rotated.body.token), 'tokens never reach the audit log');
  const filtered = await http(`${env.gw.url}/admin/v1/audit?actor=SCIM:idp-a&action=user.*`, { token: admin });
  assert.equal(filtered.status, 200);
  assert.ok(filtered.body.data.length >= 1);
  assert.ok(filtered.body.data.every((e: any) => e.actor === 'scim:idp-a' && e.action.startsWith('user.')));
  const byTarget = await http(`${env.gw.url}/admin/v1/audit?target_type=user&target_id=${user.id}`, { token: admin });
  assert.ok(byTarget.body.data.length >= 1 && byTarget.body.data.every((e: any) => e.target_id === user.id));
  const badAction = await http(`${env.gw.url}/admin/v1/audit?action=drop table`, { token: admin });
  assert.equal(badAction.status, 400);
});

test('SCIM groups decide team and role through the IdP group mappings', async () => {
  await http(`${env.gw.url}/admin/v1/teams`, { method: 'POST', token: admin ?? (admin = await adminToken(env.gw.url)), body: { name: 'data' } });
  const token = await scimIdp('mapped', [{ group: 'Data Engineers', team: 'data' }, { group: 'Gateway Leads', role: 'team_admin' }]);
  const user = (await scim(token, 'POST', '/Users', { userName: 'dana@example.com' })).body;
  const group = (await scim(token, 'POST', '/Groups', { displayName: 'Data Engineers', members: [{ value: user.id }] })).body;
  let shown = await http(`${env.gw.url}/admin/v1/users/${user.id}`, { token: admin });
  assert.equal(shown.body.team, 'data');
  assert.equal(shown.body.role, 'member');
  const leads = (await scim(token, 'POST', '/Groups', { displayName: 'Gateway Leads' })).body;
  await scim(token, 'PATCH', `/Groups/${leads.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: user.id }] }] });
  shown = await http(`${env.gw.url}/admin/v1/users/${user.id}`, { token: admin });
  assert.equal(shown.body.role, 'team_admin');
  await scim(token, 'PATCH', `/Groups/${group.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'remove', path: `members[value eq "${user.id}"]` }] });
  shown = await http(`${env.gw.url}/admin/v1/users/${user.id}`, { token: admin });
  assert.equal(shown.body.team, null, 'out of the group, back to the default team');
  assert.equal(shown.body.role, 'team_admin');
  // Changed mappings apply to provisioned users at once.
  await http(`${env.gw.url}/admin/v1/idps/mapped`, { method: 'PATCH', token: admin, body: { group_mappings: [{ group: 'Gateway Leads', team: 'data' }] } });
  shown = await http(`${env.gw.url}/admin/v1/users/${user.id}`, { token: admin });
  assert.equal(shown.body.team, 'data');
  assert.equal(shown.body.role, 'team_admin', 'no mapping sets roles any more: the role stays');
});

test('SCIM never takes over a local account, cannot remove the last admin, and a deleted user comes back without old keys', async () => {
  const token = await scimIdp('guarded');
  const local = await scim(token, 'POST', '/Users', { userName: 'admin' });
  assert.equal(local.status, 409);
  assert.match(local.body.detail, /local ccag account/);
  assert.equal((await http(`${env.gw.url}/admin/v1/users/admin`, { token: admin })).body.active, true);

  const user = (await scim(token, 'POST', '/Users', { userName: 'leaver@example.com' })).body;
  const key = (await http(`${env.gw.url}/admin/v1/keys`, { method: 'POST', token: admin, body: { name: 'k', user: user.id } })).body.key;
  assert.equal((await scim(token, 'DELETE', `/Users/${user.id}`)).status, 204);
  const again = await scim(token, 'POST', '/Users', { userName: 'leaver@example.com' });
  assert.equal(again.status, 201);
  assert.equal(again.body.id, user.id, 'the same user row comes back (spend history)');
  const res = await http(`${env.gw.url}/v1/models`, { apiKey: key });
  assert.equal(res.status, 401);
  assert.match(res.body.error.message, /revoked/);

  // The only admin is provisioned by the IdP: deactivating them is refused.
  const boss = (await scim(token, 'POST', '/Users', { userName: 'boss@example.com' })).body;
  await http(`${env.gw.url}/admin/v1/users/${boss.id}`, { method: 'PATCH', token: admin, body: { role: 'admin' } });
  await env.db.db.query("UPDATE users SET active = false WHERE username = 'admin'");
  try {
    const off = await scim(token, 'PATCH', `/Users/${boss.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] });
    assert.equal(off.status, 400);
    assert.equal(off.body.scimType, 'mutability');
    assert.equal((await scim(token, 'DELETE', `/Users/${boss.id}`)).status, 400);
  } finally {
    await env.db.db.query("UPDATE users SET active = true WHERE username = 'admin'");
  }
  const bulk = await scim(token, 'POST', '/Bulk', {});
  assert.equal(bulk.status, 501);
  assert.deepEqual(bulk.body.schemas, [errorSchema]);
  const jsonDelete = await http(`${env.gw.url}/scim/v2/Users/${boss.id}`, { method: 'DELETE', token, headers: { 'content-type': 'application/json' }, rawBody: '' });
  assert.equal(jsonDelete.status, 204, 'a DELETE with a JSON content type and no body');
});
