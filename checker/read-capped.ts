// Reading an answer someone else controls: at most `cap` bytes, counted while they arrive, then the
// download is cancelled. `res.text()` buffers the whole body before anyone can look at its size: an
// endless 200 from an --agent URL reached 6 GB of memory within the default 30 s.

/** The body of a global-fetch (WHATWG stream) or node-fetch (Node stream) Response. */
export interface StreamedBody {
  body: ReadableStream<Uint8Array> | NodeJS.ReadableStream | null;
}

export class BodyTooLarge extends Error {
  constructor(readonly cap: number) {
    super(`the answer is larger than ${cap} bytes`);
    this.name = 'BodyTooLarge';
  }
}

/** The body as text, or BodyTooLarge once more than `cap` bytes have arrived (the rest is never read). */
export async function readCappedText(res: StreamedBody, cap: number): Promise<string> {
  const body = res.body;
  if (!body) return '';
  if (!('getReader' in body)) return readNodeStream(body, cap);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > cap) {
        await reader.cancel().catch(() => {});
        throw new BodyTooLarge(cap);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readNodeStream(body: NodeJS.ReadableStream, cap: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.byteLength;
    if (size > cap) {
      (body as { destroy?: () => void }).destroy?.();
      throw new BodyTooLarge(cap);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
