import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTicketSetup } from '../../checker/tickets/config.js';
import { secrets } from '../../shared/redact.js';

const dir = mkdtempSync(join(tmpdir(), 'pbxready-ticket-config-'));
function configFile(content: unknown): string {
  const p = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

describe('ticket configuration', () => {
  it('flags win over the environment, which wins over the file', async () => {
    const config = configFile({ provider: 'zendesk', baseUrl: 'https://file.zendesk.com', apiKeyEnv: 'FILE_KEY', email: 'file@x.example' });
    const env = { FILE_KEY: 'key-from-file-var', PBXREADY_TICKET_URL: 'https://env.zendesk.com', PBXREADY_TICKET_EMAIL: 'env@x.example' };
    const a = await resolveTicketSetup({ config }, env);
    expect(a.provider.name).toBe('zendesk');
    expect(a.connection).toEqual({ baseUrl: 'https://env.zendesk.com', apiKey: 'key-from-file-var', email: 'env@x.example' });
    const b = await resolveTicketSetup({ config, baseUrl: 'https://flag.zendesk.com/', email: 'flag@x.example', apiKeyEnv: 'FLAG_KEY' }, { ...env, FLAG_KEY: 'key-from-flag-var', PBXREADY_TICKET_KEY: 'key-from-default-var' });
    expect(b.connection).toEqual({ baseUrl: 'https://flag.zendesk.com', apiKey: 'key-from-flag-var', email: 'flag@x.example' });
    const c = await resolveTicketSetup({ config }, { ...env, PBXREADY_TICKET_KEY: 'key-from-default-var' });
    expect(c.connection.apiKey).toBe('key-from-default-var');
    // The key and the Authorization value derived from it are registered secrets.
    expect(secrets.scrub(`key-from-flag-var ${b.provider.auth(b.connection).value}`)).toBe('[redacted] [redacted]');
  });

  it('reads the key from the file itself when that is where it is, and registers it', async () => {
    const s = await resolveTicketSetup({ config: configFile({ provider: 'osticket', baseUrl: 'https://desk.example', apiKey: 'in-file-key-998877', maxAttachmentBytes: 5_000_000 }) }, {});
    expect(s.connection.apiKey).toBe('in-file-key-998877');
    expect(s.limit.perFile).toBe(5_000_000);
    expect(secrets.scrub('in-file-key-998877')).toBe('[redacted]');
  });

  it('names every configuration mistake in one line', async () => {
    const cases: Array<[Parameters<typeof resolveTicketSetup>[0], Record<string, string>, string | RegExp]> = [
      [{}, {}, 'no help desk named: pass --provider freshdesk|zendesk|osticket (or "provider" in --config)'],
      [{ provider: 'jira' }, {}, '--provider "jira" is not one of: freshdesk, zendesk, osticket'],
      [{ provider: 'freshdesk' }, {}, 'no help-desk address: pass --base-url, set PBXREADY_TICKET_URL, or put "baseUrl" in --config'],
      [{ provider: 'freshdesk', baseUrl: 'https://user:pw@acme.freshdesk.com' }, {}, '--base-url must not carry credentials'],
      [{ provider: 'freshdesk' }, { PBXREADY_TICKET_URL: 'http://acme.freshdesk.com' }, 'PBXREADY_TICKET_URL "http://acme.freshdesk.com" must be https:// (the API key would travel in clear text)'],
      [{ provider: 'freshdesk', baseUrl: 'https://acme.freshdesk.com' }, {}, /^no API key: set PBXREADY_TICKET_KEY, pass --api-key-env VAR, or put "apiKey"\/"apiKeyEnv" in --config \(never on the command line\)$/],
      [{ config: configFile('{nope') }, {}, /^--config \S+ is not valid JSON$/],
      [{ config: configFile({ provider: 'freshdesk', apikey: 'x' }) }, {}, /^--config \S+: unknown key\(s\) apikey \(known: /],
      [{ config: configFile({ provider: 'freshdesk', baseUrl: 'https://a.freshdesk.com', apiKey: 'k-123', maxAttachmentBytes: 1 }) }, {}, '"maxAttachmentBytes" in --config applies to osTicket only (Freshdesk allows 20 MB of attachments per ticket)'],
      [{ config: configFile({ provider: 'freshdesk', baseUrl: 'https://a.freshdesk.com', apiKey: 'k-123', retry: { attempts: 0 } }) }, {}, '"retry.attempts" in --config must be a whole number above 0'],
      [{ config: join(dir, 'missing.json') }, {}, /^--config \S+missing\.json: ENOENT$/],
    ];
    for (const [flags, env, message] of cases) await expect(resolveTicketSetup(flags, env), JSON.stringify(flags)).rejects.toThrow(message);
  });

  it('a dry run needs no key', async () => {
    const s = await resolveTicketSetup({ provider: 'freshdesk', baseUrl: 'http://127.0.0.1:1', dryRun: true }, {});
    expect(s.connection.apiKey).toBeNull();
  });
});
