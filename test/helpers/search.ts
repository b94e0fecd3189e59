import assert from 'node:assert/strict';
import { adminToken, http } from './gateway.js';

/**
 * Adds a "custom" search provider at a loopback URL through the admin API (private addresses
 * allowed) and, unless `assign` is false, makes it the gateway's: what every web search uses.
 */
export async function addSearchProvider(gatewayUrl: string, name: string, url: string, o: { assign?: boolean } = {}): Promise<void> {
  const token = await adminToken(gatewayUrl);
  const created = await http(`${gatewayUrl}/admin/v1/search-providers`, { method: 'POST', token, body: { name, kind: 'custom', url, allow_private: true } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  if (o.assign === false) return;
  const assigned = await http(`${gatewayUrl}/admin/v1/search-providers/${name}/assign`, { method: 'PUT', token, body: { scope: 'gateway' } });
  assert.equal(assigned.status, 200, JSON.stringify(assigned.body));
}
