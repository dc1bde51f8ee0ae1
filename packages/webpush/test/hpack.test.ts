import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Flag, FrameReader, FrameType, frame, PREFACE, settingsFrame, unpadded } from '../src/h2-frames.js';
import {
  decodeHuffman,
  type HeaderField,
  HeaderFieldError,
  HpackDecoder,
  HpackEncoder,
  HpackError,
  huffmanCodes,
} from '../src/hpack.js';
import { defined } from './defined.js';
import { thrownBy } from './thrown-by.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function expectHpackError(decoder: HpackDecoder, bytes: ArrayLike<number>, message?: RegExp): void {
  const error = thrownBy(() => decoder.decode(Uint8Array.from(bytes)));
  expect(error).toBeInstanceOf(HpackError);
  if (message) expect((error as Error).message).toMatch(message);
}

function expectHeaderFieldError(run: () => unknown, message?: RegExp): void {
  const error = thrownBy(run);
  expect(error).toBeInstanceOf(HeaderFieldError);
  expect((error as HeaderFieldError).code).toBe('ERR_HTTP2_INVALID_HEADER');
  if (message) expect((error as Error).message).toMatch(message);
}

/** What a decoder must see for `HpackEncoder.request(authority, path, headers)`. */
function expectedRequest(authority: string, path: string, headers: Record<string, string>): HeaderField[] {
  return [
    [':method', 'POST'],
    [':scheme', 'https'],
    [':authority', authority],
    [':path', path],
    ...Object.entries(headers).map(([name, value]): HeaderField => [name.toLowerCase(), value]),
  ];
}

/** The bytes of a never-indexed literal whose name is static `authorization` (index 23) and value raw. */
function neverIndexedAuthorization(value: string): Buffer {
  expect(value.length).toBeLessThan(127);
  return Buffer.concat([Buffer.from([0x1f, 23 - 15, value.length]), Buffer.from(value, 'latin1')]);
}

describe('huffmanCodes', () => {
  // [symbol, code, bit length] from RFC 7541 Appendix B.
  const appendixB: ReadonlyArray<readonly [number, number, number]> = [
    [0, 0x1ff8, 13],
    [1, 0x7fffd8, 23],
    [2, 0xfffffe2, 28],
    [9, 0xffffea, 24],
    [10, 0x3ffffffc, 30],
    [13, 0x3ffffffd, 30],
    [22, 0x3ffffffe, 30],
    [32, 0x14, 6],
    [33, 0x3f8, 10],
    [35, 0xffa, 12],
    [36, 0x1ff9, 13],
    [37, 0x15, 6],
    [38, 0xf8, 8],
    [39, 0x7fa, 11],
    [45, 0x16, 6],
    [47, 0x18, 6],
    [48, 0x0, 5],
    [49, 0x1, 5],
    [50, 0x2, 5],
    [51, 0x19, 6],
    [58, 0x5c, 7],
    [60, 0x7ffc, 15],
    [61, 0x20, 6],
    [63, 0x3fc, 10],
    [65, 0x21, 6],
    [66, 0x5d, 7],
    [90, 0xfd, 8],
    [92, 0x7fff0, 19],
    [94, 0x3ffc, 14],
    [95, 0x22, 6],
    [97, 0x3, 5],
    [98, 0x23, 6],
    [99, 0x4, 5],
    [101, 0x5, 5],
    [111, 0x7, 5],
    [116, 0x9, 5],
    [122, 0x7b, 7],
    [123, 0x7ffe, 15],
    [124, 0x7fc, 11],
    [126, 0x1ffd, 13],
    [127, 0xffffffc, 28],
    [128, 0xfffe6, 20],
    [255, 0x3ffffee, 26],
    [256, 0x3fffffff, 30],
  ];

  /** `code` in `length` bits, then ones up to the next octet: how a one-symbol Huffman string looks. */
  function oneSymbol(code: number, length: number): Buffer {
    const bytes = Math.ceil(length / 8);
    const padding = bytes * 8 - length;
    let value = BigInt(code) << BigInt(padding);
    value |= (1n << BigInt(padding)) - 1n;
    const out = Buffer.alloc(bytes);
    for (let i = bytes - 1; i >= 0; i--) {
      out[i] = Number(value & 0xffn);
      value >>= 8n;
    }
    return out;
  }

  /** Each symbol's bit length, found as the only one for which its code alone decodes back to the symbol. */
  function lengthsFromDecoding(codes: number[]): number[] {
    return codes.map((code, symbol) => {
      if (symbol === 256) return 30;
      const fits: number[] = [];
      for (let length = 5; length <= 30; length++) {
        if (code >= 2 ** length) continue;
        let decoded: Buffer | undefined;
        try {
          decoded = decodeHuffman(oneSymbol(code, length));
        } catch {
          decoded = undefined;
        }
        if (decoded && decoded.length === 1 && decoded[0] === symbol) fits.push(length);
      }
      expect(fits, `lengths that decode symbol ${symbol}`).toHaveLength(1);
      return defined(fits[0], `length of symbol ${symbol}`);
    });
  }

  it('has a code for each of the 256 octets and EOS', () => {
    const codes = huffmanCodes();
    expect(codes).toHaveLength(257);
    for (const code of codes) expect(Number.isInteger(code) && code >= 0).toBe(true);
  });

  it.each(appendixB)('symbol %i has code %i of %i bits as in RFC 7541 Appendix B', (symbol, code, length) => {
    expect(defined(huffmanCodes()[symbol], `code of ${symbol}`).toString(16)).toBe(code.toString(16));
    expect(code).toBeLessThan(2 ** length);
    if (symbol !== 256) expect([...decodeHuffman(oneSymbol(code, length))]).toEqual([symbol]);
  });

  it('is prefix-free and complete (Kraft sum exactly 1)', () => {
    const codes = huffmanCodes();
    const lengths = lengthsFromDecoding(codes);
    for (const [symbol, , length] of appendixB) expect(lengths[symbol]).toBe(length);
    // Exact in binary floating point: every term is a power of two no smaller than 2^-30.
    expect(lengths.reduce((sum, length) => sum + 2 ** -length, 0)).toBe(1);
    for (let a = 0; a < codes.length; a++) {
      for (let b = 0; b < codes.length; b++) {
        const lengthA = lengths[a] ?? 0;
        const lengthB = lengths[b] ?? 0;
        if (a === b || lengthA > lengthB) continue;
        const prefixOfB = Math.floor((codes[b] ?? 0) / 2 ** (lengthB - lengthA));
        if (prefixOfB === codes[a]) expect.fail(`code of ${a} is a prefix of the code of ${b}`);
      }
    }
  });
});

