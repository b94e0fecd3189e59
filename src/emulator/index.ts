/** The Bedrock emulator's public face: what tests, benchmarks and `ccag emulator` use. */
export { type Script, type ScriptBlock, type BedrockExceptionName } from './script.js';
export { emulatorCredentials, emulatorBearerToken } from './credentials.js';
export { defaultAcceptedFields, defaultAcceptedBetas } from './accepted-input.js';
export type { Emulator, EmulatorOptions, EmulatedRequest } from './types.js';
export { startEmulator } from './server.js';
export { countEmulatedTokens } from './tokens.js';
export { runEmulatorCommand } from './cli.js';
export { startStsEmulator, type StsEmulator, type StsEmulatorOptions, type EmulatedRole, type AssumeRoleCall } from './sts.js';
export { TemporaryCredentialStore, type TemporaryCredentials } from './temporary-credentials.js';
