// Small byte helpers shared by the record layer, the key schedule and VAPID. Plain Uint8Array so the same
// code runs on WebCrypto-only runtimes.

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Joins byte arrays into one new array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Constant-time-ish equality for short secrets and tags; length is not secret. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    // Never taken once the lengths match; the branch depends on length only, which is not secret.
    if (x === undefined || y === undefined) return false;
    diff |= x ^ y;
  }
  return diff === 0;
}

/** A payload given as text is sent as its UTF-8 bytes. */
export function toBytes(payload: Uint8Array | string): Uint8Array {
  return typeof payload === 'string' ? utf8(payload) : payload;
}
