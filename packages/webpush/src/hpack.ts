// HPACK (RFC 7541) for the sender's own HTTP/2 client: a complete decoder (a push service's encoder may use
// any of the format: Huffman strings, its dynamic table, size updates), and an encoder shaped for what a
// fan-out sends: the same few headers on every request of a connection, with only :path changing.

/** The peer's HPACK data could not be decoded: a connection error (COMPRESSION_ERROR) in HTTP/2 terms. */
export class HpackError extends Error {
  override readonly name = 'HpackError';
  readonly code = 'ERR_HTTP2_COMPRESSION';
}

/** RFC 7541 Appendix A: index 1 is the first entry. */
const STATIC_TABLE: ReadonlyArray<readonly [string, string]> = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

// The first static index of each name, and of each full name + value pair.
const STATIC_NAME = new Map<string, number>();
const STATIC_PAIR = new Map<string, number>();
STATIC_TABLE.forEach(([name, value], i) => {
  if (!STATIC_NAME.has(name)) STATIC_NAME.set(name, i + 1);
  STATIC_PAIR.set(`${name}\0${value}`, i + 1);
});

// RFC 7541 Appendix B as code lengths, symbols 0-255 then EOS (256). The code is canonical: within a length,
// codes are consecutive in symbol order, and each length starts where the shorter ones left off. So the
// lengths are the whole table (a test rebuilds Appendix B's codes from them).
const HUFFMAN_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28,
  28, 28, 28, 6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6,
  5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23,
  22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, 22, 21, 20, 22, 22,
  23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, 26, 26,
  20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27,
  27, 20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27,
  27, 27, 27, 26, 30,
];
const EOS = 256;
const MAX_CODE_LENGTH = 30;

// Symbols in canonical order: by code length, then by symbol.
const CANONICAL_ORDER = HUFFMAN_LENGTHS.map((_, symbol) => symbol).sort(
  (a, b) => (HUFFMAN_LENGTHS[a] ?? 0) - (HUFFMAN_LENGTHS[b] ?? 0) || a - b,
);

/** The canonical Huffman code of each symbol (0-256), rebuilt from the lengths. */
export function huffmanCodes(): number[] {
  const codes: number[] = [];
  let code = -1;
  let length = 0;
  for (const symbol of CANONICAL_ORDER) {
    const next = HUFFMAN_LENGTHS[symbol] ?? 0;
    // Multiplication, not shifts: 30-bit codes shifted would overflow 32-bit signed arithmetic.
    code = (code + 1) * 2 ** (next - length);
    length = next;
    codes[symbol] = code;
  }
  return codes;
}

// Canonical decoding tables: for each length, the first code of that length, how many codes have it, and
// where its symbols start in SORTED_SYMBOLS.
const FIRST_CODE = new Array<number>(MAX_CODE_LENGTH + 1).fill(0);
const CODE_COUNT = new Array<number>(MAX_CODE_LENGTH + 1).fill(0);
const SYMBOL_OFFSET = new Array<number>(MAX_CODE_LENGTH + 1).fill(0);
const SORTED_SYMBOLS: number[] = [];
{
  const codes = huffmanCodes();
  for (const symbol of CANONICAL_ORDER) {
    const length = HUFFMAN_LENGTHS[symbol] ?? 0;
    if (CODE_COUNT[length] === 0) {
      FIRST_CODE[length] = codes[symbol] ?? 0;
      SYMBOL_OFFSET[length] = SORTED_SYMBOLS.length;
    }
    CODE_COUNT[length] = (CODE_COUNT[length] ?? 0) + 1;
    SORTED_SYMBOLS.push(symbol);
  }
}

/**
 * Decodes a Huffman-coded string (RFC 7541 section 5.2) to its octets.
 *
 * @throws {HpackError} on the EOS symbol, padding longer than 7 bits or not all ones, or a code that is not
 * in the table.
 */
