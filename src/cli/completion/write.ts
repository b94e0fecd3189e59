/** `npm run completions`: regenerates completions/ from the command tree. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProgram } from '../program.js';
import { completionFile, completionScript, shells } from './generate.js';

const dir = fileURLToPath(new URL('../../../completions/', import.meta.url));
for (const shell of shells) writeFileSync(join(dir, completionFile[shell]), completionScript(buildProgram(), shell));
process.stdout.write(`wrote ${shells.map((s) => completionFile[s]).join(', ')} to ${dir}\n`);
