import type { Script } from '../../src/emulator/index.js';

/**
 * The script that makes the emulator say what real Bedrock said in the recording
 * (test/fixtures/bedrock-invoke-stream-sonnet45-hi.*).
 */
export const recordedScript: Script = {
  kind: 'message',
  blocks: [{ type: 'text', text: 'Hi! 👋 How are you doing today?', chunks: ['Hi', '!', ' ', '👋 How', ' are you doing today?'] }],
  id: 'msg_bdrk_012GBPzpcoMCLP1b2pcJsSHk',
  model: 'claude-sonnet-4-5-20250929',
  usage: { input_tokens: 10, output_tokens: 15 },
  latency: { invocationLatency: 1798, firstByteLatency: 1507 },
};
