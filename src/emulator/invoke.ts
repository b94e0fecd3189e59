/** InvokeModel and InvokeModelWithResponseStream: validate, ask the script, answer as Bedrock does. */
import { performance } from 'node:perf_hooks';
import { resolveInvocableModel, type CatalogModel } from './catalog.js';
import { defaultScript } from './default-script.js';
import { chunkFrame, exceptionFrame } from './event-stream.js';
import { BedrockError, streamExceptionClass } from './exceptions.js';
import type { Exchange } from './exchange.js';
import { messageBody, messageStopEvent, planMessage, streamEvents, type MessageScript, type PlannedMessage } from './render.js';
import { countEmulatedTokens } from './tokens.js';
import { checkInvokeBody } from './validate.js';

/** The Smithy model's cap on the InvokeModel body. */
const maxBodyBytes = 25_000_000;

export async function invokeModel(exchange: Exchange, streaming: boolean): Promise<void> {
  const { record, rawBody, reply, state } = exchange;
  const { model } = resolveInvocableModel(record.modelId, state.region);
  if (rawBody.length > maxBodyBytes) {
    throw new BedrockError(
      'ValidationException',
      `1 validation error detected: Value at 'body' failed to satisfy constraint: Member must have length less than or equal to ${maxBodyBytes}`,
    );
  }
  const check = checkInvokeBody(rawBody.toString('utf8'), {
    model,
    acceptedFields: state.acceptedFields,
    acceptedBetas: state.acceptedBetas,
    enforceContextWindow: true,
  });
  if (!check.ok) throw new BedrockError('ValidationException', check.message);

  const script = state.script?.(record) ?? defaultScript(check.body);
  if (script.kind === 'error') throw new BedrockError(script.exception, script.message);
  if (script.kind === 'hang') return reply.untilClosed();
  const plan = planMessage(script, {
    model: model.anthropicName,
    inputTokens: countEmulatedTokens(check.body),
    thinkingDisplay: thinkingDisplay(check.body, model),
  });
  if (streaming) await writeStream(exchange, script, plan);
  else writeMessage(exchange, script, plan);
}

function thinkingDisplay(body: Record<string, any>, model: CatalogModel): 'summarized' | 'omitted' {
  const display = body.thinking?.display;
  return display === 'omitted' || display === 'summarized' ? display : model.thinkingDisplayDefault;
}

function writeMessage(exchange: Exchange, script: MessageScript, plan: PlannedMessage): void {
  const { usage } = plan;
  const latency = script.latency?.invocationLatency ?? elapsed(exchange);
  exchange.reply.json(200, messageBody(plan), {
    'x-amzn-bedrock-input-token-count': String(usage.input_tokens),
    'x-amzn-bedrock-output-token-count': String(usage.output_tokens),
    'x-amzn-bedrock-cache-read-input-token-count': String(usage.cache_read_input_tokens),
    'x-amzn-bedrock-cache-write-input-token-count': String(usage.cache_creation_input_tokens),
    'x-amzn-bedrock-invocation-latency': String(latency),
  });
}

/**
 * Frames go out one by one as they are "generated": headers with the first one (after
 * firstByteDelayMs), chunkDelayMs between the others, and failAfterEvents cutting in with an
 * exception frame.
 */
async function writeStream(exchange: Exchange, script: MessageScript, plan: PlannedMessage): Promise<void> {
  const { reply, record } = exchange;
  const events = streamEvents(plan);
  const failure = script.failAfterEvents;
  if (!(await reply.pause(script.firstByteDelayMs ?? 0))) return;
  reply.startEventStream();
  let firstByteLatency: number | undefined;
  // events.length is message_stop, built last because it reports the measured latencies.
  for (let i = 0; i <= events.length; i++) {
    if (i > 0 && !(await reply.pause(script.chunkDelayMs ?? 0))) return;
    if (failure && i === failure.events) {
      record.outcome = { ok: false, exception: streamExceptionClass(failure.exception), message: failure.message, status: 200 };
      // A model stream error also carries what the model itself said (protocols.md 2.3).
      const modelSaid = failure.exception === 'modelStreamErrorException' ? { originalStatusCode: 500, originalMessage: failure.message } : {};
      await reply.write(exceptionFrame(failure.exception, { message: failure.message, ...modelSaid }));
      return reply.end();
    }
    const event =
      events[i] ??
      messageStopEvent(plan, script.latency ?? { invocationLatency: elapsed(exchange), firstByteLatency: firstByteLatency ?? elapsed(exchange) });
    if (!(await reply.write(chunkFrame(event)))) return;
    firstByteLatency ??= elapsed(exchange);
  }
  reply.end();
}

function elapsed(exchange: Exchange): number {
  return Math.round(performance.now() - exchange.receivedAt);
}
