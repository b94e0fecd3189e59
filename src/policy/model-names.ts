import { catalogModel } from '../gateway/models/catalog.js';
import type { ModelConfigStore } from '../gateway/models/mapping-store.js';
import { profilePattern } from '../gateway/models/resolve.js';

const longContextSuffix = /\[1m\]$/i;

/**
 * Every name a requested model goes by, so a policy written with any of them matches: what
 * was asked for, its canonical id, aliases and Bedrock id (also through an inference profile
 * id), and the same for the Bedrock model an admin mapping sends the name to.
 */
export function modelNames(requested: string, mappings?: ModelConfigStore): Set<string> {
  const names = new Set<string>();
  const add = (id: string) => {
    names.add(id);
    const info = catalogModel(id) ?? catalogModel(profilePattern.exec(id)?.[2] ?? '');
    if (info) for (const name of [info.id, ...info.aliases, info.bedrockId]) names.add(name);
  };
  const base = requested.replace(longContextSuffix, '');
  add(base);
  const mapped = mappings?.mapping(base)?.bedrockModel;
  if (mapped) add(mapped);
  return names;
}
