// The pure firewall parsers and the evaluator, on output recorded from the real tools in a network
// namespace (test/fixtures/firewall: iptables-save and ip6tables-save v1.8.9, nft 1.0.6 -j with a
// firewalld-like table), plus fail2ban-client and firewall-cmd output as those tools print it.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseFail2banBanned, parseFail2banJails, parseFirewalldZones, sipprotBans } from '../../shared/facts/bans.js';
import { parseIpsetSave, parseIptablesSave, splitWords } from '../../shared/facts/iptables.js';
import { parseNftRuleset, withoutIptablesTables } from '../../shared/facts/nftables.js';
import { parseAsteriskNat, parseInterfaceAddresses, parsePbxwareNat } from '../../shared/facts/public-address.js';
import type { FilterTable, HostFirewallFacts } from '../../shared/model.js';
import { MAX_CHAIN_RULES, boundTables, cidrRelation, decideFilter } from '../../shared/rules/host-filter.js';
import { vendorSourceFindings } from '../../shared/rules/host-firewall.js';
import { REPO } from '../harness/cli.js';

const FIX = join(REPO, 'test/fixtures/firewall');
const text = (f: string) => readFileSync(join(FIX, f), 'utf8');

const READ = (names: string[]): HostFirewallFacts['readers'] => names.map((name) => ({ name, command: name, status: 'read' }));

function facts(tables: FilterTable[], readers = READ(['iptables', 'ip6tables', 'nftables'])): HostFirewallFacts {
  return { readers, tables, bans: [] };
}

const v4 = parseIptablesSave(text('iptables-save.txt'), 'iptables');
const v6 = parseIptablesSave(text('ip6tables-save.txt'), 'ip6tables');
const nftAll = parseNftRuleset(text('nft-ruleset.json'));

describe('iptables-save', () => {
  test('backend, tables, policies, user chains, rule texts as printed', () => {
    expect(v4.backend).toBe('nf_tables');
    const filter = v4.tables.find((t) => t.name === 'filter')!;
    const input = filter.chains.find((c) => c.name === 'INPUT')!;
    expect(input).toMatchObject({ hook: 'input', priority: 0, policy: 'drop' });
    expect(filter.chains.find((c) => c.name === 'SIPPROT')!.hook).toBeUndefined();
    expect(input.rules.map((r) => [r.action, r.target ?? null])).toEqual([
      ['accept', null], ['accept', null], ['jump', 'SIPPROT'], ['accept', null], ['accept', null], ['accept', null], ['drop', null], ['reject', null], ['goto', 'services'],
    ]);
    expect(input.rules[3]).toMatchObject({ text: '-A INPUT -p tcp -m multiport --dports 80,81,443 -m comment --comment "web GUI" -j ACCEPT', match: { protocol: 'tcp', dports: [[80, 80], [81, 81], [443, 443]] } });
    expect(input.rules[6]!.match.unknown).toContain('-m recent');
    expect(input.rules[7]!.match).toMatchObject({ sources: ['10.0.0.0/8'], sourcesNegated: true, dports: [[3306, 3306]] });
  });
  test('words: quoted comments stay one word', () => {
    expect(splitWords('-A INPUT -m comment --comment "a b \\" c" -j ACCEPT')).toEqual(['-A', 'INPUT', '-m', 'comment', '--comment', 'a b " c', '-j', 'ACCEPT']);
  });
  test('ipset save → sets', () => {
    expect(parseIpsetSave('create sipprot_ban hash:ip family inet hashsize 1024 maxelem 65536\nadd sipprot_ban 192.0.2.9\nadd sipprot_ban 192.0.2.10\ncreate ports hash:ip,port family inet\nadd ports 192.0.2.11,tcp:5060\n')).toEqual([
      { name: 'sipprot_ban', elements: ['192.0.2.9', '192.0.2.10'] },
      { name: 'ports', elements: ['192.0.2.11'] },
    ]);
  });
});

