// What the help-desk stand-ins share: a node http server on 127.0.0.1:0 that records every
// request, can be told to answer the next N requests with a fault (429 with Retry-After, 503), and
// hands the rest to the desk's own validating handler.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path with query, as sent. */
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  at: number;
  /** The status the stand-in answered. */
  status?: number;
}

export interface Reply {
  status: number;
  /** JSON replies are objects; osTicket answers plain text. */
  body: unknown;
  headers?: Record<string, string>;
}

export interface Fault {
  status: number;
  retryAfter?: string;
  times: number;
}

export interface HelpdeskServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Answer the next `times` requests with `status` (and Retry-After), before any validation. */
  failNext(status: number, options?: { times?: number; retryAfter?: string }): void;
  stop(): Promise<void>;
}

export type DeskHandler = (req: RecordedRequest) => Promise<Reply> | Reply;

export function jsonError(status: number, body: unknown): Reply {
  return { status, body };
}

/** Parse multipart/form-data the way a server does, with the platform's own parser. */
export async function parseMultipart(req: RecordedRequest): Promise<FormData> {
  const r = new Request(`http://127.0.0.1${req.url}`, { method: 'POST', headers: { 'content-type': String(req.headers['content-type'] ?? '') }, body: req.body });
  return r.formData();
}

export function basicAuthOf(req: RecordedRequest): string | null {
  const h = req.headers.authorization;
  if (!h || !/^Basic [A-Za-z0-9+/]+=*$/.test(h)) return null;
  return Buffer.from(h.slice(6), 'base64').toString('utf8');
}

export async function startHelpdesk(handler: DeskHandler): Promise<HelpdeskServer> {
  const requests: RecordedRequest[] = [];
  const faults: Fault[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), at: Date.now() };
      requests.push(rec);
      const send = (reply: Reply) => {
        rec.status = reply.status;
        const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status, { 'content-type': typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8', ...reply.headers });
        res.end(text);
      };
      const fault = faults[0];
      if (fault) {
        if (--fault.times <= 0) faults.shift();
        send({ status: fault.status, body: fault.status === 429 ? { message: 'rate limited' } : { error: 'service unavailable' }, headers: fault.retryAfter ? { 'retry-after': fault.retryAfter } : {} });
        return;
      }
      Promise.resolve()
        .then(() => handler(rec))
        .then(send, (err: unknown) => send({ status: 500, body: { error: String(err) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    failNext(status, options = {}) {
      faults.push({ status, times: options.times ?? 1, ...(options.retryAfter !== undefined ? { retryAfter: options.retryAfter } : {}) });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
