// Reads the product's credential files; shared/facts/credentials.ts parses them and registers
// every secret at once.

import { readFile } from 'node:fs/promises';
import { credentialsFrom, parseKeyValues, registerSecrets, type DbSettings } from '../../shared/facts/credentials.js';
import { errnoReason, hostPath, type SourceContext } from './source.js';

export interface FoundCredentials {
  settings: DbSettings;
  source: string;
}

/**
 * Read the product's credential files in order; every file is read (so every secret is
 * registered) and the first that holds credentials wins.
 */
export async function productCredentials(ctx: SourceContext, files: readonly string[]): Promise<FoundCredentials | null> {
  let found: FoundCredentials | null = null;
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(hostPath(ctx, file), 'utf8');
    } catch (err) {
      const reason = errnoReason(err);
      if (reason !== 'no such file or directory') ctx.problem(file, reason);
      continue;
    }
    const values = parseKeyValues(text);
    registerSecrets(values);
    const settings: DbSettings | null = found ? null : credentialsFrom(file, values);
    if (settings) found = { settings, source: file };
  }
  return found;
}