describe('nft -j list ruleset', () => {
  test('iptables-nft\'s own tables are left to iptables-save; firewalld\'s table, chains, sets and rules read', () => {
    const tables = withoutIptablesTables(nftAll);
    expect(tables.map((t) => `${t.family} ${t.name}`)).toEqual(['inet firewalld']);
    const fw = tables[0]!;
    expect(fw.sets).toEqual([{ name: 'blocklist', elements: ['192.0.2.1', '198.51.100.0/25'] }]);
    const input = fw.chains.find((c) => c.name === 'filter_INPUT')!;
    expect(input).toMatchObject({ hook: 'input', priority: 10, policy: 'accept' });
    expect(input.rules.map((r) => r.text)).toEqual(['ct state { established, related } accept', 'meta iifname lo accept', 'ip saddr @blocklist drop', 'jump filter_INPUT_ZONES', 'reject']);
    expect(fw.chains.find((c) => c.name === 'filter_IN_public')!.rules[2]!.match.unknown).toEqual(['limit']);
  });
  test('an xt target is the rule\'s verdict (iptables-nft REJECT)', () => {
    const reject = nftAll.find((t) => t.family === 'ip' && t.name === 'filter')!.chains[0]!.rules.find((r) => r.text.includes('3306'))!;
    expect(reject.action).toBe('reject');
  });
  test('not nftables JSON → an error to report, not a crash later', () => {
    expect(() => parseNftRuleset('{"foo": 1}')).toThrow(/not nftables JSON/);
    expect(() => parseNftRuleset('<html>')).toThrow();
  });
});

describe('the evaluator: what the host does with a new TCP connection', () => {
  const ipt = facts(v4.tables);
  test('443 from the Internet: accepted (the multiport rule, past SIPProt\'s RETURN)', () => {
    expect(decideFilter(ipt, { family: 4, port: 443 }).verdict).toBe('accept');
  });
  test('2020 from the Internet, uplink unknown: depends on the interface and on -m recent; the drops are named', () => {
    const d = decideFilter(ipt, { family: 4, port: 2020 });
    expect(d.verdict).toBe('depends');
    expect(d.conditions).toEqual(expect.arrayContaining(['iptables filter INPUT: -A INPUT -i eth1 -p tcp -m tcp --dport 2020 -j ACCEPT']));
    expect(d.deciding).toEqual(expect.arrayContaining(['iptables filter INPUT: policy drop']));
  });
  test('2020 arriving on eth0: every path drops (recent, or the goto to services falling off to INPUT\'s policy)', () => {
    const d = decideFilter(ipt, { family: 4, port: 2020, iface: 'eth0' });
    expect(d.verdict).toBe('drop');
  });
  test('2020 from the admitted range is accepted; from SIPProt\'s banned address dropped', () => {
    expect(decideFilter(ipt, { family: 4, port: 2020, source: '203.0.113.0/24', iface: 'eth0' }).verdict).toBe('accept');
    const banned = decideFilter(ipt, { family: 4, port: 2020, source: '192.0.2.66', iface: 'eth0' });
    expect(banned.verdict).toBe('drop');
    expect(banned.deciding).toContain('iptables filter SIPPROT: -A SIPPROT -s 192.0.2.66/32 -j DROP');
  });
  test('a range only partly admitted: depends', () => {
    expect(decideFilter(ipt, { family: 4, port: 2020, source: '203.0.112.0/23', iface: 'eth0' }).verdict).toBe('depends');
  });
  test('IPv6 follows ip6tables (2020 dropped), not the IPv4 rules', () => {
    const d = decideFilter(facts([...v4.tables, ...v6.tables]), { family: 6, port: 2020 });
    expect(d.verdict).toBe('drop');
    expect(d.deciding).toEqual(['ip6tables filter INPUT: -A INPUT -p tcp -m tcp --dport 2020 -j DROP']);
    expect(decideFilter(facts([...v4.tables, ...v6.tables]), { family: 6, port: 443 }).verdict).toBe('accept');
  });
  test('nftables: goto returns to the base chain\'s caller; sets; a limit is a condition', () => {
    const nft = facts(withoutIptablesTables(nftAll));
    expect(decideFilter(nft, { family: 4, port: 443 }).verdict).toBe('accept');
    const d = decideFilter(nft, { family: 4, port: 2020 });
    expect(d.verdict).toBe('depends');
    expect(d.deciding).toEqual(['nftables inet firewalld filter_INPUT: reject']);
    const blocked = decideFilter(nft, { family: 4, port: 443, source: '198.51.100.7' });
    expect(blocked).toMatchObject({ verdict: 'drop', deciding: ['nftables inet firewalld filter_INPUT: ip saddr @blocklist drop'] });
    // The IPv4 set never matches IPv6.
    expect(decideFilter(nft, { family: 6, port: 443, source: '2001:db8::1' }).verdict).toBe('accept');
  });
  test('every table on the hook counts: iptables accepts 443, nftables drops it for the blocklist', () => {
    const both = facts([...v4.tables, ...withoutIptablesTables(nftAll)]);
    expect(decideFilter(both, { family: 4, port: 443, source: '198.51.100.9' }).verdict).toBe('drop');
  });
  test('a reader that could not read makes an accept unknown, never "allowed"; a drop it did read stands', () => {
    const denied = facts(v4.tables, [...READ(['iptables']), { name: 'nftables', command: 'nft -j list ruleset', status: 'unreadable', reason: 'permission denied' }]);
    expect(decideFilter(denied, { family: 4, port: 443 })).toMatchObject({ verdict: 'unknown', unread: ['nft -j list ruleset: permission denied'] });
    expect(decideFilter(denied, { family: 4, port: 2020, iface: 'eth0' }).verdict).toBe('drop');
    const none = facts([], [{ name: 'iptables', command: 'iptables-save', status: 'not installed' }, { name: 'nftables', command: 'nft', status: 'not installed' }]);
    expect(decideFilter(none, { family: 4, port: 443 }).verdict).toBe('unknown');
  });
  test('a chain with more rules than a report keeps: past the last rule kept it depends on the rest, not on the policy', () => {
    const rules = Array.from({ length: MAX_CHAIN_RULES + 5 }, (_, i) => ({ text: `-A INPUT -s 192.0.2.${i % 250}/32 -j DROP`, match: { sources: [`192.0.2.${i % 250}/32`] }, action: 'drop' as const }));
    const [table] = boundTables([{ source: 'iptables', family: 'ip', name: 'filter', sets: [], chains: [{ name: 'INPUT', hook: 'input', priority: 0, policy: 'accept', rules }] }]);
    expect(table!.chains[0]!.rules).toHaveLength(MAX_CHAIN_RULES);
    const d = decideFilter(facts([table!]), { family: 4, port: 2020 });
    expect(d.verdict).toBe('depends');
    expect(d.conditions).toEqual([`iptables filter INPUT: more than ${MAX_CHAIN_RULES} rules, the rest not in the report`]);
  });
  test('CIDR relations', () => {
    expect(cidrRelation('192.0.2.7', '192.0.2.0/24')).toBe('inside');
    expect(cidrRelation('192.0.2.0/24', '192.0.2.7/32')).toBe('partial');
    expect(cidrRelation('192.0.2.0/24', '198.51.100.0/24')).toBe('apart');
    expect(cidrRelation('::ffff:192.0.2.7', '192.0.2.0/24')).toBe('inside');
    expect(cidrRelation('2001:db8::1', '192.0.2.0/24')).toBe('apart');
  });
});

