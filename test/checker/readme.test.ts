// README's finding table must list every code of the catalogue exactly as it is now.

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { findingsTable, replaceSection, sectionOf } from '../../bench/readme-findings.js';
import { FINDINGS } from '../../shared/findings.js';

const README = new URL('../../README.md', import.meta.url);

describe('README', () => {
  it('the findings section is the table generated from shared/findings.ts (run `npm run docs:findings`)', async () => {
    const readme = await readFile(README, 'utf8');
    expect(sectionOf(readme, 'findings'), 'README is out of date with shared/findings.ts: run npm run docs:findings').toBe(findingsTable());
  });

  it('the table has one row per code', () => {
    const rows = findingsTable().split('\n').filter((l) => l.startsWith('| `'));
    expect(rows.map((r) => /^\| `(\w+)`/.exec(r)?.[1])).toEqual(Object.keys(FINDINGS));
  });

  it('the check section documents every flag of `pbxready check`', async () => {
    const section = sectionOf(await readFile(README, 'utf8'), 'check') ?? '';
    for (const flag of ['--product', '--ports', '--timeout-ms', '--max-connections', '--allow-private', '--no-icmp', '--format', '--output', '--log-level', '--ssh-user', '--ssh-key', '--ssh-password-env', '--ssh-fingerprint', '--known-hosts']) {
      expect(section, flag).toContain(`\`${flag}`);
    }
  });

  it('replaceSection only touches its own markers', () => {
    const text = 'a\n<!-- section:x -->\nold\n<!-- /section:x -->\n<!-- section:y -->\nkeep\n<!-- /section:y -->\n';
    expect(replaceSection(text, 'x', 'new')).toBe('a\n<!-- section:x -->\nnew\n<!-- /section:x -->\n<!-- section:y -->\nkeep\n<!-- /section:y -->\n');
  });
});
