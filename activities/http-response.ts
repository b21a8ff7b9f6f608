/**
 * The response side of the `http` executor: reading a bounded body, parsing it as a JSON object,
 * and quoting it in failure details and messages.
 */

/** Most of a response body read (for JSON and `from: body` rules); the rest is not downloaded. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Bytes of the response body kept in failure details (the last ones read). */
export const BODY_TAIL_BYTES = 64 * 1024;

/** Reads at most `limit` bytes of the body as UTF-8, then stops downloading (cancels the stream). */
export async function readBody(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size >= limit) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/**
 * The body parsed as a JSON object when it is one (by content type or by its first character);
 * undefined for other JSON values and for text that does not parse.
 */
export function parseJsonObject(text: string, contentType: string): Record<string, unknown> | undefined {
  if (!/json/i.test(contentType) && !text.trimStart().startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The last {@link BODY_TAIL_BYTES} of `text`, not starting in the middle of a character. */
export function bodyTail(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= BODY_TAIL_BYTES) return text;
  let start = bytes.length - BODY_TAIL_BYTES;
  while (start < bytes.length && ((bytes[start] as number) & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString('utf8');
}

/** First non-empty line of a response body, cut to 200 characters, for messages (empty when none). */
export function firstBodyLine(text: string): string {
  const line =
    text
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