describe('vendor sources', () => {
  test('blocked per port, banned with the jail, else admitted', () => {
    const fw: HostFirewallFacts = { ...facts(v4.tables), uplink: 'eth0', bans: [{ address: '203.0.113.9', jail: 'asterisk', by: 'fail2ban' }] };
    const f = vendorSourceFindings(fw, ['203.0.113.0/24'], [443, 2020, 3306]);
    expect(f.map((x) => `${x.code}:${x.port ?? ''}:${x.severity}`)).toEqual(['VENDOR_SOURCE_BLOCKED:3306:fail', 'VENDOR_SOURCE_BANNED::fail']);
    expect(f[1]!.message).toBe('203.0.113.9 (in the vendor\'s 203.0.113.0/24) is banned by fail2ban (jail asterisk).');
    expect(vendorSourceFindings({ ...fw, bans: [] }, ['203.0.113.0/24'], [443, 2020]).map((x) => x.code)).toEqual(['VENDOR_SOURCES_ADMITTED']);
    expect(vendorSourceFindings(undefined, ['203.0.113.0/24'], [443]).map((x) => x.code)).toEqual(['VENDOR_SOURCES_UNVERIFIED']);
  });
});

describe('bans and zones', () => {
  test('fail2ban-client status and status JAIL', () => {
    expect(parseFail2banJails('Status\n|- Number of jail:\t2\n`- Jail list:\tsshd, asterisk-iptables\n')).toEqual(['sshd', 'asterisk-iptables']);
    expect(parseFail2banBanned('Status for the jail: sshd\n|- Filter\n`- Actions\n   |- Currently banned:\t2\n   |- Total banned:\t2\n   `- Banned IP list:\t192.0.2.7 2001:db8::7 not-an-ip\n')).toEqual(['192.0.2.7', '2001:db8::7']);
    expect(parseFail2banBanned('Status for the jail: sshd\n   `- Banned IP list:\t\n')).toEqual([]);
  });
  test('SIPProt bans where the packet filter shows them (chain or set named so)', () => {
    expect(sipprotBans(v4.tables)).toEqual([{ address: '192.0.2.66/32', jail: 'chain SIPPROT', by: 'sipprot' }]);
  });
  test('firewall-cmd --list-all-zones', () => {
    const zones = parseFirewalldZones(
      'block\n  target: %%REJECT%%\n  icmp-block-inversion: no\n  interfaces: \n  sources: \n  services: \n  ports: \n  rich rules: \n\npublic (default, active)\n  target: default\n  icmp-block-inversion: no\n  interfaces: eth0\n  sources: 203.0.113.0/24\n  services: dhcpv6-client ssh\n  ports: 2020/tcp 443/tcp\n  protocols: \n  forward: yes\n  masquerade: no\n  forward-ports: \n  source-ports: \n  icmp-blocks: \n  rich rules: \n\trule family="ipv4" source address="198.51.100.7" reject\n',
    );
    expect(zones).toEqual([
      { name: 'block', active: false, target: '%%REJECT%%', interfaces: [], sources: [], services: [], ports: [], richRules: [] },
      { name: 'public', active: true, target: 'default', interfaces: ['eth0'], sources: ['203.0.113.0/24'], services: ['dhcpv6-client', 'ssh'], ports: ['2020/tcp', '443/tcp'], richRules: ['rule family="ipv4" source address="198.51.100.7" reject'] },
    ]);
  });
});

