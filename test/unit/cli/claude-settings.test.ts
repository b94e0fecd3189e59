import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectSettings, disconnectSettings, settingsConflicts, settingsDiff, shellEnvConflicts } from '../../../src/cli/claude-settings.js';

const gatewayUrl = 'https://gw.example.com';
const apiKeyHelper = '"/usr/bin/node" "/opt/ccag/bin/ccag" token --profile "default"';

/** A developer's settings from their Bedrock days, with things of their own around them. */
const bedrockSettings = {
  $schema: 'https://json.schemastore.org/claude-code-settings.json',
  model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  permissions: { allow: ['Bash(npm test)', 'Read'], deny: ['Read(./.env)'] },
  env: {
    CLAUDE_CODE_USE_BEDROCK: '1',
    AWS_REGION: 'us-east-1',
    AWS_PROFILE: 'bedrock',
    ANTHROPIC_DEFAULT_HAIKU_MODEL: 'global.anthropic.claude-haiku-4-5-20251001-v1:0',
    ANTHROPIC_DEFAULT_HAIKU_MODEL_NAME: 'Haiku on Bedrock',
    ANTHROPIC_DEFAULT_OPUS_MODEL: 'claude-opus-4-8',
    DISABLE_TELEMETRY: '1',
    MAX_THINKING_TOKENS: '8000',
  },
  hooks: { PostToolUse: [{ matcher: 'Edit', hooks: [{ type: 'command', command: 'npx prettier --write' }] }] },
  statusLine: { type: 'command', command: '~/.claude/statusline.sh' },
};

const connected = {
  $schema: 'https://json.schemastore.org/claude-code-settings.json',
  permissions: { allow: ['Bash(npm test)', 'Read'], deny: ['Read(./.env)'] },
  env: {
    ANTHROPIC_DEFAULT_OPUS_MODEL: 'claude-opus-4-8',
    DISABLE_TELEMETRY: '1',
    MAX_THINKING_TOKENS: '8000',
    ANTHROPIC_BASE_URL: gatewayUrl,
    CLAUDE_CODE_API_KEY_HELPER_TTL_MS: '900000',
    CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: '1',
  },
  hooks: { PostToolUse: [{ matcher: 'Edit', hooks: [{ type: 'command', command: 'npx prettier --write' }] }] },
  statusLine: { type: 'command', command: '~/.claude/statusline.sh' },
  apiKeyHelper,
};

const options = { gatewayUrl, apiKeyHelper, helperTtlMs: 900_000 };

/** Equal as the file would be written: same keys, same values, same order. */
const assertSameFile = (actual: unknown, expected: unknown) => assert.equal(JSON.stringify(actual, null, 2), JSON.stringify(expected, null, 2));

test('connect takes Bedrock mode and its model pins out, writes the gateway, and keeps everything else in place', () => {
  const { settings, removed } = connectSettings(bedrockSettings, options);
  assertSameFile(settings, connected);
  assert.deepEqual(removed, ['model', 'env.CLAUDE_CODE_USE_BEDROCK', 'env.AWS_REGION', 'env.AWS_PROFILE', 'env.ANTHROPIC_DEFAULT_HAIKU_MODEL', 'env.ANTHROPIC_DEFAULT_HAIKU_MODEL_NAME']);
  assert.equal(bedrockSettings.env.CLAUDE_CODE_USE_BEDROCK, '1', 'the input is not modified');
});