describe('decodeHuffman', () => {
  it('decodes the RFC 7541 C.4.1 authority', () => {
    expect(decodeHuffman(hex('f1e3c2e5f23a6ba0ab90f4ff')).toString('latin1')).toBe('www.example.com');
  });

  it('decodes an empty string', () => {
    expect(decodeHuffman(new Uint8Array(0))).toHaveLength(0);
  });

  it('accepts up to 7 bits of all-ones padding and rejects other padding', () => {
    // 'a' is 00011: a full octet of 'a' + 111 padding.
    expect(decodeHuffman(Uint8Array.of(0x1f)).toString('latin1')).toBe('a');
    // 00011 000: padding of zeros.
    expect(() => decodeHuffman(Uint8Array.of(0x18))).toThrow(HpackError);
    // 00011 111 11111111: eleven bits of padding.
    expect(() => decodeHuffman(Uint8Array.of(0x1f, 0xff))).toThrow(HpackError);
    expect(() => decodeHuffman(Uint8Array.of(0xff))).toThrow(HpackError);
  });

  it('rejects EOS in the data', () => {
    expect(() => decodeHuffman(Uint8Array.of(0xff, 0xff, 0xff, 0xff))).toThrow(/EOS/);
  });
});

describe('HpackDecoder on RFC 7541 Appendix C', () => {
  const c3Authority: HeaderField = [':authority', 'www.example.com'];
  const requests: ReadonlyArray<HeaderField[]> = [
    [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], c3Authority],
    [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], c3Authority, ['cache-control', 'no-cache']],
    [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], c3Authority, ['custom-key', 'custom-value']],
  ];
  // After the third request: newest first.
  const requestTable: HeaderField[] = [
    ['custom-key', 'custom-value'],
    ['cache-control', 'no-cache'],
    [':authority', 'www.example.com'],
  ];

  const date21: HeaderField = ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'];
  const location: HeaderField = ['location', 'https://www.example.com'];
  const setCookie: HeaderField = ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'];
  const responses: ReadonlyArray<HeaderField[]> = [
    [[':status', '302'], ['cache-control', 'private'], date21, location],
    [[':status', '307'], ['cache-control', 'private'], date21, location],
    [
      [':status', '200'],
      ['cache-control', 'private'],
      ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'],
      location,
      ['content-encoding', 'gzip'],
      setCookie,
    ],
  ];
  // After the third response in a 256-octet table (215 octets): earlier entries were evicted.
  const responseTable: HeaderField[] = [
    setCookie,
    ['content-encoding', 'gzip'],
    ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'],
  ];

  /** Reads back the whole dynamic table through indexed fields, which leave it unchanged. */
  function expectTable(decoder: HpackDecoder, table: HeaderField[]): void {
    expect(decoder.decode(Uint8Array.from(table.map((_, i) => 0x80 | (62 + i))))).toEqual(table);
    expectHpackError(decoder, [0x80 | (62 + table.length)], /not in the table/);
  }

  function runSequence(decoder: HpackDecoder, blocks: string[], expected: ReadonlyArray<HeaderField[]>): void {
    blocks.forEach((block, i) => {
      expect(decoder.decode(hex(block)), `block ${i + 1}`).toEqual(expected[i]);
    });
  }

  it('C.2: literal with indexing, without indexing, never indexed, and indexed', () => {
    const decoder = new HpackDecoder();
    expect(decoder.decode(hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'))).toEqual([
      ['custom-key', 'custom-header'],
    ]);
    expectTable(decoder, [['custom-key', 'custom-header']]);
    const fresh = new HpackDecoder();
    expect(fresh.decode(hex('040c 2f73 616d 706c 652f 7061 7468'))).toEqual([[':path', '/sample/path']]);
    expect(fresh.decode(hex('1008 7061 7373 776f 7264 0673 6563 7265 74'))).toEqual([['password', 'secret']]);
    expect(fresh.decode(hex('82'))).toEqual([[':method', 'GET']]);
    // None of those three may have entered the table.
    expectTable(fresh, []);
  });

  it('C.3: requests without Huffman coding', () => {
    const decoder = new HpackDecoder();
    runSequence(
      decoder,
      [
        '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
        '8286 84be 5808 6e6f 2d63 6163 6865',
        '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
      ],
      requests,
    );
    expectTable(decoder, requestTable);
  });

  it('C.4: requests with Huffman coding', () => {
    const decoder = new HpackDecoder();
    runSequence(
      decoder,
      [
        '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
        '8286 84be 5886 a8eb 1064 9cbf',
        '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
      ],
      requests,
    );
    expectTable(decoder, requestTable);
  });

  it('C.5: responses without Huffman coding, table size 256', () => {
    const decoder = new HpackDecoder(256);
    runSequence(
      decoder,
      [
        '4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d' +
          '546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
        '4803 3330 37c1 c0bf',
        '88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f' +
          '6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630' +
          '303b 2076 6572 7369 6f6e 3d31',
      ],
      responses,
    );
    expectTable(decoder, responseTable);
  });

  it('C.6: responses with Huffman coding, table size 256', () => {
    const decoder = new HpackDecoder(256);
    runSequence(
      decoder,
      [
        '4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718' +
          '63c7 8f0b 97c8 e9ae 82ae 43d3',
        '4883 640e ffc1 c0bf',
        '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7' +
          'b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
      ],
      responses,
    );
    expectTable(decoder, responseTable);
  });
});

