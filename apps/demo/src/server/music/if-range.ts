// The Music audio's If-Range rule; the Range rules themselves are @outpost/pwa's (`@outpost/pwa/ranges`).

/**
 * Whether an `If-Range` lets the `Range` apply: absent, or exactly the current strong ETag. A date never matches
 * (the audio has no `Last-Modified`), nor does a weak tag (RFC 9110, section 13.1.5): the answer is then the
 * whole, current body, so a client never splices bytes of two versions.
 */
export function ifRangeAllows(ifRange: string | undefined, etag: string): boolean {
  if (ifRange === undefined) return true;
  return ifRange.trim() === etag && !etag.startsWith('W/');
}
