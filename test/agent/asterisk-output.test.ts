// Parsers of the asterisk CLI (shared/facts/: the installed agent and the agentless collector
// both call them), over the recorded outputs the stand-in replays.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import {
  isNoSuchCommand,
  parseCdrBackends,
  parseChannelsCount,
  parsePjsipContacts,
  parsePjsipRegistrations,
  parseSipPeers,
  parseSipRegistry,
  parseUptimeSeconds,
  parseVersion,
} from '../../shared/facts/asterisk.js';
import { parseRpmVerify, hasContent } from '../../shared/facts/custom.js';
import { parseKeyValues, credentialsFrom } from '../../shared/facts/credentials.js';
import { parseProcNetTcp } from '../../shared/facts/listening.js';
import { FIXTURES } from './helpers.js';

const rec = (set: string, name: string) => readFileSync(join(FIXTURES, 'asterisk', set, `${name}.txt`), 'utf8');

test('versions from -V and core show version', () => {
  expect(parseVersion(rec('ast20-pjsip', 'V'))).toBe('20.5.2');
  expect(parseVersion(rec('ast18-chansip', 'core_show_version'))).toBe('18.20.0');
  expect(parseVersion('Asterisk certified/18.9-cert5 built by x')).toBe('certified/18.9-cert5');
  expect(parseVersion('bash: asterisk: command not found')).toBeNull();
});

test('uptime, channels and calls', () => {
  expect(parseUptimeSeconds(rec('ast20-pjsip', 'core_show_uptime_seconds'))).toBe(1209645);
  expect(parseChannelsCount(rec('ast20-pjsip', 'core_show_channels_count'))).toEqual({ channels: 4, calls: 2 });
  expect(parseChannelsCount('1 active channel\n1 active call\n3 calls processed')).toEqual({ channels: 1, calls: 1 });
});

test('pjsip contacts grouped per AOR; pjsip registrations', () => {
  expect(parsePjsipContacts(rec('ast20-pjsip', 'pjsip_show_contacts'))).toEqual({ total: 10, reachable: 7 });
  expect(parsePjsipContacts('No objects found.\n')).toEqual({ total: 0, reachable: 0 });
  expect(parsePjsipRegistrations(rec('ast20-pjsip', 'pjsip_show_registrations'))).toEqual([
    { name: 'provider-main', state: 'Registered' },
    { name: 'provider-backup', state: 'Rejected' },
  ]);
});

test('chan_sip peers summary and registry', () => {
  expect(parseSipPeers(rec('ast18-chansip', 'sip_show_peers'))).toEqual({ total: 5, reachable: 5 });
  expect(parseSipPeers('3 sip peers [Monitored: 1 online, 1 offline Unmonitored: 1 online, 0 offline]')).toEqual({ total: 3, reachable: 2 });
  expect(parseSipRegistry(rec('ast18-chansip', 'sip_show_registry'))).toEqual([{ name: '700123@sip.provider.example:5060', state: 'Registered' }]);
  expect(parseSipRegistry('Host  dnsmgr Username  Refresh State  Reg.Time\nsip.x.example:5060                      N      42                 120 Request Sent\n1 SIP registrations.')).toEqual([{ name: '42@sip.x.example:5060', state: 'Request Sent' }]);
});

test('cdr backends and "No such command"', () => {
  expect(parseCdrBackends(rec('ast18-chansip', 'cdr_show_status'))).toEqual(['cdr-custom', 'mysql', 'cdr_manager (suspended)']);
  expect(isNoSuchCommand("No such command 'pjsip show contacts' (type 'core show help pjsip show contacts' for other possible commands)")).toBe(true);
});

test('product files: ini, shell and PHP styles; secrets-bearing keys', () => {
  const ini = parseKeyValues('[general]\npw_mysql_host = "db.local:3307"\npw_mysql_username = pw\npw_mysql_password = \'x y\'\n; comment');
  expect(credentialsFrom('/opt/pbxware/pw/etc/pbxware/pbxware.ini', ini)).toEqual({ host: 'db.local', port: 3307, user: 'pw', password: 'x y' });
  const php = parseKeyValues("<?php\n$amp_conf['AMPDBUSER'] = 'asteriskuser';\n$amp_conf[\"AMPDBPASS\"] = \"p4ss\";\n");
  expect(credentialsFrom('/etc/issabelpbx.conf', php)).toEqual({ host: 'localhost', user: 'asteriskuser', password: 'p4ss' });
  expect(credentialsFrom('/etc/issabel.conf', parseKeyValues('mysqlrootpwd=r00t\n'))).toEqual({ host: 'localhost', user: 'root', password: 'r00t' });
});

test('rpm -V output, custom conf content, /proc/net/tcp', () => {
  expect(parseRpmVerify('S.5....T.  c /etc/asterisk/sip.conf\n.......T.    /usr/sbin/asterisk\nmissing     /var/lib/asterisk/agi-bin/x.agi\n')).toEqual(['/etc/asterisk/sip.conf', '/usr/sbin/asterisk', '/var/lib/asterisk/agi-bin/x.agi']);
  expect(hasContent('; only\n# comments\n\n')).toBe(false);
  expect(hasContent('; c\n[ctx]\n')).toBe(true);
  const tcp = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000   106        0 24212 1 0 100 0 0 10 0\n   1: 0100007F:0CEA 0100007F:D3C2 01 00000000:00000000 00:00000000 00000000   106        0 0 1\n';
  expect(parseProcNetTcp(tcp, false)).toEqual([{ port: 3306, address: '127.0.0.1', inode: '24212' }]);
  const tcp6 = 'header\n   0: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 999 1\n   1: 00000000000000000000000001000000:13A6 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 998 1\n';
  expect(parseProcNetTcp(tcp6, true)).toEqual([{ port: 443, address: '::', inode: '999' }, { port: 5030, address: '::1', inode: '998' }]);
});