export function decodeHuffman(input: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(Math.ceil((input.length * 8) / 5));
  let written = 0;
  let code = 0;
  let length = 0;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i] ?? 0;
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1);
      length++;
      const offset = code - (FIRST_CODE[length] ?? 0);
      if (length >= 5 && offset >= 0 && offset < (CODE_COUNT[length] ?? 0)) {
        const symbol = SORTED_SYMBOLS[(SYMBOL_OFFSET[length] ?? 0) + offset] ?? EOS;
        if (symbol === EOS) throw new HpackError('HPACK: a Huffman string contains EOS');
        out[written++] = symbol;
        code = 0;
        length = 0;
      } else if (length >= MAX_CODE_LENGTH) {
        throw new HpackError('HPACK: a Huffman string has a code that is not in the table');
      }
    }
  }
  // What is left must be padding: the start of EOS (all ones), shorter than a byte.
  if (length > 7 || code !== 2 ** length - 1) throw new HpackError('HPACK: bad Huffman padding');
  return out.subarray(0, written);
}

/** A header field as decoded: a name (lowercase in HTTP/2) and a value, both Latin-1 strings of the octets. */
export type HeaderField = [name: string, value: string];

const ENTRY_OVERHEAD = 32;
const MAX_INTEGER = 2 ** 31 - 1;

/**
 * The decoding side of one HTTP/2 connection: keeps the dynamic table the peer's encoder fills, so every
 * header block of the connection must pass through it in order, those of streams we no longer care about too.
 *
 * @example
 * const decoder = new HpackDecoder();
 * const fields = decoder.decode(headerBlock); // [[':status', '201'], ['location', '/m/1']]
 */
export class HpackDecoder {
  // Newest last: dynamic index 1 is the last element.
  readonly #entries: HeaderField[] = [];
  #size = 0;
  #maxSize: number;
  readonly #limit: number;
  readonly #maxListBytes: number;

  /**
   * @param limit - our SETTINGS_HEADER_TABLE_SIZE: the most the peer may set the table to (4096 by default).
   * @param maxListBytes - the most one decoded header list may hold (names + values + 32 per field), so a
   * hostile peer cannot make us build a huge one.
   */
  constructor(limit = 4096, maxListBytes = 65_536) {
    this.#limit = limit;
    this.#maxSize = limit;
    this.#maxListBytes = maxListBytes;
  }

