import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapUpstreamError } from '../../../src/gateway/bedrock/errors.js';

test("Bedrock's exceptions keep their wording; a failure of the gateway's own code tells the client nothing of it", () => {
  const throttled = Object.assign(new Error('Too many requests, please wait before trying again.'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } });
  const mapped = mapUpstreamError(throttled);
  assert.equal(mapped.type, 'rate_limit_error');
  assert.equal(mapped.message, 'Too many requests, please wait before trying again.');

  const tooLong = Object.assign(new Error('Input is too long for requested model.'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
  assert.equal(mapUpstreamError(tooLong).message, 'prompt is too long: Input is too long for requested model.');

  let bug: unknown;
  try {
    (undefined as unknown as { secretField: { x: number } }).secretField.x;
  } catch (err) {
    bug = err;
  }
  const internal = mapUpstreamError(bug);
  assert.equal(internal.type, 'api_error');
  assert.doesNotMatch(internal.message, /secretField|undefined/);
});
