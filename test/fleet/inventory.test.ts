import { describe, expect, it } from 'vitest';
import { detectFormat, hostKey, parseInventory, type InventoryItem } from '../../checker/scan/inventory.js';

const entries = (items: InventoryItem[]) => items.flatMap((i) => ('entry' in i ? [i.entry] : []));
const errors = (items: InventoryItem[]) => items.flatMap((i) => ('error' in i ? [i.error] : []));

describe('inventory formats', () => {
  it('one host per line: product, key=value fields, comments; bad lines named by number', () => {
    const text = ['# fleet', '', '198.51.100.7 pbxware name=hq customer=Acme tags=eu,gold', 'pbx.example.com', 'bad host here', '10.0.0.300', 'pbx2.example.com serverware ports=443,2222 # trailing'].join('\n');
    const items = [...parseInventory(text, 'lines')];
    expect(entries(items)).toEqual([
      { line: 3, host: '198.51.100.7', product: 'pbxware', name: 'hq', customer: 'Acme', tags: ['eu', 'gold'] },
      { line: 4, host: 'pbx.example.com', tags: [] },
      { line: 7, host: 'pbx2.example.com', product: 'serverware', tags: [], ports: [443, 2222] },
    ]);
    expect(errors(items)).toEqual([
      { line: 5, reason: 'unexpected "host" (expected a product or key=value)' },
      { line: 6, reason: '"10.0.0.300" is neither an IP address nor a host name' },
    ]);
  });

  it('CSV with a header, quoted fields and flat ssh_* columns', () => {
    const text = ['host,product,customer,tags,ssh_user,ssh_fingerprint', '192.0.2.1,issabel,"Smith, Jones",a;b,root,', '192.0.2.2,nonsense,x,,,', '"unclosed,pbxware'].join('\n');
    const items = [...parseInventory(text, 'csv')];
    expect(entries(items)).toEqual([{ line: 2, host: '192.0.2.1', product: 'issabel', customer: 'Smith, Jones', tags: ['a', 'b'], ssh: { user: 'root' } }]);
    expect(errors(items).map((e) => e.line)).toEqual([3, 4]);
    expect(errors(items)[0]!.reason).toMatch(/unknown product "nonsense"/);
  });

  it('YAML list under hosts: with line numbers of each entry, nested ssh options', () => {
    const text = `hosts:
  - address: 203.0.113.5
    product: pbxware
    customer: Acme
    tags: [eu]
    ssh:
      user: root
      fingerprint: SHA256:${'A'.repeat(43)}
  - 203.0.113.6
  - address: 203.0.113.7
    colour: blue
  - product: issabel
`;
    const items = [...parseInventory(text, 'yaml')];
    expect(entries(items)).toEqual([
      { line: 2, host: '203.0.113.5', product: 'pbxware', customer: 'Acme', tags: ['eu'], ssh: { user: 'root', fingerprint: `SHA256:${'A'.repeat(43)}` } },
      { line: 9, host: '203.0.113.6', tags: [] },
    ]);
    expect(errors(items)).toEqual([
      { line: 10, reason: 'unknown field "colour"' },
      { line: 12, reason: 'no host/address' },
    ]);
  });

  it('JSON array: line numbers too, and a syntax error is one error with its line', () => {
    const text = '[\n  {"host": "192.0.2.9", "name": "a"},\n  {"host": ""}\n]\n';
    const items = [...parseInventory(text, 'json')];
    expect(entries(items)).toEqual([{ line: 2, host: '192.0.2.9', name: 'a', tags: [] }]);
    expect(errors(items)).toEqual([{ line: 3, reason: 'no host/address' }]);
    const broken = [...parseInventory('[\n {"host": "x",\n', 'json')];
    expect(broken).toHaveLength(1);
    expect(errors(broken)[0]!.reason).toMatch(/not valid YAML\/JSON/);
    expect(errors(broken)[0]).toMatchObject({ line: 3, document: true });
    // The line of the fault itself, not "line 1": a missing comma on line 3 of 4.
    const comma = errors([...parseInventory('[\n {"host": "192.0.2.1"},\n {"host": "192.0.2.2" "name": "b"}\n]\n', 'json')]);
    expect(comma).toEqual([{ line: 3, reason: expect.stringMatching(/^not valid YAML\/JSON: /), document: true }]);
  });

  it('YAML syntax errors name their line; a document that is not a list is a document error', () => {
    const yamlErr = errors([...parseInventory('hosts:\n  - host: 192.0.2.1\n    name: x\n   bad: 1\n', 'yaml')]);
    expect(yamlErr).toEqual([{ line: 4, reason: 'not valid YAML/JSON: Sequence item without - indicator', document: true }]);
    expect(errors([...parseInventory('\n\nfleet: nope\n', 'yaml')])).toEqual([{ line: 3, reason: 'expected a list of hosts, or a mapping with a "hosts:" list', document: true }]);
  });

  it('a repeated key (customer/name, else host) is skipped as "duplicate of line N"; the first stays', () => {
    const text = ['192.0.2.1 name=hq customer=acme', '192.0.2.2 name=hq customer=beta', '192.0.2.3 name=hq customer=acme', '192.0.2.9', '192.0.2.9 pbxware', '192.0.2.9 name=other'].join('\n');
    const items = [...parseInventory(text, 'lines')];
    expect(entries(items).map((e) => e.line)).toEqual([1, 2, 4, 6]);
    expect(errors(items)).toEqual([
      { line: 3, reason: 'duplicate of line 1 (key "acme/hq")' },
      { line: 5, reason: 'duplicate of line 4 (key "192.0.2.9")' },
    ]);
    const yaml = errors([...parseInventory('- {host: 192.0.2.1, name: a}\n- 192.0.2.2\n- {host: 192.0.2.3, name: a}\n', 'yaml')]);
    expect(yaml).toEqual([{ line: 3, reason: 'duplicate of line 1 (key "a")' }]);
  });

  it('detects the format from the extension, else the content', () => {
    expect(detectFormat('fleet.yml', '')).toBe('yaml');
    expect(detectFormat('fleet.csv', '')).toBe('csv');
    expect(detectFormat('fleet', '# c\n[{"host":"a"}]')).toBe('json');
    expect(detectFormat('fleet', 'hosts:\n - a')).toBe('yaml');
    expect(detectFormat('fleet', 'address,product\n')).toBe('csv');
    expect(detectFormat('fleet', '192.0.2.1\n')).toBe('lines');
  });

  it('a host is known across runs by customer/name, else by what is checked', () => {
    expect(hostKey({ host: '192.0.2.1', name: 'hq', customer: 'Acme' })).toBe('Acme/hq');
    expect(hostKey({ host: '192.0.2.1' })).toBe('192.0.2.1');
  });
});