  /**
   * Decodes one complete header block (HEADERS plus any CONTINUATION payloads, joined).
   *
   * @throws {HpackError} on any malformed input; the connection cannot go on after that.
   */
  decode(block: Uint8Array): HeaderField[] {
    const fields: HeaderField[] = [];
    let listBytes = 0;
    let at = 0;
    let sawField = false;
    const integer = (prefixBits: number): number => {
      const mask = 2 ** prefixBits - 1;
      let value = (block[at++] ?? 0) & mask;
      if (value < mask) return value;
      for (let shift = 0; ; shift += 7) {
        // Five continuation octets carry 35 bits: more can only be redundant zeros, and enough of those make
        // 2 ** shift Infinity and the value NaN, which slips past every bounds check.
        if (shift > 28) throw new HpackError('HPACK: an integer is too long');
        if (at >= block.length) throw new HpackError('HPACK: an integer is cut short');
        const byte = block[at++] ?? 0;
        value += (byte & 0x7f) * 2 ** shift;
        if (value > MAX_INTEGER) throw new HpackError('HPACK: an integer is too large');
        if ((byte & 0x80) === 0) return value;
      }
    };
    const string = (): string => {
      if (at >= block.length) throw new HpackError('HPACK: a string is missing');
      const huffman = ((block[at] ?? 0) & 0x80) !== 0;
      const length = integer(7);
      if (length > block.length - at) throw new HpackError('HPACK: a string runs past the block');
      const raw = block.subarray(at, at + length);
      at += length;
      return (huffman ? decodeHuffman(raw) : Buffer.from(raw.buffer, raw.byteOffset, raw.length)).toString('latin1');
    };
    const emit = (field: HeaderField) => {
      listBytes += field[0].length + field[1].length + ENTRY_OVERHEAD;
      if (listBytes > this.#maxListBytes) throw new HpackError('HPACK: the header list is too large');
      fields.push(field);
      sawField = true;
    };
    while (at < block.length) {
      const first = block[at] ?? 0;
      if (first & 0x80) {
        emit(this.#field(integer(7)));
      } else if (first & 0x40) {
        const field = this.#literal(integer(6), string);
        this.#insert(field);
        emit(field);
      } else if (first & 0x20) {
        // A size update is allowed only before the block's first field (RFC 7541 section 4.2).
        if (sawField) throw new HpackError('HPACK: a table size update after a header field');
        const size = integer(5);
        if (size > this.#limit) throw new HpackError(`HPACK: table size ${size} is over our limit ${this.#limit}`);
        this.#maxSize = size;
        this.#evict(0);
      } else {
        // Without indexing (0000) or never indexed (0001): the same to a decoder that forwards nothing.
        emit(this.#literal(integer(4), string));
      }
    }
    return fields;
  }

  #field(index: number): HeaderField {
    if (index === 0) throw new HpackError('HPACK: index 0');
    const fixed = STATIC_TABLE[index - 1];
    if (fixed) return [fixed[0], fixed[1]];
    const entry = this.#entries[this.#entries.length - (index - STATIC_TABLE.length)];
    if (!entry) throw new HpackError(`HPACK: index ${index} is not in the table`);
    return [entry[0], entry[1]];
  }

  #literal(nameIndex: number, string: () => string): HeaderField {
    const name = nameIndex === 0 ? string() : this.#field(nameIndex)[0];
    return [name, string()];
  }

  #insert(field: HeaderField): void {
    const size = field[0].length + field[1].length + ENTRY_OVERHEAD;
    // An entry larger than the table empties it and is not added (RFC 7541 section 4.4).
    this.#evict(size);
    if (size <= this.#maxSize) {
      this.#entries.push(field);
      this.#size += size;
    }
  }

  // Drops the oldest entries until `room` more octets fit (all of them when it cannot).
  #evict(room: number): void {
    while (this.#entries.length > 0 && this.#size + room > this.#maxSize) {
      const oldest = this.#entries.shift();
      if (oldest) this.#size -= oldest[0].length + oldest[1].length + ENTRY_OVERHEAD;
    }
  }
}

// Headers whose values should never enter a compression table (RFC 7541 section 7.1.3: a guessable secret
// next to attacker-chosen data), and those that change with every message, where indexing would only churn
// the table. nghttp2 treats authorization the same way.
const NEVER_INDEXED = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);
const NOT_INDEXED = new Set(['encryption', 'crypto-key', 'content-length', 'date']);
// Connection-specific headers are forbidden in HTTP/2 (RFC 9113 section 8.2.2).
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const BAD_VALUE = /[\0\r\n]/;

/** Request headers the encoder refused: a caller's bug, reported before anything is sent. */
export class HeaderFieldError extends TypeError {
  override readonly name = 'HeaderFieldError';
  readonly code = 'ERR_HTTP2_INVALID_HEADER';
}

const CONTENT_CACHE_ENTRIES = 64;

// Length-prefixed, so no choice of names and values (even ones the encoder would refuse) can spell another
// set's key: a hit skips validation, as the cached block was validated when it was made.
function contentKey(authority: string, headers: Record<string, string>): string {
  let key = `${authority.length}:${authority}`;
  for (const name in headers) {
    const value = String(headers[name]);
    key += `${name.length}:${name}${value.length}:${value}`;
  }
  return key;
}

interface CachedBlock {
  epoch: number;
  authority: string;
  /** :method, :scheme, :authority, encoded. */
  before: Buffer;
  /** The regular headers, encoded. */
  after: Buffer;
}

