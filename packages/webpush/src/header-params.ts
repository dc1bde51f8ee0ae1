/**
 * Parses the parameter lists of the legacy `Encryption` and `Crypto-Key` headers, e.g.
 * `keyid=p256dh;dh=BNo…, p256ecdsa=BDd…`. Entries are separated by ',' and parameters by ';'; the first
 * occurrence of a name wins. Values may be quoted.
 */
export function parseHeaderParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const entry of value.split(',')) {
    for (const part of entry.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const name = part.slice(0, eq).trim().toLowerCase();
      let v = part.slice(eq + 1).trim();
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      if (name && !params.has(name)) params.set(name, v);
    }
  }
  return params;
}

/** Case-insensitive lookup in a plain header record. */
export function headerValue(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === wanted) return headers[key];
  return undefined;
}
