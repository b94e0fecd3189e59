/**
 * The reference docs stay complete and true: every gateway setting is in docs/configuration.md
 * (and nothing there that ccag does not read), every `ccag` command and option is in
 * docs/cli.md, and every admin API route is in docs/admin-api.md's route table (and no route
 * that does not exist). Each failure lists exactly what is missing where.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { walk } from '../../../src/cli/completion/generate.js';
import { buildProgram } from '../../../src/cli/program.js';
import { settings } from '../../../src/server/config.js';
import { useTestGateway } from '../../helpers/gateway.js';

const docs = join(import.meta.dirname, '..', '..', '..', 'docs');
const readDoc = (name: string) => readFileSync(join(docs, name), 'utf8');

interface Section {
  level: number;
  title: string;
  /** From the heading to the next heading of any level. */
  own: string;
  /** From the heading to the next heading of the same or a higher level (subsections included). */
  whole: string;
}

/** The document's sections by heading (`## keys`, `### keys create`); headings in code blocks do not count. */
function sections(markdown: string): Section[] {
  const lines = markdown.split('\n');
  let fenced = false;
  const headings: { line: number; level: number; title: string }[] = [];
  lines.forEach((line, i) => {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^(#{1,6}) (.+)$/.exec(line);
    if (m) headings.push({ line: i, level: m[1]!.length, title: m[2]!.trim() });
  });
  return headings.map((h, i) => {
    const next = headings[i + 1]?.line ?? lines.length;
    const end = headings.slice(i + 1).find((n) => n.level <= h.level)?.line ?? lines.length;
    return { level: h.level, title: h.title, own: lines.slice(h.line, next).join('\n'), whole: lines.slice(h.line, end).join('\n') };
  });
}

/** The cells of the body rows of the Markdown tables in `text` (headers and separators skipped). */
function tableRows(text: string): string[][] {
  const lines = text.split('\n');
  const separator = (line = '') => /^\|[-| :]+\|$/.test(line);
  return lines
    .filter((l, i) => l.startsWith('|') && !separator(l) && !separator(lines[i + 1]))
    .map((l) => l.replace(/\\\|/g, '\u0000').split('|').slice(1, -1).map((c) => c.replace(/\u0000/g, '|').trim()));
}

/** The text of each `code span` in `text`. */
const codeSpans = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/** `text` names `word` as a whole: `--name` is not found in `--names`. */
const mentions = (text: string, word: string) =>
  new RegExp(`(?<![\\w-])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`).test(text);

/** A table row's first cell starts with the command (`teams create [name] …`, `ccag scim enable …`). */
const inTable = (text: string, path: string) =>
  tableRows(text).some(([first]) => codeSpans(first ?? '').some((c) => startsCommand(c, path)));

/** A synopsis (a code block without a language) has a line starting with the command. */
function inSynopsis(text: string, path: string): boolean {
  const blocks = [...text.matchAll(/^```\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  return blocks.some((b) => b.split('\n').some((line) => startsCommand(line, path)));
}

const startsCommand = (text: string, path: string) => new RegExp(`^(ccag )?${path}( |$)`).test(text.trim());

function section(list: Section[], title: string, doc: string): Section {
  const found = list.find((s) => s.title === title);
  assert.ok(found, `${doc} has no section "${title}"`);
  return found;
}

// ------------------------------------------------------------------------ configuration.md

test('docs/configuration.md documents every setting with its flag, and only settings ccag reads', () => {
  const doc = 'docs/configuration.md';
  const all = sections(readDoc('configuration.md'));
  const rows = tableRows(section(all, 'Settings', doc).own).map(([flag, env]) => ({
    flag: flag === '—' ? undefined : codeSpans(flag!)[0],
    env: codeSpans(env!)[0],
  }));
  const problems: string[] = [];
  for (const s of settings) {
    const name = s.env ?? s.flag!;
    const row = rows.find((r) => (s.env ? r.env === s.env : r.flag === s.flag));
    if (!row) problems.push(`${doc} (Settings table): no row for ${name}${s.flag && s.env ? ` (${s.flag})` : ''}`);
    else if (row.flag !== s.flag) problems.push(`${doc} (Settings table): ${name} has the flag ${row.flag ?? '—'}, ccag's is ${s.flag ?? '— (none)'}`);
  }
  const envs = new Set(settings.map((s) => s.env));
  const flags = new Set(settings.map((s) => s.flag));
  for (const r of rows) {
    if (r.env && !envs.has(r.env)) problems.push(`${doc} (Settings table): ${r.env} is not a setting ccag reads`);
    if (r.flag && !flags.has(r.flag)) problems.push(`${doc} (Settings table): ${r.flag} is not a flag of ccag serve`);
  }
  // The other tables of the gateway's settings (start-up rules, data folder) name only real ones;
  // the CLI-side environment is the CLI's, not the gateway's.
  const others = all.filter((s) => s.level >= 2 && s.title !== 'Settings' && s.title !== 'CLI-side environment' && s.title !== 'Profiles and stored credentials');
  for (const s of others) {
    for (const span of tableRows(s.own).flat().flatMap(codeSpans)) {
      for (const f of span.match(/(?<![\w-])--[a-z][a-z0-9-]*/g) ?? []) {
        if (!flags.has(f)) problems.push(`${doc} (${s.title}): ${f} is not a flag of ccag serve`);
      }
      for (const e of span.match(/\bCCAG_[A-Z0-9_]+/g) ?? []) {
        if (!envs.has(e)) problems.push(`${doc} (${s.title}): ${e} is not a setting ccag reads`);
      }
    }
  }
  assert.deepEqual(problems, [], `configuration reference out of date:\n${problems.join('\n')}`);
});

// ------------------------------------------------------------------------------ cli.md

test('docs/cli.md documents every command of the tree and every option of each command', () => {
  const doc = 'docs/cli.md';
  const all = sections(readDoc('cli.md'));
  const problems: string[] = [];
  for (const node of walk(buildProgram())) {
    const path = node.path.join(' ');
    const command = `ccag${path ? ` ${path}` : ''}`;
    // A command's own section is a heading that names it (`### keys create`, `### users deactivate / users activate`),
    // else its noun's (`## devices` documents `devices list` in a table). The program's options are the global ones.
    const noun = path ? all.find((s) => s.level === 2 && s.title === node.path[0]) : section(all, 'Global options', doc);
    if (!noun) {
      problems.push(`${doc}: no "## ${node.path[0]}" section for ${command}`);
      continue;
    }
    const own = all.find((s) => s.level > 2 && noun.whole.includes(s.whole) && s.title.split(/ \/ |, /).some((t) => t.replace(/^ccag /, '') === path));
    // A group (`models betas`) is documented by its subcommands.
    const leaf = node.path.length > 1 && node.subcommands.length === 0;
    if (leaf && !own && !inTable(noun.whole, path) && !inSynopsis(noun.whole, path)) {
      problems.push(`${doc} (## ${noun.title}): ${command} has no heading, table row or synopsis`);
    }
    const where = own ?? noun;
    for (const flag of node.options.map((o) => o.flags[0]!)) {
      if (!mentions(where.whole, flag)) problems.push(`${doc} (${'#'.repeat(where.level)} ${where.title}): ${command} option ${flag} is not described`);
    }
  }
  assert.deepEqual(problems, [], `CLI reference out of date:\n${problems.join('\n')}`);
});

// -------------------------------------------------------------------------- admin-api.md

describe('admin API', () => {
  // The route table as the server registers it (as test/integration/route-auth.test.ts reads it).
  const env = useTestGateway();

  test('docs/admin-api.md lists every admin API route, and only routes that exist', () => {
    const doc = 'docs/admin-api.md';
    const all = sections(readDoc('admin-api.md'));
    const table = section(all, 'Routes', doc).own;
    const documented = tableRows(table).map(([route]) => codeSpans(route!)[0]!);
    const routes = env.gw.gateway.routes
      .filter((r) => r.method !== 'HEAD' && r.url.startsWith('/admin/v1/'))
      .map((r) => `${r.method} ${r.url}`);
    // Each route also has its own description, under a heading without the prefix and with the roles, if any:
    // `#### GET /idps, GET /idps/:ref`, `#### PUT /budgets (admin, team_admin)`.
    const headings = new Set(all.filter((s) => s.level === 4).flatMap((s) => s.title.replace(/ \(.*\)$/, '').split(', ')));
    const described = (route: string) => headings.has(route.replace(' /admin/v1/', ' /'));
    const problems = [
      ...routes.filter((r) => !documented.includes(r)).map((r) => `${doc} (## Routes table): ${r} is missing`),
      ...routes.filter((r) => !described(r)).map((r) => `${doc}: no "#### ${r.replace(' /admin/v1/', ' /')}" section describes ${r}`),
      ...documented.filter((r) => !routes.includes(r)).map((r) => `${doc} (## Routes table): ${r} is not a route of the server`),
    ];
    assert.deepEqual(problems, [], `admin API reference out of date:\n${problems.join('\n')}`);
  });
});