describe('HpackDecoder dynamic table', () => {
  it('drops an entry larger than the table and empties the table', () => {
    const decoder = new HpackDecoder(64);
    // 'ab': 'cd' is 36 octets and fits; a 40-octet value (2 + 40 + 32 = 74) does not.
    expect(decoder.decode(hex('4002 6162 0263 64'))).toEqual([['ab', 'cd']]);
    expect(decoder.decode(Uint8Array.of(0xbe))).toEqual([['ab', 'cd']]);
    const big = 'x'.repeat(40);
    expect(decoder.decode(Buffer.concat([hex('4002 6162 28'), Buffer.from(big)]))).toEqual([['ab', big]]);
    expectHpackError(decoder, [0xbe], /not in the table/);
  });

  it('evicts on a size update, and a size update of 0 then back empties it', () => {
    const decoder = new HpackDecoder();
    decoder.decode(hex('4002 6162 0263 64 4002 6566 0267 68'));
    expect(decoder.decode(Uint8Array.of(0xbe, 0xbf))).toEqual([
      ['ef', 'gh'],
      ['ab', 'cd'],
    ]);
    // Size 36 keeps only the newest entry.
    expect(decoder.decode(Uint8Array.of(0x3f, 36 - 31, 0xbe))).toEqual([['ef', 'gh']]);
    expectHpackError(decoder, [0xbf], /not in the table/);
    // Two updates in one block (RFC 7541 section 4.2): 0 then 4096.
    expect(decoder.decode(hex('20 3fe11f'))).toEqual([]);
    expectHpackError(decoder, [0xbe], /not in the table/);
  });

  it('names a literal after a dynamic entry', () => {
    const decoder = new HpackDecoder();
    decoder.decode(hex('4002 6162 0263 64'));
    // Without indexing, name index 62 (4-bit prefix: 0x0f then 62 - 15).
    expect(decoder.decode(hex('0f2f 0178'))).toEqual([['ab', 'x']]);
  });

  it('accepts a size update equal to its limit', () => {
    const decoder = new HpackDecoder(256);
    expect(decoder.decode(hex('3fe101 82'))).toEqual([[':method', 'GET']]);
  });
});

