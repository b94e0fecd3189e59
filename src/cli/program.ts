import { Command } from 'commander';
import { version } from '../server/version.js';
import { auditCommand } from './commands/audit.js';
import { budgetsCommand } from './commands/budgets.js';
import { completionCommand } from './commands/completion.js';
import { connectCommand, disconnectCommand, tokenCommand } from './commands/connect.js';
import { doctorCommand } from './commands/doctor.js';
import { devicesCommand } from './commands/devices.js';
import { emulatorCommand } from './commands/emulator.js';
import { endpointsCommand } from './commands/endpoints.js';
import { idpsCommand } from './commands/idps.js';
import { notificationsCommand } from './commands/notifications.js';
import { searchProvidersCommand } from './commands/search-providers.js';
import { scimCommand } from './commands/scim.js';
import { keysCommand } from './commands/keys.js';
import { loginCommand, logoutCommand } from './commands/login.js';
import { modelsCommand } from './commands/models.js';
import { policiesCommand } from './commands/policies.js';
import { pricingCommand } from './commands/pricing.js';
import { spendCommand } from './commands/spend.js';
import { migrateCommand, serveCommand } from './commands/serve.js';
import { statusCommand } from './commands/status.js';
import { teamsCommand } from './commands/teams.js';
import { updateCommand } from './commands/update.js';
import { usersCommand } from './commands/users.js';

/** The `ccag` command tree: global flags of the product contract, then one group per noun. */
export function buildProgram(): Command {
  const program = new Command('ccag')
    .description('Claude Code gateway: Claude Code for a whole company through your own Amazon Bedrock')
    .version(version, '--version', 'print the version')
    .option('--gateway <url>', 'gateway URL [CCAG_URL]')
    .option('--token <token>', 'admin-scope key or session token [CCAG_TOKEN]')
    .option('--profile <name>', 'profile in ~/.config/ccag/config.json [CCAG_PROFILE]')
    .option('--json', 'machine-readable output')
    .option('--quiet', 'print ids only')
    .option('--no-color', 'no colours')
    .option('--yes', 'do not ask for confirmation')
    .option('-v, --verbose', 'more detail on errors')
    .showSuggestionAfterError()
    .exitOverride();
  for (const command of [
    serveCommand(),
    migrateCommand(),
    loginCommand(),
    logoutCommand(),
    connectCommand(),
    disconnectCommand(),
    tokenCommand(),
    statusCommand(),
    doctorCommand(),
    updateCommand(),
    keysCommand(),
    usersCommand(),
    teamsCommand(),
    modelsCommand(),
    pricingCommand(),
    budgetsCommand(),
    policiesCommand(),
    idpsCommand(),
    scimCommand(),
    endpointsCommand(),
    searchProvidersCommand(),
    notificationsCommand(),
    devicesCommand(),
    spendCommand(),
    auditCommand(),
    emulatorCommand(),
    completionCommand(() => program),
  ]) {
    program.addCommand(command);
    exitOverrideAll(command);
  }
  return program;
}

function exitOverrideAll(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) exitOverrideAll(sub);
}
