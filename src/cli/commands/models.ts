import { Command } from 'commander';
import type { BetaOverrideView, ModelMappingView } from '../../api/schemas.js';
import { action } from '../action.js';
import type { Column } from '../output.js';

const modelColumns: Column<ModelMappingView>[] = [
  { header: 'MODEL', value: (m) => m.model },
  { header: 'BEDROCK MODEL', value: (m) => m.bedrock_model },
  { header: 'NAME', value: (m) => m.display_name },
  { header: 'SOURCE', value: (m) => m.source },
  { header: 'CONTEXT', value: (m) => m.context_window },
];

const betaColumns: Column<BetaOverrideView>[] = [
  { header: 'MODEL', value: (b) => b.model },
  { header: 'BETA', value: (b) => b.beta },
  { header: 'ALLOWED', value: (b) => (b.allowed ? 'yes' : 'no') },
];

const path = (model: string) => `/admin/v1/models/${encodeURIComponent(model)}`;

export function modelsCommand(): Command {
  const models = new Command('models').description('model mappings (Anthropic model id → Bedrock) and beta overrides');

  models
    .command('list')
    .description('models the gateway serves, and what each is called on Bedrock')
    .action(
      action(async (ctx) => {
        ctx.out.list(await (await ctx.client()).listAll<ModelMappingView>('/admin/v1/models'), modelColumns, (m) => m.model);
      }),
    );

  models
    .command('map')
    .description('serve <model> with a Bedrock model id, inference profile id or ARN')
    .argument('<model>', 'the id clients send, e.g. claude-opus-5-5')
    .argument('<bedrock-model>', 'e.g. anthropic.claude-opus-4-8, us.anthropic.claude-sonnet-4-5-20250929-v1:0, or an ARN')
    .option('--name <name>', 'display name in /v1/models')
    .action(
      action<{ name?: string }>(async (ctx, [model, bedrock], o) => {
        const view = await (await ctx.client()).call<ModelMappingView>('PUT', path(model!), { bedrock_model: bedrock, display_name: o.name });
        ctx.out.resource(view, modelColumns, (m) => m.model);
      }),
    );

  models
    .command('unmap')
    .description('remove an admin mapping')
    .argument('<model>', 'model id')
    .action(
      action(async (ctx, [model]) => {
        await (await ctx.client()).call('DELETE', path(model!));
        ctx.out.say(`Removed the mapping of ${model}.`);
      }),
    );

  const betas = models.command('betas').description('which anthropic-beta values are passed to Bedrock, per model');
  betas
    .command('list')
    .description('admin overrides of the built-in beta list')
    .action(
      action(async (ctx) => {
        ctx.out.list(await (await ctx.client()).listAll<BetaOverrideView>('/admin/v1/model-betas'), betaColumns, (b) => `${b.model} ${b.beta}`);
      }),
    );
  for (const [verb, allowed, help] of [
    ['allow', true, 'pass a beta to Bedrock'],
    ['deny', false, 'never pass a beta to Bedrock'],
  ] as const) {
    betas
      .command(verb)
      .description(help)
      .argument('<beta>', 'beta name, e.g. context-1m-2025-08-07')
      .option('--model <model>', 'only for this model (default: all models)', '*')
      .action(
        action<{ model: string }>(async (ctx, [beta], o) => {
          const view = await (await ctx.client()).call<BetaOverrideView>('PUT', '/admin/v1/model-betas', { model: o.model, beta, allowed });
          ctx.out.resource(view, betaColumns, (b) => b.beta);
        }),
      );
  }
  betas
    .command('reset')
    .description('remove an override (back to the built-in list)')
    .argument('<beta>', 'beta name')
    .option('--model <model>', 'the override\'s model', '*')
    .action(
      action<{ model: string }>(async (ctx, [beta], o) => {
        await (await ctx.client()).call('DELETE', `/admin/v1/model-betas/${encodeURIComponent(o.model)}/${encodeURIComponent(beta!)}`);
        ctx.out.say(`Reset ${beta} for ${o.model}.`);
      }),
    );
  return models;
}
