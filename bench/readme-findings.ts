// Writes README's finding table from the catalogue (shared/findings.ts), so the two never drift.
// `npm run docs:findings` rewrites the section; test/checker/readme.test.ts fails when it is stale.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { FINDINGS, type FindingSpec } from '../shared/findings.js';
import { writeFileAtomic } from '../shared/cli/atomic-write.js';

const cellText = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** One row per code, in catalogue order (grouped by area there). */
export function findingsTable(): string {
  const rows = Object.entries(FINDINGS as Record<string, FindingSpec>).map(
    ([code, spec]) => `| \`${code}\` | ${spec.severity}${spec.inconclusive ? ' (verdict unknown)' : ''} | ${cellText(spec.message)} | ${cellText(spec.remedy)} |`,
  );
  return [
    '## Finding codes',
    '',
    'Every finding has a fixed code and severity (`info`, `warn`, `fail`); `{placeholders}` are filled',
    'from the facts. Generated from `shared/findings.ts` by `npm run docs:findings`.',
    '',
    '| code | severity | meaning | remedy |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export function replaceSection(readme: string, name: string, body: string): string {
  const start = `<!-- section:${name} -->`;
  const end = `<!-- /section:${name} -->`;
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i < 0 || j < i) throw new Error(`README has no ${start} … ${end} section`);
  return `${readme.slice(0, i + start.length)}\n${body}\n${readme.slice(j)}`;
}

export function sectionOf(readme: string, name: string): string | null {
  const m = new RegExp(`<!-- section:${name} -->\\n([\\s\\S]*?)\\n?<!-- /section:${name} -->`).exec(readme);
  return m ? (m[1] ?? '') : null;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = fileURLToPath(new URL('../../README.md', import.meta.url));
  const readme = await readFile(path, 'utf8');
  await writeFileAtomic(path, replaceSection(readme, 'findings', findingsTable()));
  process.stdout.write(`README.md: findings table written (${Object.keys(FINDINGS).length} codes)\n`);
}
