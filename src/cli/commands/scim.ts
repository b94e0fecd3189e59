import { Command } from 'commander';
import type { ScimTokenResponse } from '../../api/schemas.js';
import { action } from '../action.js';
import type { Column } from '../output.js';
import { confirmed, required } from '../prompt.js';

const tokenFields: Column<ScimTokenResponse>[] = [
  { header: 'IDP', value: (t) => t.idp },
  { header: 'SCIM URL', value: (t) => t.scim_url },
  { header: 'TOKEN', value: (t) => t.token },
];
const path = (idp: string) => `/admin/v1/idps/${encodeURIComponent(idp)}/scim`;

export function scimCommand(): Command {
  const scim = new Command('scim').description('SCIM 2.0 provisioning from an identity provider (Okta, Entra ID): one bearer token per IdP');

  for (const [verb, help, suffix] of [
    ['enable', 'turn provisioning on: prints the SCIM URL and a token (shown once) to enter at the IdP', ''],
    ['rotate-token', 'replace the token: the old one stops working at once', '/rotate'],
  ] as const) {
    scim
      .command(verb)
      .description(help)
      .requiredOption('--idp <idp>', 'identity provider name or id')
      .action(
        action<{ idp: string }>(async (ctx, _args, o) => {
          const issued = await (await ctx.client()).call<ScimTokenResponse>('POST', `${path(o.idp)}${suffix}`, {});
          ctx.out.resource(issued, tokenFields, (t) => t.token);
          ctx.out.say('Enter the URL and the token at the IdP now: the token is not shown again.');
        }),
      );
  }

  scim
    .command('disable')
    .description('turn provisioning off: the token stops working; provisioned users and groups stay')
    .requiredOption('--idp <idp>', 'identity provider name or id')
    .action(
      action<{ idp: string }>(async (ctx, _args, o) => {
        const idp = await required(o.idp, '--idp', 'Identity provider:');
        if (!(await confirmed(`Disable SCIM for ${idp}?`, Boolean(ctx.options.yes)))) return;
        await (await ctx.client()).call('DELETE', path(idp));
        ctx.out.say(`SCIM is off for ${idp}; its users and groups are kept.`);
      }),
    );

  return scim;
}
