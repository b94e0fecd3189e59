import { Command, Option } from 'commander';
import { loadConfig, settings, type Config } from '../../server/config.js';
import { action } from '../action.js';

/** Adds one flag per configuration setting that has one, from the settings table. */
function addConfigOptions(command: Command, only?: (keyof Config | string)[]): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const s of settings) {
    if (!s.flag || (only && !only.includes(s.key))) continue;
    const option = new Option(s.boolean ? s.flag : `${s.flag} <value>`, `${s.description}${s.env ? ` [${s.env}]` : ''}`);
    command.addOption(option);
    attributes.set(option.attributeName(), s.key);
  }
  return attributes;
}

function configFrom(options: Record<string, unknown>, attributes: Map<string, string>): Config {
  const flags: Record<string, unknown> = {};
  for (const [attribute, key] of attributes) if (options[attribute] !== undefined) flags[key] = options[attribute];
  return loadConfig(flags);
}

export function serveCommand(): Command {
  const serve = new Command('serve').description('run the gateway (embedded database unless DATABASE_URL is set)');
  const attributes = addConfigOptions(serve);
  serve.action(
    action<Record<string, unknown>>(async (_ctx, _args, options) => {
      const server = await import('../server-side.js');
      const { createGateway, exitOnSignals, startupSummary } = server;
      const config = configFrom(options, attributes);
      // --workers N: this process forks the workers; each of them comes back here as a worker.
      if (server.isClusterPrimary(config)) return server.runClusterPrimary(config);
      const slot = server.clusterWorkerSlot();
      if (slot) return server.runClusterWorker(config, slot);
      const gateway = await createGateway(config);
      exitOnSignals(gateway);
      const url = await gateway.listen();
      const summary = await startupSummary(gateway, url);
      if (process.stderr.isTTY) process.stderr.write(`\n${summary.lines.join('\n')}\n\n`);
      else gateway.log.info(summary.fields, 'ready');
    }),
  );
  return serve;
}

export function migrateCommand(): Command {
  const command = new Command('migrate').description('apply database migrations and exit (serve also applies them at start)');
  const attributes = addConfigOptions(command, ['databaseUrl', 'dataDir', 'logLevel']);
  command.action(
    action<Record<string, unknown>>(async (ctx, _args, options) => {
      const { createLogger, migrate, openDb } = await import('../server-side.js');
      const config = configFrom(options, attributes);
      const db = await openDb(config, createLogger(config.logLevel));
      try {
        const applied = await migrate(db);
        if (ctx.out.mode === 'json') ctx.out.json({ applied });
        else process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'The database is up to date.\n');
      } finally {
        await db.close();
      }
    }),
  );
  return command;
}
