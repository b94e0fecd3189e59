/** Library entry: embed the gateway in another Node.js program. */
export { createGateway, type Gateway, type GatewayOptions } from './server/gateway.js';
export { loadConfig, ConfigError, type Config } from './server/config.js';
export type { Db } from './db/db.js';