test('the --dry-run diff shows exactly what changes, with context', () => {
  const { settings } = connectSettings(bedrockSettings, options);
  assert.equal(
    settingsDiff(bedrockSettings, settings),
    `@@ -1,5 +1,4 @@
 {
   "$schema": "https://json.schemastore.org/claude-code-settings.json",
-  "model": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
   "permissions": {
     "allow": [
@@ -12,12 +11,10 @@
   },
   "env": {
-    "CLAUDE_CODE_USE_BEDROCK": "1",
-    "AWS_REGION": "us-east-1",
-    "AWS_PROFILE": "bedrock",
-    "ANTHROPIC_DEFAULT_HAIKU_MODEL": "global.anthropic.claude-haiku-4-5-20251001-v1:0",
-    "ANTHROPIC_DEFAULT_HAIKU_MODEL_NAME": "Haiku on Bedrock",
     "ANTHROPIC_DEFAULT_OPUS_MODEL": "claude-opus-4-8",
     "DISABLE_TELEMETRY": "1",
-    "MAX_THINKING_TOKENS": "8000"
+    "MAX_THINKING_TOKENS": "8000",
+    "ANTHROPIC_BASE_URL": "https://gw.example.com",
+    "CLAUDE_CODE_API_KEY_HELPER_TTL_MS": "900000",
+    "CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY": "1"
   },
   "hooks": {
@@ -37,4 +34,5 @@
     "type": "command",
     "command": "~/.claude/statusline.sh"
-  }
+  },
+  "apiKeyHelper": "\\"/usr/bin/node\\" \\"/opt/ccag/bin/ccag\\" token --profile \\"default\\""
 }`,
  );
});

test('the diff is exact where identical lines repeat', () => {
  const before = { permissions: { allow: ['Read', 'Read', 'Edit'], deny: ['Read'] } };
  const after = { permissions: { allow: ['Read', 'Edit'], deny: ['Read', 'Read'] } };
  assert.equal(
    settingsDiff(before, after),
    `@@ -3,8 +3,8 @@
     "allow": [
       "Read",
-      "Read",
       "Edit"
     ],
     "deny": [
+      "Read",
       "Read"
     ]`,
  );
  assert.equal(settingsDiff(after, after), '');
});

test('a second connect changes nothing and reports nothing removed', () => {
  const once = connectSettings(bedrockSettings, options).settings;
  const twice = connectSettings(once, options);
  assertSameFile(twice.settings, once);
  assert.deepEqual(twice.removed, []);
  assert.equal(settingsDiff(once, twice.settings), '');
});

test('disconnect takes out only what connect wrote; what connect removed stays removed', () => {
  const { settings } = connectSettings(bedrockSettings, options);
  assertSameFile(disconnectSettings(settings, gatewayUrl, apiKeyHelper), {
    $schema: 'https://json.schemastore.org/claude-code-settings.json',
    permissions: { allow: ['Bash(npm test)', 'Read'], deny: ['Read(./.env)'] },
    env: { ANTHROPIC_DEFAULT_OPUS_MODEL: 'claude-opus-4-8', DISABLE_TELEMETRY: '1', MAX_THINKING_TOKENS: '8000' },
    hooks: { PostToolUse: [{ matcher: 'Edit', hooks: [{ type: 'command', command: 'npx prettier --write' }] }] },
    statusLine: { type: 'command', command: '~/.claude/statusline.sh' },
  });
  // Changed by the user since: theirs now, kept.
  const edited = { ...settings, apiKeyHelper: '/usr/local/bin/other-helper', env: { ...settings.env, ANTHROPIC_BASE_URL: 'https://other.example.com' } };
  assert.deepEqual(disconnectSettings(edited, gatewayUrl, apiKeyHelper), {
    ...edited,
    env: { ANTHROPIC_DEFAULT_OPUS_MODEL: 'claude-opus-4-8', DISABLE_TELEMETRY: '1', MAX_THINKING_TOKENS: '8000', ANTHROPIC_BASE_URL: 'https://other.example.com', CLAUDE_CODE_API_KEY_HELPER_TTL_MS: '900000', CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: '1' },
  });
  assert.deepEqual(disconnectSettings(connectSettings({}, { gatewayUrl, apiKeyHelper }).settings, gatewayUrl, apiKeyHelper), {});
});

test('credentials and other providers go; a replaced helper or base URL is reported', () => {
  const { settings, removed } = connectSettings(
    {
      apiKeyHelper: '~/bin/get-anthropic-key',
      env: { ANTHROPIC_BASE_URL: 'https://old-proxy.example.com', ANTHROPIC_API_KEY: 'sk-ant-x', ANTHROPIC_AUTH_TOKEN: 't', CLAUDE_CODE_USE_VERTEX: '1', AWS_BEARER_TOKEN_BEDROCK: 'b', EDITOR: 'vim' },
    },
    { gatewayUrl, apiKeyHelper },
  );
  assertSameFile(settings, { apiKeyHelper, env: { ANTHROPIC_BASE_URL: gatewayUrl, EDITOR: 'vim', CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: '1' } });
  assert.deepEqual(removed, ['apiKeyHelper', 'env.ANTHROPIC_BASE_URL', 'env.ANTHROPIC_API_KEY', 'env.ANTHROPIC_AUTH_TOKEN', 'env.CLAUDE_CODE_USE_VERTEX', 'env.AWS_BEARER_TOKEN_BEDROCK']);
});

