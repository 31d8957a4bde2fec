// The public address(es) the host believes it has (publicAddresses, for ADDRESS_MISMATCH): its own
// public interface addresses (`ip -j addr show`), Asterisk's NAT settings in the product's Asterisk
// config (sip*.conf, pjsip*.conf), and PBXware's pbxware.ini where it names one. Names (externhost)
// are resolved, bounded by --timeout. The parsers are pure (shared/facts/public-address.ts).

import { resolveName } from '../../shared/cli/resolve-name.js';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseKeyValues, registerSecrets } from '../../shared/facts/credentials.js';
import { parseAsteriskNat, parseInterfaceAddresses, parsePbxwareNat, publicAddressesOf, type AddressClaim } from '../../shared/facts/public-address.js';
import { errnoReason, hostPath, type FactSource, type SourceContext } from './source.js';

const NAT_FILE = /^(sip|pjsip)[\w.-]*\.conf$/;
const MAX_FILES = 50;
const MAX_BYTES = 1024 * 1024;

async function asteriskFiles(ctx: SourceContext, etc: string): Promise<Array<{ path: string; text: string }>> {
  let names: string[];
  try {
    names = (await readdir(hostPath(ctx, etc))).filter((n) => NAT_FILE.test(n)).sort().slice(0, MAX_FILES);
  } catch (err) {
    const reason = errnoReason(err);
    if (reason !== 'no such file or directory') ctx.problem(etc, reason);
    return [];
  }
  const out: Array<{ path: string; text: string }> = [];
  for (const name of names) {
    const path = join(etc, name);
    try {
      if ((await stat(hostPath(ctx, path))).size > MAX_BYTES) continue;
      out.push({ path, text: await readFile(hostPath(ctx, path), 'utf8') });
    } catch (err) {
      ctx.problem(path, errnoReason(err));
    }
  }
  return out;
}

async function pbxwareIni(ctx: SourceContext): Promise<AddressClaim[]> {
  const ini = ctx.product === 'pbxware' || ctx.product === 'serverware' ? ctx.layout?.credentialFiles[0] : undefined;
  if (!ini) return [];
  try {
    const values = parseKeyValues(await readFile(hostPath(ctx, ini), 'utf8'));
    registerSecrets(values);
    return parsePbxwareNat(values, ini);
  } catch {
    // The database source already names an unreadable pbxware.ini.
    return [];
  }
}

export const publicAddressSource: FactSource = {
  name: 'public-address',
  stage: 1,
  async collect(ctx, draft) {
    const claims: AddressClaim[] = [];
    const ip = await ctx.run(['ip', '-j', 'addr', 'show'], { timeoutMs: ctx.options.timeoutMs });
    if (ip.code === 0) claims.push(...parseInterfaceAddresses(ip.stdout));
    if (ctx.layout) claims.push(...parseAsteriskNat(await asteriskFiles(ctx, ctx.layout.asteriskEtc)));
    claims.push(...(await pbxwareIni(ctx)));
    const found = await publicAddressesOf(claims, (name) => resolveName(name, ctx.options.timeoutMs));
    if (found) Object.assign(draft, found);
  },
};