describe('the public address the host believes it has', () => {
  test('chan_sip [general] externip/externaddr/externhost; PJSIP transports only; comments ignored', () => {
    const claims = parseAsteriskNat([
      { path: '/etc/asterisk/sip_general_custom.conf', text: '[general]\nexternip = 203.0.113.5 ; the router\n;externaddr=198.51.100.1\nexternhost=pbx.example.com:5060\n[peer1]\nexternip=192.0.2.99\n' },
      { path: '/etc/asterisk/pjsip.transports.conf', text: '[transport-udp]\nexternal_media_address=203.0.113.6\ntype=transport\nexternal_signaling_address=[2001:db8::6]:5060\n[endpoint1]\ntype=endpoint\nexternal_media_address=192.0.2.98\n' },
    ]);
    expect(claims).toEqual([
      { value: '203.0.113.5', source: 'externip in /etc/asterisk/sip_general_custom.conf' },
      { value: 'pbx.example.com', name: true, source: 'externhost in /etc/asterisk/sip_general_custom.conf' },
      { value: '203.0.113.6', source: 'external_media_address in /etc/asterisk/pjsip.transports.conf [transport-udp]' },
      { value: '2001:db8::6', source: 'external_signaling_address in /etc/asterisk/pjsip.transports.conf [transport-udp]' },
    ]);
  });
  test('public interface addresses of global scope only', () => {
    const json = JSON.stringify([
      { ifname: 'lo', addr_info: [{ family: 'inet', local: '127.0.0.1', scope: 'host' }] },
      { ifname: 'eth0', addr_info: [{ family: 'inet', local: '192.168.1.10', scope: 'global' }, { family: 'inet', local: '8.8.4.4', scope: 'global' }, { family: 'inet6', local: 'fe80::1', scope: 'link' }] },
    ]);
    expect(parseInterfaceAddresses(json)).toEqual([{ value: '8.8.4.4', source: 'interface eth0' }]);
    expect(parseInterfaceAddresses('not json')).toEqual([]);
  });
  test('pbxware.ini keys naming an external address', () => {
    expect(parsePbxwareNat(new Map([['pw_external_ip', '203.0.113.7'], ['pw_mysql_host', 'localhost'], ['nat_public_address', 'nonsense value']]), 'pbxware.ini')).toEqual([{ value: '203.0.113.7', source: 'pw_external_ip in pbxware.ini' }]);
  });
});
