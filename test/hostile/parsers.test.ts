// Every parser of text someone else wrote, fed adversarial input: each must stay linear. The inputs
// repeat the token that starts a match (`<title`, `password=`, `Contact:` …) with no way to finish
// it — what makes a backtracking pattern retry from every position. 256 KiB is the HTTP body cap;
// each parse must finish within a small fraction of the default 3000 ms probe timeout, in CPU time.

import { describe, expect, it } from 'vitest';
import { parseChannelsCount, parsePjsipContacts, parsePjsipRegistrations, parseSipPeers, parseSipRegistry, parseUptimeSeconds, parseVersion } from '../../shared/facts/asterisk.js';
import { parseInventory } from '../../checker/scan/inventory.js';
import { parseKnownHosts } from '../../checker/probes/known-hosts.js';
import { recognizeGui } from '../../shared/profiles.js';
import { SecretRegistry } from '../../shared/redact.js';
import { htmlEscape } from '../../shared/render/html.js';
import { mdEscape } from '../../shared/render/markdown.js';
import { pageTitle } from '../../shared/rules/http.js';
import { cleanText } from '../../shared/sanitize.js';
import { parseFail2banBanned, parseFail2banJails, parseFirewalldZones } from '../../shared/facts/bans.js';
import { parseIpsetSave, parseIptablesSave } from '../../shared/facts/iptables.js';
import { parseNftRuleset } from '../../shared/facts/nftables.js';
import { parseAsteriskNat, parseInterfaceAddresses } from '../../shared/facts/public-address.js';
import { decideFilter } from '../../shared/rules/host-filter.js';

const SIZE = 256 * 1024;
/** A small fraction of the 3000 ms default timeout; a linear parse of 256 KiB takes a few ms. */
const BUDGET_MS = 300;

const fill = (token: string, tail = '') => token.repeat(Math.ceil((SIZE - tail.length) / token.length)).slice(0, SIZE - tail.length) + tail;

/**
 * CPU time of one parse, the least of three: a backtracking pattern burns seconds of CPU however idle
 * the machine is, while wall time on a loaded 2-core box also counts the time other processes ran.
 */
function timed(parse: (s: string) => unknown, input: string): number {
  let least = Infinity;
  for (let run = 0; run < 3 && least > BUDGET_MS / 10; run++) {
    const before = process.cpuUsage();
    parse(input);
    const used = process.cpuUsage(before);
    least = Math.min(least, (used.user + used.system) / 1000);
    if (least > BUDGET_MS) break; // already too slow: no need to burn more
  }
  return least;
}

const registry = new SecretRegistry();
registry.add('hunter2-secret');

const PARSERS: Array<[string, (s: string) => unknown, string[]]> = [
  ['pageTitle', pageTitle, [fill('<title'), fill('<title>'), fill('<TITLE x'), fill(' ', '<title>'), `<title>${fill('&amp')}`, fill('<title>a</titl')]],
  ['recognizeGui', (s) => recognizeGui({ title: s.slice(0, 200), server: s.slice(0, 200), body: s }), [fill('bicom '), fill('bicom\t'), fill('pbxwar')]],
  ['redact scrub', (s) => registry.scrub(s), [fill('a'), fill('password'), fill('pass='), fill('password: '), fill('"token": "'), fill('x-'), fill('hunter2-secre')]],
  ['htmlEscape', htmlEscape, [fill('<&"\'')]],
  ['mdEscape', mdEscape, [fill('\\|*\r\n')]],
  ['cleanText', (s) => cleanText(s, SIZE), [fill('\x1b]0;\x07\r\n\x9b')]],
  ['parseKnownHosts', parseKnownHosts, [fill('a,'), fill('|1|'), fill('[h]:'), fill('@cert-authority ')]],
  ['inventory lines', (s) => [...parseInventory(s, 'lines')], [fill('a '), fill('k=v '), fill('h tags=' + ','.repeat(50) + '\n')]],
  ['inventory csv', (s) => [...parseInventory(`host,name\n${s}`, 'csv')], [fill('"'), fill('"a"",'), fill(',')]],
  ['asterisk version', parseVersion, [fill('Asterisk '), fill('Asterisk certified-')]],
  ['asterisk uptime', parseUptimeSeconds, [fill('System uptime: ')]],
  ['asterisk channels', parseChannelsCount, [fill('1 '), fill('1 active ')]],
  ['pjsip contacts', parsePjsipContacts, [fill(' Contact: a/b '), fill('Contact: ')]],
  ['pjsip registrations', parsePjsipRegistrations, [fill('a/b '), fill('x/y  ')]],
  ['sip peers', parseSipPeers, [fill('1 sip peers [Monitored: 1 online, ')]],
  ['sip registry', parseSipRegistry, [fill('h Y u 1 '), fill('h Y u 1 a '), fill('a N b 2 c ')]],
  ['iptables-save', (s) => parseIptablesSave(`*filter\n:INPUT ACCEPT [0:0]\n${s}`, 'iptables'), [fill('-A INPUT '), fill('-A INPUT -m comment --comment "'), fill('"'), fill('\\'), fill('-A INPUT ! '), fill('-A X -j X\n')]],
  ['ipset save', parseIpsetSave, [fill('add s '), fill('create '), fill(' ')]],
  ['nft -j ruleset', (s) => { try { return parseNftRuleset(s); } catch { return null; } }, [fill('['), `{"nftables":[${fill('{"rule":{"expr":[{"match":{"left":{"payload":{}},"right":[[[[]]]]}}]}},', '{}')}]}`]],
  ['fail2ban status', (s) => [parseFail2banJails(s), parseFail2banBanned(s)], [fill('Jail list: '), fill('Banned IP list: 1'), fill(', ')]],
  ['firewalld zones', parseFirewalldZones, [fill('public (active)\n  '), fill('  rich rules: '), fill('  a'), fill(' -')]],
  ['asterisk NAT', (s) => parseAsteriskNat([{ path: 'sip.conf', text: `[general]\n${s}` }]), [fill('externip='), fill('externhost=a.'), fill('['), fill('externhost=a-a.a-'), fill('a')]],
  ['ip -j addr', parseInterfaceAddresses, [fill('[{"addr_info":['), fill('[')]],
  ['firewall evaluator', (s) => {
    // Rules whose matches cannot be judged fork the walk: the budget keeps it bounded.
    const rules = Array.from({ length: Math.min(2000, s.length) }, (_, i) => ({ text: `r${i}`, match: { unknown: ['-m recent'] }, action: (i % 2 ? 'drop' : 'jump') as 'drop' | 'jump', target: 'INPUT' }));
    return decideFilter({ readers: [{ name: 'iptables', command: 'iptables-save', status: 'read' }], bans: [], tables: [{ source: 'iptables', family: 'ip', name: 'filter', sets: [], chains: [{ name: 'INPUT', hook: 'input', priority: 0, policy: 'accept', rules }] }] }, { family: 4, port: 2020 });
  }, [fill('x')]],
];

describe('parsers of untrusted text are linear', () => {
  for (const [name, parse, inputs] of PARSERS) {
    it(`${name}: ${inputs.length} adversarial 256 KiB inputs each within ${BUDGET_MS} ms`, () => {
      parse('warm up');
      const slow = inputs.map((input, i) => ({ i, ms: timed(parse, input) })).filter((r) => r.ms > BUDGET_MS);
      expect(slow).toEqual([]);
    });
  }
});
