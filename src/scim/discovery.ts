import { groupSchema } from './groups.js';
import { listSchema, maxResults } from './list.js';
import { userSchema } from './users.js';

/** RFC 7643 §5–7 discovery documents: minimal, valid, no nulls (Entra reads them). */
const enterpriseSchema = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: 'https://github.com/ccag/ccag/blob/main/docs/scim.md',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: 'The SCIM token of the identity provider: ccag scim enable --idp NAME',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

export function resourceTypes(baseUrl: string) {
  return [
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'A ccag user',
      schema: userSchema,
      schemaExtensions: [{ schema: enterpriseSchema, required: false }],
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/User` },
    },
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'A group; the identity provider\'s group mappings turn groups into teams and roles',
      schema: groupSchema,
      schemaExtensions: [],
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/Group` },
    },
  ];
}

type Attr = { name: string; type: string; multiValued?: boolean; required?: boolean; caseExact?: boolean; mutability?: string; returned?: string; uniqueness?: string; subAttributes?: Attr[] };

function attribute(a: Attr): Record<string, unknown> {
  return {
    name: a.name,
    type: a.type,
    multiValued: a.multiValued ?? false,
    description: a.name,
    required: a.required ?? false,
    caseExact: a.caseExact ?? false,
    mutability: a.mutability ?? 'readWrite',
    returned: a.returned ?? 'default',
    uniqueness: a.uniqueness ?? 'none',
    ...(a.subAttributes && { subAttributes: a.subAttributes.map(attribute) }),
  };
}

const multi = (name: string, sub: Attr[], extra: Partial<Attr> = {}): Attr => ({ name, type: 'complex', multiValued: true, subAttributes: sub, ...extra });
const str = (name: string, extra: Partial<Attr> = {}): Attr => ({ name, type: 'string', ...extra });

export function schemas(baseUrl: string) {
  const docs = [
    {
      id: userSchema,
      name: 'User',
      attributes: [
        str('userName', { required: true, uniqueness: 'server' }),
        { name: 'name', type: 'complex', subAttributes: [str('formatted'), str('familyName'), str('givenName'), str('middleName')] },
        str('displayName'),
        str('nickName'),
        str('locale'),
        str('externalId', { caseExact: true }),
        { name: 'active', type: 'boolean' },
        multi('emails', [str('value'), str('type'), { name: 'primary', type: 'boolean' }]),
        multi('groups', [str('value', { mutability: 'readOnly' }), str('display', { mutability: 'readOnly' })], { mutability: 'readOnly' }),
        multi('roles', [str('value'), str('type'), { name: 'primary', type: 'boolean' }]),
      ],
    },
    {
      id: groupSchema,
      name: 'Group',
      attributes: [str('displayName', { required: true, uniqueness: 'server' }), str('externalId', { caseExact: true }), multi('members', [str('value', { mutability: 'immutable' }), str('display')])],
    },
    {
      id: enterpriseSchema,
      name: 'EnterpriseUser',
      attributes: [str('employeeNumber'), str('costCenter'), str('organization'), str('division'), str('department'), { name: 'manager', type: 'complex', subAttributes: [str('value'), str('displayName')] }],
    },
  ];
  return docs.map((d) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id: d.id,
    name: d.name,
    description: `${d.name} as ccag stores it`,
    attributes: d.attributes.map(attribute),
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${d.id}` },
  }));
}

export function listOf(resources: unknown[]) {
  return { schemas: [listSchema], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources };
}
