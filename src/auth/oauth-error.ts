/**
 * An error of the OAuth endpoints (/oauth/*), sent as RFC 6749 §5.2 JSON:
 * `{"error": "...", "error_description": "..."}`.
 */
export class OAuthError extends Error {
  override name = 'OAuthError';

  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(description);
  }
}

export const invalidGrant = (description: string) => new OAuthError('invalid_grant', description);
export const invalidRequestOAuth = (description: string) => new OAuthError('invalid_request', description);
