// Inventory entries that name the host's inside view: `agent: URL` with a token file, or
// `agent: ssh` over the entry's own SSH login — in every inventory format, bad ones named by line.

import { describe, expect, it } from 'vitest';
import { parseInventory, type InventoryItem } from '../../checker/scan/inventory.js';

const entries = (items: InventoryItem[]) => items.flatMap((i) => ('entry' in i ? [i.entry] : []));
const errors = (items: InventoryItem[]) => items.flatMap((i) => ('error' in i ? [i.error] : []));

describe('inventory agent fields', () => {
  it('one host per line', () => {
    const text = [
      '192.0.2.1 name=a agent=https://192.0.2.1:8731 agent_token_file=/etc/pbxready/a.token',
      '192.0.2.2 name=b ssh_user=root ssh_identity_file=/k agent=ssh agent_command=/opt/pbxready/bin/pbxready-agent',
      '192.0.2.3 name=c agent=https://192.0.2.3:8731',
      '192.0.2.4 name=d agent=ssh',
      '192.0.2.5 name=e agent=ftp://x agent_token_file=/t',
      '192.0.2.6 name=f agent_token_file=/t',
      '192.0.2.7 name=g agent=https://u:p@192.0.2.7 agent_token_file=/t',
      '192.0.2.8 name=h agent=ssh ssh_user=root ssh_identity_file=/k agent_token_file=/t',
      '192.0.2.9 name=i agent=agentless ssh_user=root ssh_identity_file=/k agent_root=/srv/pbx agent_asterisk_cmd=/usr/sbin/asterisk',
      '192.0.2.10 name=j agent=auto ssh_user=root ssh_identity_file=/k',
      '192.0.2.11 name=k agent=agentless ssh_user=root ssh_identity_file=/k agent_command=x',
      '192.0.2.12 name=l agent=https://192.0.2.12 agent_token_file=/t agent_root=/x',
    ].join('\n');
    const items = [...parseInventory(text, 'lines')];
    expect(entries(items).map((e) => [e.name, e.agent])).toEqual([
      ['a', { spec: { kind: 'url', url: 'https://192.0.2.1:8731/' }, tokenFile: '/etc/pbxready/a.token' }],
      ['b', { spec: { kind: 'ssh', mode: 'ssh' }, command: '/opt/pbxready/bin/pbxready-agent' }],
      ['i', { spec: { kind: 'ssh', mode: 'agentless' }, root: '/srv/pbx', asteriskCmd: '/usr/sbin/asterisk' }],
      ['j', { spec: { kind: 'ssh', mode: 'auto' } }],
    ]);
    expect(errors(items)).toEqual([
      { line: 3, reason: 'agent URL needs agent_token_file' },
      { line: 4, reason: "agent ssh needs the entry's ssh user and identity_file (the login the agent runs over)" },
      { line: 5, reason: 'agent URL must be http:// or https:// (got ftp:)' },
      { line: 6, reason: 'agent_token_file needs agent' },
      { line: 7, reason: 'agent URL must not carry credentials: use agent_token_file' },
      { line: 8, reason: 'agent_token_file needs agent URL' },
      { line: 11, reason: 'agent_command needs agent ssh or auto' },
      { line: 12, reason: 'agent_root needs agent ssh, auto or agentless' },
    ]);
  });

  it('CSV columns and YAML/JSON keys (agentTokenFile or agent_token_file)', () => {
    const csv = ['host,name,agent,agent_token_file', '192.0.2.1,a,https://192.0.2.1:8731,/t', '192.0.2.2,b,,'].join('\n');
    expect(entries([...parseInventory(csv, 'csv')]).map((e) => e.agent)).toEqual([{ spec: { kind: 'url', url: 'https://192.0.2.1:8731/' }, tokenFile: '/t' }, undefined]);
    const yaml = ['hosts:', '  - address: 192.0.2.1', '    agent: https://pbx.example.com:8731', '    agentTokenFile: /t', '  - address: 192.0.2.2', '    ssh: { user: root, identity_file: /k }', '    agent: ssh', '  - address: 192.0.2.3', '    agent: { url: x }'].join('\n');
    const items = [...parseInventory(yaml, 'yaml')];
    expect(entries(items).map((e) => e.agent)).toEqual([{ spec: { kind: 'url', url: 'https://pbx.example.com:8731/' }, tokenFile: '/t' }, { spec: { kind: 'ssh', mode: 'ssh' } }]);
    expect(errors(items)).toEqual([{ line: 8, reason: 'agent must be ssh, auto, agentless or the URL of pbxready-agent serve' }]);
    const json = JSON.stringify([{ host: '192.0.2.9', agent: 'https://192.0.2.9:8731', agent_token_file: '/t' }]);
    expect(entries([...parseInventory(json, 'json')])[0]!.agent).toEqual({ spec: { kind: 'url', url: 'https://192.0.2.9:8731/' }, tokenFile: '/t' });
  });
});