function integerBytes(value: number, prefixBits: number, flags: number): number[] {
  const mask = 2 ** prefixBits - 1;
  if (value < mask) return [flags | value];
  const out = [flags | mask];
  let rest = value - mask;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

// A raw (not Huffman) string literal: the octets of a Latin-1 string.
function stringBytes(value: string): number[] {
  return [...integerBytes(value.length, 7, 0), ...Buffer.from(value, 'latin1')];
}

/**
 * The encoding side of one HTTP/2 connection, for POST requests. A connection of a fan-out sends the same
 * headers object on every request, so its block is encoded once and reused while the dynamic table stays as
 * it was; the first request adds the indexable fields to the table, so later ones refer to them by index.
 * Only :path is encoded per request.
 *
 * @example
 * const encoder = new HpackEncoder();
 * const block = encoder.request('push.example.net', '/wpush/v2/abc', { ttl: '60', 'content-encoding': 'aes128gcm' });
 */
export class HpackEncoder {
  // Oldest first, mirroring what the peer's decoder holds.
  readonly #entries: Array<{ key: string; size: number }> = [];
  // name\0value -> insertion number of the newest entry with it.
  readonly #indexOf = new Map<string, number>();
  #inserted = 0;
  #size = 0;
  #maxSize = 4096;
  #pendingSizeUpdate: number | undefined;
  #pendingSmallest: number | undefined;
  // Bumped whenever an index could change meaning: cached blocks from before are stale.
  #epoch = 0;
  readonly #cache = new WeakMap<Record<string, string>, CachedBlock>();
  // The same blocks by content: `sendNotification` builds a new headers object per call, with the same names and
  // values as the last one (TTL, encoding, the cached VAPID token), so identity alone would re-encode every request.
  readonly #byContent = new Map<string, CachedBlock>();

  /** Applies the peer's SETTINGS_HEADER_TABLE_SIZE: our table never grows past 4096 octets. */
  setPeerTableSize(size: number): void {
    const next = Math.min(size, 4096);
    if (next === this.#maxSize) return;
    this.#maxSize = next;
    // Several changes between two blocks are signalled as the smallest size, then the final one (RFC 7541
    // section 4.2): the peer's table must be emptied as far as ours was, or the two would evict differently.
    this.#pendingSmallest = Math.min(this.#pendingSmallest ?? next, next);
    this.#pendingSizeUpdate = next;
    this.#evict(0);
    this.#epoch++;
  }

  /**
   * The header block of a POST to `path`, with `headers` after the pseudo-headers.
   *
   * @throws {HeaderFieldError} for a header name that is not a lowercase-able token, a connection-specific
   * header, or a value with CR, LF or NUL.
   */
  request(authority: string, path: string, headers: Record<string, string>): Buffer {
    if (BAD_VALUE.test(path)) throw new HeaderFieldError('the request path has CR, LF or NUL in it');
    let cached = this.#cache.get(headers);
    // Built only when identity misses, and at most once per request.
    let key: string | undefined;
    if (!cached) {
      key = contentKey(authority, headers);
      cached = this.#byContent.get(key);
      if (cached) this.#cache.set(headers, cached);
    }
    if (
      !cached ||
      cached.epoch !== this.#epoch ||
      cached.authority !== authority ||
      this.#pendingSizeUpdate !== undefined
    ) {
      // Validate before encoding anything: encoding changes the table, and a refused block is never sent.
      for (const [rawName, value] of Object.entries(headers)) {
        const name = rawName.toLowerCase();
        if (!TOKEN.test(name)) throw new HeaderFieldError(`invalid header name ${JSON.stringify(rawName)}`);
        if (CONNECTION_SPECIFIC.has(name)) throw new HeaderFieldError(`${name} is not allowed in HTTP/2`);
        if (BAD_VALUE.test(value)) throw new HeaderFieldError(`the ${name} header has CR, LF or NUL in it`);
      }
      const startEpoch = this.#epoch;
      const sizeUpdate: number[] = [];
      const final = this.#pendingSizeUpdate;
      if (final !== undefined) {
        const smallest = this.#pendingSmallest ?? final;
        if (smallest < final) sizeUpdate.push(...integerBytes(smallest, 5, 0x20));
        sizeUpdate.push(...integerBytes(final, 5, 0x20));
      }
      this.#pendingSizeUpdate = undefined;
      this.#pendingSmallest = undefined;
      const before = [...sizeUpdate, ...this.#field(':method', 'POST'), ...this.#field(':scheme', 'https')];
      before.push(...this.#field(':authority', authority));
      const after: number[] = [];
      for (const [rawName, value] of Object.entries(headers)) {
        after.push(...this.#field(rawName.toLowerCase(), String(value)));
      }
      // A block that changed the table (added entries, or carries a size update) is for this request only:
      // the next one refers to the new entries by index instead.
      const reusable = startEpoch === this.#epoch && sizeUpdate.length === 0;
      cached = {
        epoch: reusable ? this.#epoch : -1,
        authority,
        before: Buffer.from(before),
        after: Buffer.from(after),
      };
      this.#cache.set(headers, cached);
      // Bounded: a sender to very many origins or header sets keeps the most recent.
      if (this.#byContent.size >= CONTENT_CACHE_ENTRIES) this.#byContent.clear();
      this.#byContent.set(key ?? contentKey(authority, headers), cached);
    }
    // :path as a literal without indexing, its name static index 4, its value raw.
    const lengthBytes = integerBytes(path.length, 7, 0);
    const block = Buffer.allocUnsafe(cached.before.length + 1 + lengthBytes.length + path.length + cached.after.length);
    let at = cached.before.copy(block, 0);
    block[at++] = 0x04;
    for (const byte of lengthBytes) block[at++] = byte;
    at += block.write(path, at, 'latin1');
    cached.after.copy(block, at);
    return block;
  }

  #field(name: string, value: string): number[] {
    const key = `${name}\0${value}`;
    const fixed = STATIC_PAIR.get(key);
    if (fixed !== undefined) return integerBytes(fixed, 7, 0x80);
    const inserted = this.#indexOf.get(key);
    // The newest entry is index 62; older ones follow it.
    if (inserted !== undefined) return integerBytes(STATIC_TABLE.length + 1 + this.#inserted - inserted, 7, 0x80);
    const nameIndex = STATIC_NAME.get(name) ?? 0;
    const nameBytes = nameIndex === 0 ? stringBytes(name) : [];
    const size = name.length + value.length + ENTRY_OVERHEAD;
    if (NEVER_INDEXED.has(name)) return [...integerBytes(nameIndex, 4, 0x10), ...nameBytes, ...stringBytes(value)];
    if (NOT_INDEXED.has(name) || size > this.#maxSize / 2) {
      return [...integerBytes(nameIndex, 4, 0x00), ...nameBytes, ...stringBytes(value)];
    }
    this.#evict(size);
    this.#entries.push({ key, size });
    this.#inserted++;
    this.#indexOf.set(key, this.#inserted);
    this.#size += size;
    this.#epoch++;
    return [...integerBytes(nameIndex, 6, 0x40), ...nameBytes, ...stringBytes(value)];
  }

  #evict(room: number): void {
    while (this.#entries.length > 0 && this.#size + room > this.#maxSize) {
      const oldest = this.#entries.shift();
      if (!oldest) break;
      this.#size -= oldest.size;
      // Insertion numbers run in table order: the oldest live entry is number inserted - length.
      if (this.#indexOf.get(oldest.key) === this.#inserted - this.#entries.length) this.#indexOf.delete(oldest.key);
      this.#epoch++;
    }
  }
}