describe('HpackDecoder errors', () => {
  it.each<[string, string, RegExp]>([
    ['index 0', '80', /index 0/],
    ['an index past the static table', 'be', /not in the table/],
    ['an index far past the table', 'ff80 01', /not in the table/],
    ['a literal name index past the table', '7e 0161', /not in the table/],
    ['an integer over 2^31 - 1', 'ffff ffff ff0f', /too large/],
    ['a cut integer', 'ff', /cut short/],
    ['a cut integer after continuation octets', 'ff8080', /cut short/],
    ['a missing name string', '40', /missing/],
    ['a missing value string', '4001 61', /missing/],
    ['a cut string length', '407f', /cut short/],
    ['a string past the block', '4005 6162', /past the block/],
    ['a value string past the block', '0405 6162', /past the block/],
    ['a Huffman string with EOS', '0084 ffff ffff', /EOS/],
    ['Huffman padding of zeros', '0081 18', /padding/],
    ['Huffman padding of 8 bits or more', '0082 1fff', /padding/],
    ['Huffman padding of a whole octet', '0081 ff', /padding/],
    ['a size update after a field', '8220', /after a header field/],
    ['a size update over the limit', '3fe2 1f', /over our limit/],
  ])('%s', (_what, block, message) => {
    expectHpackError(new HpackDecoder(), hex(block), message);
  });

  it('rejects a size update over a lower limit', () => {
    expectHpackError(new HpackDecoder(256), hex('3fe201'), /over our limit/);
    expectHpackError(new HpackDecoder(0), hex('21'), /over our limit/);
  });

  it('rejects a header list over maxListBytes', () => {
    // :method GET counts 7 + 3 + 32 = 42 octets.
    const decoder = new HpackDecoder(4096, 84);
    expect(decoder.decode(hex('8282'))).toHaveLength(2);
    expectHpackError(decoder, hex('828282'), /too large/);
  });

  it('rejects an integer padded with many zero continuation octets', () => {
    // 127 + 0 * 128 + 0 * 128^2 + ...: the value stays small but 2^(7 * n) overflows to Infinity.
    const zeros = new Array<number>(200).fill(0x80);
    expectHpackError(new HpackDecoder(), [0xff, ...zeros, 0x00]);
    expectHpackError(new HpackDecoder(), [0x00, 0x7f, ...zeros, 0x00, 0x00]);
    expectHpackError(new HpackDecoder(), [0x3f, ...zeros, 0x00, 0x82]);
  });

  it('accepts the largest allowed integer and a few redundant zero octets', () => {
    // 2^31 - 1 as an index: valid encoding, index not in the table.
    expectHpackError(new HpackDecoder(), hex('ff80 ffff ff07'), /not in the table/);
    // 127 + 0 (one redundant continuation) is index 127: again valid but not in the table.
    expectHpackError(new HpackDecoder(), hex('ff00'), /not in the table/);
  });

  it('throws only HpackError on random bytes, and returns string pairs otherwise', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        let fields: unknown;
        try {
          fields = new HpackDecoder().decode(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(HpackError);
          return;
        }
        expect(Array.isArray(fields)).toBe(true);
        for (const field of fields as unknown[]) {
          expect(Array.isArray(field) && field.length === 2).toBe(true);
          expect(typeof (field as unknown[])[0]).toBe('string');
          expect(typeof (field as unknown[])[1]).toBe('string');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('throws only HpackError on mutated valid blocks across a sequence', () => {
    const valid = [
      hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'),
      hex('8286 84be 5886 a8eb 1064 9cbf'),
      hex('8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'),
    ];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(2), fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        (mutations) => {
          const decoder = new HpackDecoder(256);
          for (const [which, at, byte] of mutations) {
            const block = Buffer.from(defined(valid[which], 'block'));
            block[at % block.length] = byte;
            try {
              decoder.decode(block);
            } catch (error) {
              expect(error).toBeInstanceOf(HpackError);
              return;
            }
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('HpackEncoder', () => {
  const authority = 'fcm.googleapis.com';
  const headers = {
    ttl: '2419200',
    'Content-Type': 'application/octet-stream',
    'content-encoding': 'aes128gcm',
    urgency: 'normal',
    authorization: 'vapid t=eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.e30.sig, k=BCDE',
  };

  it('encodes a first request that decodes to POST https with lowercased names', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    const block = encoder.request(authority, '/wpush/v2/abc', headers);
    expect(decoder.decode(block)).toEqual(expectedRequest(authority, '/wpush/v2/abc', headers));
    // :method POST and :scheme https are static entries 3 and 7.
    expect([...block.subarray(0, 2)]).toEqual([0x83, 0x87]);
  });

  it('sends a repeated headers object by index, shorter, with authorization never indexed', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    const first = encoder.request(authority, '/wpush/v2/abc', headers);
    const second = encoder.request(authority, '/wpush/v2/abd', headers);
    const third = encoder.request(authority, '/wpush/v2/abe', headers);
    expect(decoder.decode(first)).toEqual(expectedRequest(authority, '/wpush/v2/abc', headers));
    expect(decoder.decode(second)).toEqual(expectedRequest(authority, '/wpush/v2/abd', headers));
    expect(decoder.decode(third)).toEqual(expectedRequest(authority, '/wpush/v2/abe', headers));
    expect(second.length).toBeLessThan(first.length);
    expect(third.length).toBe(second.length);
    const authorizationBytes = neverIndexedAuthorization(headers.authorization);
    expect(first.indexOf(authorizationBytes)).toBeGreaterThan(0);
    expect(second.indexOf(authorizationBytes)).toBeGreaterThan(0);
    expect(third.indexOf(authorizationBytes)).toBeGreaterThan(0);
    // Everything but :path and authorization is one indexed octet each: 2 static, then authority and 4
    // headers from the dynamic table.
    const path = 2 + '/wpush/v2/abd'.length;
    expect(second.length).toBe(7 + path + authorizationBytes.length);
  });

  it('keeps not-indexed headers as literals on every request', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    const perMessage = { 'content-length': '3054', encryption: 'salt=abc', 'crypto-key': 'dh=xyz' };
    const first = encoder.request(authority, '/a', perMessage);
    const second = encoder.request(authority, '/a', perMessage);
    expect(decoder.decode(first)).toEqual(expectedRequest(authority, '/a', perMessage));
    expect(decoder.decode(second)).toEqual(expectedRequest(authority, '/a', perMessage));
    // Only :authority got indexed.
    expect(first.length - second.length).toBe(2 + authority.length - 1);
    expect(second.indexOf(Buffer.from('salt=abc'))).toBeGreaterThan(0);
  });

  it('stays in sync with a different headers object that shares entries', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    const other = { ttl: '2419200', urgency: 'high', topic: 'news' };
    for (const [path, h] of [
      ['/1', headers],
      ['/2', other],
      ['/3', headers],
      ['/4', other],
      ['/5', { ...other }],
    ] as const) {
      expect(decoder.decode(encoder.request(authority, path, h))).toEqual(expectedRequest(authority, path, h));
    }
  });

  it('stays in sync over many requests with changing paths, short and long', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    for (let i = 0; i < 300; i++) {
      const path = `/wpush/v2/${'p'.repeat(i % 7 === 0 ? 200 + i : i % 40)}${i}`;
      expect(decoder.decode(encoder.request(authority, path, headers))).toEqual(
        expectedRequest(authority, path, headers),
      );
    }
  });

  it('stays in sync when many distinct headers objects churn the table', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    for (let i = 0; i < 200; i++) {
      const h = { ttl: String(i % 13), topic: `t${i % 17}${'x'.repeat(i % 5 === 0 ? 900 : 100)}` };
      const path = `/${i}`;
      expect(decoder.decode(encoder.request(authority, path, h))).toEqual(expectedRequest(authority, path, h));
    }
  });

  it('signals setPeerTableSize(0) and (100) with a size update and stays in sync', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    expect(decoder.decode(encoder.request(authority, '/a', headers))).toEqual(
      expectedRequest(authority, '/a', headers),
    );

    encoder.setPeerTableSize(0);
    const zero = encoder.request(authority, '/b', headers);
    expect(zero[0]).toBe(0x20);
    expect(decoder.decode(zero)).toEqual(expectedRequest(authority, '/b', headers));
    // The decoder's table is empty now, and the encoder must not refer to it either.
    expectHpackError(decoder, [0xbe], /not in the table/);
    const zeroAgain = encoder.request(authority, '/c', headers);
    expect(zeroAgain[0]).toBe(0x83);
    expect(decoder.decode(zeroAgain)).toEqual(expectedRequest(authority, '/c', headers));
    expectHpackError(decoder, [0xbe], /not in the table/);

    encoder.setPeerTableSize(100);
    const hundred = encoder.request(authority, '/d', headers);
    // 100 in a 5-bit prefix: 31, then 69.
    expect([...hundred.subarray(0, 2)]).toEqual([0x3f, 100 - 31]);
    expect(decoder.decode(hundred)).toEqual(expectedRequest(authority, '/d', headers));
    for (const path of ['/e', '/f', '/g']) {
      const block = encoder.request(authority, path, headers);
      expect(block[0]).toBe(0x83);
      expect(decoder.decode(block)).toEqual(expectedRequest(authority, path, headers));
    }

    // Over 4096 is capped at 4096: a change from 100, so one more update.
    encoder.setPeerTableSize(65_536);
    const capped = encoder.request(authority, '/h', headers);
    expect([...capped.subarray(0, 3)]).toEqual([0x3f, 0xe1, 0x1f]);
    expect(decoder.decode(capped)).toEqual(expectedRequest(authority, '/h', headers));
    // The same size again changes nothing: no update.
    encoder.setPeerTableSize(4096);
    expect(encoder.request(authority, '/i', headers)[0]).toBe(0x83);
  });

  it('signals the smallest size, then the final one, when the size changes twice between blocks', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    decoder.decode(encoder.request(authority, '/a', headers));
    decoder.decode(encoder.request(authority, '/b', headers));
    // 4096 -> 0 -> 4096 with no block between: the peer must still empty its table (RFC 7541 section 4.2).
    encoder.setPeerTableSize(0);
    encoder.setPeerTableSize(4096);
    const block = encoder.request(authority, '/c', headers);
    expect([...block.subarray(0, 4)]).toEqual([0x20, 0x3f, 0xe1, 0x1f]);
    expect(decoder.decode(block)).toEqual(expectedRequest(authority, '/c', headers));
    // The old entries are gone on both sides: index 62 is what /c just added, nothing from before.
    expect(decoder.decode(encoder.request(authority, '/d', headers))).toEqual(
      expectedRequest(authority, '/d', headers),
    );
  });

  it('encodes a new headers object with the same names and values as a cached one right', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    decoder.decode(encoder.request(authority, '/1', { ...headers }));
    const repeat = encoder.request(authority, '/2', headers);
    const copy = encoder.request(authority, '/3', { ...headers });
    expect(copy.length).toBe(repeat.length);
    expect(decoder.decode(repeat)).toEqual(expectedRequest(authority, '/2', headers));
    expect(decoder.decode(copy)).toEqual(expectedRequest(authority, '/3', headers));
  });

  it('never takes a refused headers object for a cached one with similar content', () => {
    const encoder = new HpackEncoder();
    encoder.request(authority, '/1', { ttl: '60', topic: 'x' });
    // With a plain NUL-separated key these would spell the valid pair above.
    expectHeaderFieldError(() => encoder.request(authority, '/2', { ttl: '60\u0000topic\u0000x' }));
    expectHeaderFieldError(() => encoder.request(authority, '/3', { ttl: '60\u0000topic\u0000x' }));
  });

  it('sends a changed authority even for a cached headers object', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    for (const [host, path] of [
      ['a.example', '/1'],
      ['a.example', '/2'],
      ['b.example', '/3'],
      ['b.example', '/4'],
    ] as const) {
      expect(decoder.decode(encoder.request(host, path, headers))).toEqual(expectedRequest(host, path, headers));
    }
  });

  it('stays in sync after refusing a headers object half way through', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    // The refused block is never sent, so the decoder never sees it.
    expectHeaderFieldError(() => encoder.request(authority, '/1', { ttl: '60', topic: 'x', 'bad name': 'v' }));
    const good = { ttl: '60', topic: 'x' };
    expect(decoder.decode(encoder.request(authority, '/2', good))).toEqual(expectedRequest(authority, '/2', good));
    expect(decoder.decode(encoder.request(authority, '/3', good))).toEqual(expectedRequest(authority, '/3', good));
  });

  it('stays in sync after refusing a request with a pending size update', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    decoder.decode(encoder.request(authority, '/1', headers));
    encoder.setPeerTableSize(0);
    expectHeaderFieldError(() => encoder.request(authority, '/2', { ttl: '60', 'x-bad': 'a\r\nb' }));
    const block = encoder.request(authority, '/3', headers);
    expect(block[0]).toBe(0x20);
    expect(decoder.decode(block)).toEqual(expectedRequest(authority, '/3', headers));
  });

  describe('refuses with HeaderFieldError', () => {
    it.each<[string, Record<string, string>]>([
      ['a name with a space', { 'bad name': 'x' }],
      ['a name with a colon', { 'x:y': 'x' }],
      ['a pseudo-header', { ':path': '/' }],
      ['an empty name', { '': 'x' }],
      ['a non-ASCII name', { tést: 'x' }],
      ['connection', { connection: 'keep-alive' }],
      ['Transfer-Encoding', { 'Transfer-Encoding': 'chunked' }],
      ['keep-alive', { 'keep-alive': '5' }],
      ['upgrade', { upgrade: 'h2c' }],
      ['CR in a value', { ttl: '60\r' }],
      ['LF in a value', { ttl: '60\nx-injected: 1' }],
      ['NUL in a value', { ttl: '6\u00000' }],
    ])('%s', (_what, bad) => {
      expectHeaderFieldError(() => new HpackEncoder().request(authority, '/', bad));
    });

    it.each(['/a\rb', '/a\nb', '/a\u0000b'])('a path with CR, LF or NUL (%j)', (path) => {
      expectHeaderFieldError(() => new HpackEncoder().request(authority, path, headers), /path/);
    });
  });

  describe('properties', () => {
    const connectionSpecific = new Set([
      'connection',
      'keep-alive',
      'proxy-connection',
      'transfer-encoding',
      'upgrade',
    ]);
    const headerName = fc
      .oneof(
        fc.constantFrom(
          'ttl',
          'TTL',
          'urgency',
          'topic',
          'content-type',
          'Content-Type',
          'content-encoding',
          'content-length',
          'encryption',
          'crypto-key',
          'authorization',
          'cookie',
          'accept-encoding',
        ),
        fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/),
      )
      .filter((name) => !connectionSpecific.has(name.toLowerCase()));
    const valueChar = fc
      .integer({ min: 1, max: 255 })
      .filter((code) => code !== 0x0a && code !== 0x0d)
      .map((code) => String.fromCharCode(code));
    const headerValue = fc.oneof(
      { arbitrary: fc.constantFrom('', '0', '60', 'gzip, deflate', 'aes128gcm', 'normal'), weight: 2 },
      { arbitrary: fc.string({ unit: valueChar, maxLength: 40 }), weight: 4 },
      { arbitrary: fc.string({ unit: valueChar, minLength: 100, maxLength: 2200 }), weight: 1 },
    );
    const headersObject = fc.dictionary(headerName, headerValue, { maxKeys: 6 });
    const urlChar = fc.constantFrom(
      ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/?=&%'.split(''),
    );
    const path = fc.string({ unit: urlChar, maxLength: 220 }).map((rest) => `/${rest}`);
    const step = fc.oneof(
      {
        // `copy`: a fresh object with the same content, as sendNotification makes per call (the content cache).
        arbitrary: fc.record({ kind: fc.constant('request' as const), which: fc.nat(), path, copy: fc.boolean() }),
        weight: 12,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant('size' as const),
          size: fc.oneof(fc.constantFrom(0, 64, 100, 256, 4096, 8192), fc.integer({ min: 0, max: 5000 })),
        }),
        weight: 1,
      },
    );

    it('keeps encoder and decoder in sync over 100+ requests with table size changes', () => {
      fc.assert(
        fc.property(
          fc.array(headersObject, { minLength: 1, maxLength: 5 }),
          fc.array(step, { minLength: 110, maxLength: 160 }),
          (pool, steps) => {
            const encoder = new HpackEncoder();
            const decoder = new HpackDecoder();
            let pendingSize = false;
            for (const s of steps) {
              if (s.kind === 'size') {
                encoder.setPeerTableSize(s.size);
                pendingSize = true;
                continue;
              }
              const chosen = defined(pool[s.which % pool.length], 'headers object');
              const h = s.copy ? { ...chosen } : chosen;
              const block = encoder.request(authority, s.path, h);
              // Whatever the size history, a block never starts with an update unless one was asked for.
              if (!pendingSize) expect(block[0]).toBe(0x83);
              pendingSize = false;
              expect(decoder.decode(block)).toEqual(expectedRequest(authority, s.path, h));
            }
          },
        ),
        { numRuns: 60 },
      );
    });

    it('never indexes authorization values', () => {
      // An empty value is the static entry (23, no secret there), so sent indexed.
      fc.assert(
        fc.property(fc.string({ unit: valueChar, minLength: 1, maxLength: 100 }), fc.nat(5), (token, repeats) => {
          const encoder = new HpackEncoder();
          const decoder = new HpackDecoder();
          const h = { authorization: token, ttl: '60' };
          for (let i = 0; i <= repeats; i++) {
            const block = encoder.request(authority, '/', h);
            expect(block.indexOf(neverIndexedAuthorization(token))).toBeGreaterThan(0);
            expect(decoder.decode(block)).toEqual(expectedRequest(authority, '/', h));
          }
        }),
        { numRuns: 200 },
      );
    });
  });
});