test('AWS_REGION and AWS_PROFILE stay unless the same file turned Bedrock mode on', () => {
  const env = { AWS_REGION: 'eu-west-1', AWS_PROFILE: 'dev' };
  assert.deepEqual(settingsConflicts({ env }), []);
  assert.deepEqual(settingsConflicts({ env: { ...env, CLAUDE_CODE_USE_BEDROCK: '0' } }), ['env.CLAUDE_CODE_USE_BEDROCK']);
  assert.deepEqual(settingsConflicts({ env: { ...env, CLAUDE_CODE_USE_BEDROCK: 'true' } }), ['env.AWS_REGION', 'env.AWS_PROFILE', 'env.CLAUDE_CODE_USE_BEDROCK']);
});

test('model pins: Bedrock ids and ARNs go; with the served list, so does any model not in it', () => {
  const env = {
    ANTHROPIC_MODEL: 'Claude-Sonnet-4-5[1m]',
    ANTHROPIC_DEFAULT_OPUS_MODEL: 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc',
    ANTHROPIC_DEFAULT_SONNET_MODEL: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
    ANTHROPIC_DEFAULT_HAIKU_MODEL: 'claude-haiku-4-5',
    ANTHROPIC_SMALL_FAST_MODEL: 'eu.anthropic.claude-haiku-4-5-20251001-v1:0',
    CLAUDE_CODE_SUBAGENT_MODEL: 'opusplan',
    ANTHROPIC_DEFAULT_MODEL: 'gpt-5',
  };
  assert.deepEqual(settingsConflicts({ model: 'sonnet[1m]', env }), ['env.ANTHROPIC_DEFAULT_OPUS_MODEL', 'env.ANTHROPIC_DEFAULT_SONNET_MODEL', 'env.ANTHROPIC_SMALL_FAST_MODEL']);
  assert.deepEqual(settingsConflicts({ model: 'Opus', env }, ['claude-sonnet-4-5', 'claude-opus-4-8']), [
    'env.ANTHROPIC_DEFAULT_OPUS_MODEL',
    'env.ANTHROPIC_DEFAULT_SONNET_MODEL',
    'env.ANTHROPIC_DEFAULT_HAIKU_MODEL',
    'env.ANTHROPIC_SMALL_FAST_MODEL',
    'env.ANTHROPIC_DEFAULT_MODEL',
  ]);
  assert.deepEqual(settingsConflicts({ model: 'claude-3-opus' }, ['claude-sonnet-4-5']), ['model']);
  // /v1/models lists dated ids; the undated alias of one is served too.
  assert.deepEqual(settingsConflicts({ model: 'claude-sonnet-4-5' }, ['claude-sonnet-4-5-20250929']), []);
  assert.deepEqual(settingsConflicts({ model: 'claude-sonnet-4' }, ['claude-sonnet-4-5-20250929']), ['model']);
});

test('shell variables that outrank the helper or pin a Bedrock model are named', () => {
  assert.deepEqual(
    shellEnvConflicts({
      CLAUDE_CODE_USE_BEDROCK: '1',
      CLAUDE_CODE_USE_VERTEX: '0',
      ANTHROPIC_API_KEY: 'sk-ant-x',
      ANTHROPIC_AUTH_TOKEN: '',
      ANTHROPIC_BASE_URL: 'https://elsewhere.example.com',
      ANTHROPIC_MODEL: 'us.anthropic.claude-opus-4-8-v1:0',
      CLAUDE_CODE_SUBAGENT_MODEL: 'haiku',
      AWS_REGION: 'us-east-1',
    }),
    ['CLAUDE_CODE_USE_BEDROCK', 'ANTHROPIC_API_KEY', 'ANTHROPIC_MODEL'],
  );
  assert.deepEqual(shellEnvConflicts({ PATH: '/usr/bin' }), []);
});
