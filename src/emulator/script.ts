/**
 * What the emulated model answers: a script. Tests set one per request; without one the
 * emulator reads directives from the prompt (see default-script.ts).
 */

export type ScriptBlock =
  | { type: 'text'; text: string; /** how to split it into text_delta chunks; default: words */ chunks?: string[] }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id?: string; name: string; input: Record<string, unknown> };

export type BedrockExceptionName =
  | 'ValidationException'
  | 'AccessDeniedException'
  | 'ResourceNotFoundException'
  | 'ThrottlingException'
  | 'ModelNotReadyException'
  | 'ModelTimeoutException'
  | 'ModelErrorException'
  | 'ModelStreamErrorException'
  | 'InternalServerException'
  | 'ServiceUnavailableException'
  | 'ServiceQuotaExceededException';

export type Script =
  | {
      kind: 'message';
      blocks: ScriptBlock[];
      stopReason?: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';
      /** Overrides of the usage the emulator would compute. */
      usage?: { input_tokens?: number; output_tokens?: number; cache_read_input_tokens?: number; cache_creation_input_tokens?: number };
      /** Fixed message id (default: a fresh msg_bdrk_01…). */
      id?: string;
      /** Fixed `model` in message_start / the message (default: the catalog's Anthropic id). */
      model?: string;
      /** Milliseconds to wait before the first event and between events (streaming only). */
      firstByteDelayMs?: number;
      chunkDelayMs?: number;
      /** Fixed invocation metrics latencies (default: measured). */
      latency?: { invocationLatency: number; firstByteLatency: number };
      /** Streaming only: after this many events, send this exception frame and end the stream. */
      failAfterEvents?: { events: number; exception: 'modelStreamErrorException' | 'throttlingException' | 'internalServerException' | 'serviceUnavailableException' | 'validationException' | 'modelTimeoutException'; message: string };
    }
  | { kind: 'error'; exception: BedrockExceptionName; message: string }
  /** Accept the request and never answer (until the client goes away). */
  | { kind: 'hang' };
