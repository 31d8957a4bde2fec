// The GUI fetch → findings: did the request work, and does the page look like the product's GUI?

import { finding } from '../findings.js';
import type { Finding, PortResult, Product } from '../model.js';
import { guiMatches, PROFILES } from '../profiles.js';

export function httpFindings(p: PortResult, product: Product): Finding[] {
  const h = p.http;
  if (!h) return [];
  const where = { port: p.port, address: p.address };
  if (h.error !== undefined) return [finding('HTTP_FAILED', { reason: h.error }, where)];
  if (guiMatches(product, h.recognized)) return [];
  return [
    finding(
      'GUI_NOT_RECOGNIZED',
      {
        status: h.status ?? 'no status',
        server: h.server ? `, Server: ${h.server}` : '',
        product: PROFILES[product].title,
        title: h.title ? ` (its title is “${h.title}”)` : '',
      },
      where,
    ),
  ];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", nbsp: ' ' };

/** The page's <title>, entity-decoded and whitespace-collapsed; null when there is none. */
export function pageTitle(html: string): string | null {
  const m = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html);
  if (!m) return null;
  const text = (m[1] ?? '')
    .replace(/&(amp|lt|gt|quot|#39|apos|nbsp);/g, (_w, e: string) => ENTITIES[e] ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  return text === '' ? null : text.slice(0, 200);
}
