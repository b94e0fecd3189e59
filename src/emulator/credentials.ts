/** The static credentials the emulator accepts unless told otherwise. */
export const emulatorCredentials = {
  accessKeyId: 'ccag-emulator',
  secretAccessKey: 'ccag-emulator-secret',
} as const;

/** The Bedrock API key (`Authorization: Bearer …`, AWS_BEARER_TOKEN_BEDROCK) the emulator accepts. */
export const emulatorBearerToken = 'ccag-emulator-bearer';
