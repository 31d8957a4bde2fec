// --product auto decided from all the evidence (issue 13): SSH on 22/2020/2222, the GUI fingerprint
// of every web port, the agent's product. Disagreeing or thin evidence is uncertain, with every
// product still possible as a candidate (their ports are all required).

import { describe, expect, it } from 'vitest';
import type { PortResult, PortState, Product } from '../../shared/model.js';
import { outsideFindings, productFor, withRequired } from '../../shared/rules/outside.js';
import { candidatePorts, decideProduct, productEvidence } from '../../shared/rules/product.js';

function port(n: number, state: PortState, extra: Partial<PortResult> = {}): PortResult {
  return { port: n, address: '203.0.113.10', purpose: [22, 2020, 2222].includes(n) ? 'ssh' : 'gui', required: false, state, reason: state, latencyMs: 1, ...extra };
}
const ssh = (n: number, banner = 'SSH-2.0-OpenSSH_9.2') => port(n, 'open', { ssh: { banner, hostKeyType: null, fingerprint: null, authMethods: [] } });
const gui = (n: number, recognized: Product | null) => port(n, 'open', { http: { url: `http://x:${n}/`, status: 200, redirects: [], server: null, title: null, recognized, bodyBytes: 10 } });
const decide = (ports: PortResult[], agent?: Product | 'unknown') => decideProduct(productEvidence(ports, agent));

describe('decideProduct: certain', () => {
  it.each([
    ['SERVERware GUI with 2222 blocked → SERVERware (2222 required)', [gui(443, 'serverware'), ssh(2020), port(2222, 'filtered')], 'serverware'],
    ['SSH on 2222 decides SERVERware even behind a PBXware GUI', [gui(443, 'pbxware'), ssh(2020), ssh(2222)], 'serverware'],
    ['PBXware GUI and SSH on 2020 → PBXware', [gui(80, 'pbxware'), gui(443, 'pbxware'), ssh(2020), port(2222, 'closed')], 'pbxware'],
    ['PBXware GUI with 2020 blocked but 22 and 443 open → PBXware, not Issabel', [gui(443, 'pbxware'), ssh(22), port(2020, 'filtered')], 'pbxware'],
    ['Issabel GUI and SSH on 22 → Issabel', [gui(443, 'issabel'), ssh(22), port(2020, 'closed')], 'issabel'],
    ['the agent alone decides', [port(443, 'filtered')], 'issabel'],
  ] as Array<[string, PortResult[], Product]>)('%s', (name, ports, product) => {
    const d = decide(ports, name.includes('agent') ? 'issabel' : undefined);
    expect(d).toMatchObject({ product, candidates: [product], certain: true });
    expect(d.reason.length).toBeGreaterThan(10);
  });

  it('says why in words, naming the ports', () => {
    expect(decide([gui(80, 'serverware'), gui(443, 'serverware'), ssh(2020), port(2222, 'filtered')]).reason).toBe(
      'the GUI on 80, 443 looks like SERVERware; SSH answers on 2020 (Bicom SSH: PBXware or SERVERware)',
    );
  });

  it('the agent settles what the outside cannot tell apart', () => {
    expect(decide([ssh(2020)], 'pbxware')).toMatchObject({ product: 'pbxware', certain: true });
    expect(decide([ssh(2020)], 'serverware')).toMatchObject({ product: 'serverware', certain: true });
  });

  it('an open 2222 that is not SSH is no evidence for SERVERware', () => {
    expect(decide([gui(443, 'pbxware'), ssh(2020), ssh(2222, 'HTTP/1.1 400 Bad Request')])).toMatchObject({ product: 'pbxware', certain: true });
  });
});

