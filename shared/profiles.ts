// The vendors' own port requirements (domain.md) and all port policy — each port's purpose, which
// ports expect TLS, which exposure finding a port raises — as data — and the GUI fingerprints. The
// checker's wiring and the rules read the policy from here; which product answers is decided from
// all the evidence in rules/product.ts.

import type { FindingCode } from './findings.js';
import type { PortPurpose, Product } from './model.js';

/** The findings an exposure port raises when it answers from outside. */
export type ExposureCode = Extract<FindingCode, 'EXPOSED_MYSQL' | 'EXPOSED_AMI'>;

export interface PortSpec {
  port: number;
  purpose: PortPurpose;
  label: string;
  /** HTTPS is the expected service: the TLS handshake comes first, and a failed one is a finding. */
  expectsTls?: true;
  /** Exposure ports only: the finding raised when the port answers. */
  exposure?: ExposureCode;
}

export interface ProductProfile {
  product: Product;
  title: string;
  ports: PortSpec[];
}

const GUI = (port: number, label: string): PortSpec => ({ port, purpose: 'gui', label });
const HTTPS = (port: number, label: string): PortSpec => ({ port, purpose: 'gui', label, expectsTls: true });
const SSH = (port: number, label: string): PortSpec => ({ port, purpose: 'ssh', label });

export const PROFILES: Record<Product, ProductProfile> = {
  pbxware: {
    product: 'pbxware',
    title: 'PBXware',
    ports: [GUI(80, 'web GUI (HTTP)'), GUI(81, 'web GUI (HTTP, alternate)'), HTTPS(443, 'web GUI (HTTPS)'), SSH(2020, 'SSH')],
  },
  serverware: {
    product: 'serverware',
    title: 'SERVERware',
    ports: [
      GUI(80, 'web GUI (HTTP)'),
      GUI(81, 'web GUI (HTTP, alternate)'),
      HTTPS(443, 'web GUI (HTTPS)'),
      SSH(2020, 'SSH (PBXware)'),
      SSH(2222, 'SSH (SERVERware host)'),
    ],
  },
  issabel: {
    product: 'issabel',
    title: 'Issabel',
    ports: [HTTPS(443, 'web GUI (HTTPS)'), SSH(22, 'SSH')],
  },
};

/** Ports the vendors say must NOT be public; probed to warn, never required. */
export const EXPOSURE_PORTS: PortSpec[] = [
  { port: 3306, purpose: 'exposure', label: 'MySQL', exposure: 'EXPOSED_MYSQL' },
  { port: 5038, purpose: 'exposure', label: 'Asterisk manager (AMI)', exposure: 'EXPOSED_AMI' },
];

export const PRODUCTS = Object.keys(PROFILES) as Product[];

/** Every port any profile needs: what `--product auto` probes before it decides. */
export function allProfilePorts(): PortSpec[] {
  const seen = new Map<number, PortSpec>();
  for (const p of PRODUCTS) for (const spec of PROFILES[p].ports) if (!seen.has(spec.port)) seen.set(spec.port, spec);
  return [...seen.values()].sort((a, b) => a.port - b.port);
}

const WELL_KNOWN: Record<number, PortSpec> = Object.fromEntries(
  [...allProfilePorts(), ...EXPOSURE_PORTS, HTTPS(8443, 'web GUI (HTTPS, alternate)'), GUI(8080, 'web GUI (HTTP, alternate)')].map((s) => [s.port, s]),
);

/** The policy of a port (also one given with --ports): known ones keep their meaning, others are "custom". */
export function specForPort(port: number): PortSpec {
  return WELL_KNOWN[port] ?? { port, purpose: 'custom', label: 'custom' };
}

/** The finding an answering exposure port raises, by its number. */
export function exposureCode(port: number): ExposureCode | undefined {
  return EXPOSURE_PORTS.find((s) => s.port === port)?.exposure;
}

/** Loose GUI fingerprints: titles and markers each product's login page carries. */
const GUI_MARKERS: Array<{ product: Product; pattern: RegExp }> = [
  { product: 'serverware', pattern: /serverware/i },
  { product: 'pbxware', pattern: /pbxware|bicom\s*systems/i },
  { product: 'issabel', pattern: /issabel|elastix/i },
];

/** Which product's GUI a page looks like, from its title, Server header and body. */
export function recognizeGui(page: { title: string | null; server: string | null; body: string }): Product | null {
  const hay = `${page.title ?? ''}\n${page.server ?? ''}\n${page.body}`;
  for (const m of GUI_MARKERS) if (m.pattern.test(hay)) return m.product;
  return null;
}

/** Does a page recognised as `seen` satisfy a check for `expected`? SERVERware serves PBXware GUIs too. */
export function guiMatches(expected: Product, seen: Product | null): boolean {
  if (seen === null) return false;
  if (seen === expected) return true;
  return (expected === 'serverware' && seen === 'pbxware') || (expected === 'pbxware' && seen === 'serverware');
}
