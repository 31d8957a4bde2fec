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

// ---- the vendors' support terms (domain.md "Tickets"): who answers, where, and when ----

export type Weekday = 'Mon' | 'Tue' | 'Wed' | 'Thu' | 'Fri' | 'Sat' | 'Sun';
/** A moment of the vendor's week in its own time zone, "Mon 07:00". */
export type WeekTime = `${Weekday} ${number}:${number}`;

export interface SupportWindow {
  from: WeekTime;
  /** May be on the next day ("Mon 07:00" → "Tue 06:00"). */
  to: WeekTime;
  /** How the vendor names it. */
  label: string;
}

export interface SupportTerms {
  vendor: string;
  /** Where partners open tickets by email from their registered address; null when the vendor publishes none. */
  email: { support: string; emergency: string } | null;
  /** The words that mark an Emergency in the subject (the vendor's rule). */
  emergencyMarkers: readonly string[];
  /** The vendor's clock ("CET" in Bicom's documents: Central European time, with summer time). */
  timeZone: string;
  /** The locale whose short zone names read as the vendor's (en-GB: CET/CEST; en-US: CST). */
  zoneNames: string;
  /** Business hours, in the vendor's time zone; outside them work is charged. */
  businessHours: readonly SupportWindow[];
  /** How soon a ticket is answered in business hours, in the vendor's words. */
  reply: string;
  /** What work outside business hours means (charged, or another plan). */
  outOfHours: string;
  /** Who answers at weekends, and what. */
  weekend: { days: readonly Weekday[]; answers: string; otherWork: string } | null;
  /** The vendor's criteria for an Emergency, and what a false one may cost. */
  emergency: { criteria: string; falseAlarm: string } | null;
  /** What else a partner should know of these terms. */
  note?: string;
}

const BICOM: SupportTerms = {
  vendor: 'Bicom Systems',
  email: { support: 'support@bicomsystems.com', emergency: 'emergency@bicomsystems.com' },
  emergencyMarkers: ['URGENT', 'EMERGENCY'],
  timeZone: 'Europe/Zagreb',
  zoneNames: 'en-GB',
  businessHours: [
    { from: 'Sun 23:00', to: 'Mon 07:00', label: 'Sunday–Monday overnight (the Americas/Australia)' },
    { from: 'Mon 07:00', to: 'Tue 06:00', label: 'Monday 7 AM – 6 AM CET next day' },
    { from: 'Tue 07:00', to: 'Wed 06:00', label: 'Tuesday 7 AM – 6 AM CET next day' },
    { from: 'Wed 07:00', to: 'Thu 06:00', label: 'Wednesday 7 AM – 6 AM CET next day' },
    { from: 'Thu 07:00', to: 'Fri 06:00', label: 'Thursday 7 AM – 6 AM CET next day' },
    { from: 'Fri 07:00', to: 'Fri 22:00', label: 'Friday 7 AM – 10 PM CET' },
  ],
  reply: 'replies within 24 hours on business days',
  outOfHours: 'work outside office hours is charged',
  weekend: {
    days: ['Sat', 'Sun'],
    answers: 'an on-call engineer answers EMERGENCY and URGENT tickets within 1 hour',
    otherWork: 'other work at weekends is charged at weekend rates with a half-day minimum',
  },
  emergency: {
    criteria: 'system down, 50% of calls or more unable to pass, or SIPProt down on a weekend',
    falseAlarm: 'an emergency raised for a non-emergency (or caused by a man-made error) may be charged',
  },
};

/** Issabel's on-demand support: bought by the hour, answered through its help desk (no e-mail route). */
const ISSABEL_TERMS: SupportTerms = {
  vendor: 'Issabel',
  email: null,
  emergencyMarkers: ['URGENT', 'EMERGENCY'],
  timeZone: 'America/Mexico_City',
  zoneNames: 'en-US',
  businessHours: (['Mon', 'Tue', 'Wed', 'Thu', 'Fri'] as const).map((d) => ({ from: `${d} 09:00` as WeekTime, to: `${d} 18:00` as WeekTime, label: 'Monday to Friday, 9 AM – 6 PM Mexico City time' })),
  reply: 'answers through its help desk, notifying by e-mail, from the support hours bought',
  outOfHours: 'outside them only the 24/7 on-demand plan answers, at a higher hourly rate (US$150 instead of US$100)',
  weekend: {
    days: ['Sat', 'Sun'],
    answers: 'only the 24/7 on-demand plan answers',
    otherWork: 'at its higher hourly rate (US$150 instead of US$100)',
  },
  emergency: null,
  note: "Issabel's level of support depends on the installed version (older versions get limited support), and its Call Center module is at end of life",
};

/**
 * Issabel's level of support by version: "recent versions have the highest level of support, older
 * versions a limited one" (its on-demand support terms). The line it calls recent, as data.
 */
export const ISSABEL_SUPPORT = { fullFrom: '4.0', current: 'Issabel 4.0' } as const;

/** Each product's vendor terms: changed here, and every ticket route follows. */
export const SUPPORT_TERMS: Record<Product, SupportTerms> = { pbxware: BICOM, serverware: BICOM, issabel: ISSABEL_TERMS };