describe('decideProduct: uncertain → every candidate\'s ports are required', () => {
  it('nothing identifies the product: all three are candidates', () => {
    const d = decide([port(80, 'filtered'), port(443, 'filtered')]);
    expect(d).toMatchObject({ product: 'pbxware', candidates: ['pbxware', 'serverware', 'issabel'], certain: false });
    expect(d.reason).toContain('no SSH answered on 22, 2020 or 2222 and no GUI was recognised');
    expect([...candidatePorts(d.candidates)].sort((a, b) => a - b)).toEqual([22, 80, 81, 443, 2020, 2222]);
  });

  it('SSH on 2020 and no GUI recognised: PBXware or SERVERware — 2222 stays required', () => {
    const d = decide([gui(443, null), ssh(2020), port(2222, 'filtered')]);
    expect(d).toMatchObject({ product: 'pbxware', candidates: ['pbxware', 'serverware'], certain: false });
    expect(candidatePorts(d.candidates).has(2222)).toBe(true);
    expect(d.reason).toContain('too little evidence to tell PBXware or SERVERware apart');
  });

  it('PBXware with 2020 blocked, 22 and 443 open, GUI not recognised: no longer taken for Issabel', () => {
    const d = decide([gui(443, null), ssh(22), port(2020, 'filtered')]);
    expect(d.certain).toBe(false);
    expect(d.candidates).toContain('pbxware');
    expect(candidatePorts(d.candidates).has(2020)).toBe(true);
  });

  it('GUIs that disagree', () => {
    const d = decide([gui(80, 'issabel'), gui(443, 'serverware')]);
    expect(d).toMatchObject({ candidates: ['serverware', 'issabel'], certain: false });
    expect(d.reason).toBe('the evidence disagrees: the GUI on 443 looks like SERVERware; the GUI on 80 looks like Issabel');
  });

  it('the agent disagreeing with the GUI: the agent\'s answer is the guess, both are candidates', () => {
    const d = decide([gui(443, 'issabel'), ssh(22)], 'pbxware');
    expect(d).toMatchObject({ product: 'pbxware', candidates: ['pbxware', 'issabel'], certain: false });
    expect(d.reason).toContain('the host agent found PBXware installed');
  });

  it('an Issabel GUI but SSH on Bicom\'s 2020: doubt, both products\' ports required', () => {
    const d = decide([gui(443, 'issabel'), ssh(2020)]);
    expect(d).toMatchObject({ product: 'issabel', candidates: ['pbxware', 'issabel'], certain: false });
    expect(d.reason).toContain('but SSH answers on 2020');
  });
});

describe('productEvidence', () => {
  it('counts a port that answers on any address, and an open SSH port without the SSH probe (fleet --probes tcp)', () => {
    const ev = productEvidence([port(2222, 'filtered'), port(2222, 'open', { address: '203.0.113.11' })]);
    expect(ev.map((e) => e.what)).toEqual(['SSH answers on 2222 (SERVERware host SSH)']);
  });

  it('an unknown agent product is no evidence', () => {
    expect(productEvidence([], 'unknown')).toEqual([]);
  });
});

describe('the outside judgement: union of required ports, PRODUCT_UNCERTAIN, system down', () => {
  const ctx = { host: 'pbx.example.com', product: 'auto' as const, timeoutMs: 3000, allowPrivate: false };
  const icmp = { measured: true, reason: 'echo reply', alive: true, rttMs: 1 };

  it('uncertain: every candidate\'s ports are required and the warning names the candidates', () => {
    const ports = [gui(443, null), ssh(2020), port(2222, 'filtered'), port(80, 'open'), port(81, 'open')];
    const decision = productFor('auto', ports);
    const judged = withRequired(ports, decision);
    expect(judged.filter((p) => p.required).map((p) => p.port).sort((a, b) => a - b)).toEqual([80, 81, 443, 2020, 2222]);
    const codes = outsideFindings({ addresses: ['203.0.113.10'], ports: judged, icmp }, decision, ctx).map((f) => `${f.code}${f.port ? `:${f.port}` : ''}`);
    expect(codes).toContain('PRODUCT_UNCERTAIN');
    expect(codes).toContain('PORT_FILTERED:2222');
    expect(codes).not.toContain('PRODUCT_AUTO_GUESS');
    const f = outsideFindings({ addresses: ['203.0.113.10'], ports: judged, icmp }, decision, ctx).find((x) => x.code === 'PRODUCT_UNCERTAIN')!;
    expect(f.message).toContain('the required ports of PBXware, SERVERware are all checked');
  });

  it('with --ports an uncertain product stays an info guess (the ports are the user\'s)', () => {
    const ports = [port(9000, 'open', { purpose: 'custom' })];
    const decision = productFor('auto', ports);
    const codes = outsideFindings({ addresses: ['203.0.113.10'], ports: withRequired(ports, decision, [9000]), icmp }, decision, { ...ctx, ports: [9000] }).map((f) => f.code);
    expect(codes.filter((c) => c.startsWith('PRODUCT'))).toEqual(['PRODUCT_AUTO_GUESS']);
  });

  it('system down from outside → EMERGENCY_CRITERIA_MET naming the criterion', () => {
    const ports = withRequired([port(80, 'closed'), port(81, 'closed'), port(443, 'closed'), port(2020, 'closed'), port(3306, 'open', { purpose: 'exposure' })], productFor('pbxware', []));
    const found = outsideFindings({ addresses: ['203.0.113.10'], ports, icmp }, productFor('pbxware', []), { ...ctx, product: 'pbxware' });
    const met = found.find((f) => f.code === 'EMERGENCY_CRITERIA_MET')!;
    expect(met).toMatchObject({ severity: 'fail', subject: 'system down' });
    expect(met.message).toBe(
      'The vendor\'s emergency criterion "system down" is met: from outside every required port is dead (80 closed, 81 closed, 443 closed, 2020 closed) while the host still answers: it answers ping; it refuses 80, 81, 443, 2020 (a TCP reset: nothing listens); 3306 is open.',
    );
  });
});