describe('interop with node:http2 (nghttp2)', () => {
  it('a node:http2 server decodes our requests and we decode its responses, dynamic table included', async () => {
    const long = Array.from({ length: 300 }, (_, i) => 'abcdefghijklmnopqrstuvwxyz0123456789'[i % 36]).join('');
    const received: http2.IncomingHttpHeaders[] = [];
    const server = http2.createServer((req, res) => {
      received.push(req.headers);
      res.writeHead(201, { location: '/m/1', 'x-long': long, 'retry-after': '5' });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const authority = `127.0.0.1:${port}`;
    const socket = net.connect(port, '127.0.0.1');
    try {
      const reader = new FrameReader();
      const decoder = new HpackDecoder();
      const responses = new Map<number, HeaderField[]>();
      const waiting = new Map<number, { resolve: () => void; reject: (error: unknown) => void }>();
      let failure: unknown;
      let blockParts: Buffer[] = [];
      let blockStream = 0;
      const fail = (error: unknown) => {
        failure = error;
        for (const waiter of waiting.values()) waiter.reject(error);
      };
      const finishBlock = () => {
        const fields = decoder.decode(Buffer.concat(blockParts));
        blockParts = [];
        responses.set(blockStream, fields);
        waiting.get(blockStream)?.resolve();
      };
      socket.on('error', fail);
      socket.on('close', () => fail(new Error('the server closed the connection')));
      socket.on('data', (chunk: Buffer) => {
        try {
          reader.push(chunk, (f) => {
            if (f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) === 0) {
              socket.write(settingsFrame([], true));
            } else if (f.type === FrameType.HEADERS) {
              blockStream = f.streamId;
              // The payload is a view into the reader's bytes: copy before the next push.
              blockParts = [Buffer.from(unpadded(f))];
              if (f.flags & Flag.END_HEADERS) finishBlock();
            } else if (f.type === FrameType.CONTINUATION) {
              expect(f.streamId).toBe(blockStream);
              blockParts.push(Buffer.from(f.payload));
              if (f.flags & Flag.END_HEADERS) finishBlock();
            } else if (f.type === FrameType.GOAWAY || f.type === FrameType.RST_STREAM) {
              fail(new Error(`server sent frame type ${f.type}: ${f.payload.toString('hex')}`));
            }
          });
        } catch (error) {
          fail(error);
        }
      });
      const response = (streamId: number) =>
        new Promise<HeaderField[]>((resolve, reject) => {
          if (failure !== undefined) {
            reject(failure);
            return;
          }
          const done = responses.get(streamId);
          if (done) {
            resolve(done);
            return;
          }
          waiting.set(streamId, {
            resolve: () => resolve(defined(responses.get(streamId), `response ${streamId}`)),
            reject,
          });
        });

      const encoder = new HpackEncoder();
      const requestHeaders = {
        ttl: '60',
        'content-type': 'application/octet-stream',
        authorization: 'vapid t=abc, k=def',
      };
      const first = encoder.request(authority, '/x?y=1', requestHeaders);
      socket.write(
        Buffer.concat([
          PREFACE,
          settingsFrame([]),
          frame(FrameType.HEADERS, Flag.END_STREAM | Flag.END_HEADERS, 1, first),
        ]),
      );
      const firstResponse = await response(1);
      const second = encoder.request(authority, '/x?y=1', requestHeaders);
      expect(second.length).toBeLessThan(first.length);
      socket.write(frame(FrameType.HEADERS, Flag.END_STREAM | Flag.END_HEADERS, 3, second));
      const secondResponse = await response(3);

      expect(received).toHaveLength(2);
      for (const headers of received) {
        expect(headers).toMatchObject({
          ':method': 'POST',
          ':scheme': 'https',
          ':authority': authority,
          ':path': '/x?y=1',
          ttl: '60',
          'content-type': 'application/octet-stream',
          authorization: 'vapid t=abc, k=def',
        });
        // nghttp2 reports the never-indexed representation as a sensitive header.
        expect((headers as Record<symbol, unknown>)[http2.sensitiveHeaders]).toContain('authorization');
      }
      for (const fields of [firstResponse, secondResponse]) {
        expect(fields[0]).toEqual([':status', '201']);
        expect(fields).toEqual(
          expect.arrayContaining([
            ['location', '/m/1'],
            ['x-long', long],
            ['retry-after', '5'],
          ]),
        );
        expect(fields.some(([name]) => name === 'date')).toBe(true);
      }
    } finally {
      socket.destroy();
      server.close();
    }
  });
});
