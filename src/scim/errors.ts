/** RFC 7644 §3.12 scimType values ccag sends. */
export type ScimType = 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue' | 'sensitive';

/** An error of the SCIM routes, sent as a SCIM Error body with its HTTP status. */
export class ScimError extends Error {
  override name = 'ScimError';

  constructor(
    readonly status: number,
    detail: string,
    readonly scimType?: ScimType,
  ) {
    super(detail);
  }
}

export const scimErrorSchema = 'urn:ietf:params:scim:api:messages:2.0:Error';

export function scimErrorBody(err: ScimError): Record<string, unknown> {
  return { schemas: [scimErrorSchema], status: String(err.status), ...(err.scimType && { scimType: err.scimType }), detail: err.message };
}

export const invalidFilter = (detail: string) => new ScimError(400, detail, 'invalidFilter');
export const invalidPath = (detail: string) => new ScimError(400, detail, 'invalidPath');
export const invalidValue = (detail: string) => new ScimError(400, detail, 'invalidValue');
export const noTarget = (detail: string) => new ScimError(400, detail, 'noTarget');
export const scimNotFound = (detail: string) => new ScimError(404, detail);
export const uniqueness = (detail: string) => new ScimError(409, detail, 'uniqueness');
