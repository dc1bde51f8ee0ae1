import { describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../src/base64url.js';
import { concatBytes, utf8 } from '../src/bytes.js';
import { deriveContentKey, openRecords, parseHeader, planRecords, recordNonce, sealRecords } from '../src/ece.js';
import { decrypt, encrypt } from '../src/encrypt.js';
import { deriveWebPushIkm } from '../src/rfc8291.js';
import { verifyVapid } from '../src/vapid-verify.js';
import { backends } from './backends.js';
import { b64, vectors } from './vectors.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe.each(backends)('RFC vectors with %s', (_name, crypto) => {
  describe('RFC 8291 appendix A', () => {
    const v = vectors.rfc8291_appendix_a;
    const ua = { publicKey: b64(v.ua_public), privateKey: b64(v.ua_private), auth: b64(v.auth_secret) };
    const as = { publicKey: b64(v.as_public), privateKey: b64(v.as_private) };

    it('reproduces every intermediate value', async () => {
      const ecdhSecret = await crypto.ecdh(as, ua.publicKey);
      expect(encodeBase64Url(ecdhSecret)).toBe(v.intermediate.ecdh_secret);
      expect(encodeBase64Url(await crypto.ecdh(ua, as.publicKey))).toBe(v.intermediate.ecdh_secret);
      // HKDF-Extract is HMAC(salt, ikm): the PRKs are checked directly, then the full HKDF outputs.
      expect(encodeBase64Url(await crypto.hmacSha256(ua.auth, ecdhSecret))).toBe(v.intermediate.prk_key);
      const ikm = await deriveWebPushIkm(crypto, {
        ecdhSecret,
        auth: ua.auth,
        uaPublic: ua.publicKey,
        asPublic: as.publicKey,
      });
      expect(encodeBase64Url(ikm)).toBe(v.intermediate.ikm);
      expect(encodeBase64Url(await crypto.hmacSha256(b64(v.salt), ikm))).toBe(v.intermediate.prk);
      const { key, nonce } = await deriveContentKey(crypto, ikm, b64(v.salt));
      expect(encodeBase64Url(key)).toBe(v.intermediate.cek);
      expect(encodeBase64Url(nonce)).toBe(v.intermediate.nonce);
      const sealed = await crypto.aesGcmSeal(key, nonce, concatBytes(b64(v.plaintext), new Uint8Array([2])));
      expect(encodeBase64Url(sealed)).toBe(v.intermediate.ciphertext);
    });

    it('encrypts to the exact body with the fixed salt and sender keys', async () => {
      const { body, headers } = await encrypt(
        v.plaintext_utf8,
        { p256dh: v.ua_public, auth: v.auth_secret },
        { salt: b64(v.salt), senderKeys: as, recordSize: v.record_size, crypto },
      );
      expect(encodeBase64Url(body)).toBe(v.body);
      expect(body.length).toBe(v.body_length);
      expect(headers).toEqual({ 'Content-Encoding': 'aes128gcm' });
    });

    it('decrypts the published body', async () => {
      const plain = await decrypt(b64(v.body), ua, { crypto });
      expect(new TextDecoder().decode(plain)).toBe(v.plaintext_utf8);
    });
  });

  describe('RFC 8188 section 3.1', () => {
    const v = vectors.rfc8188_3_1;
    const body = b64(v.body);
    const salt = body.slice(0, 16);

    it('derives the published PRK, CEK and nonce', async () => {
      expect(encodeBase64Url(await crypto.hmacSha256(salt, b64(v.ikm)))).toBe(v.intermediate.prk);
      const { key, nonce } = await deriveContentKey(crypto, b64(v.ikm), salt);
      expect(encodeBase64Url(key)).toBe(v.intermediate.cek);
      expect(encodeBase64Url(nonce)).toBe(v.intermediate.nonce);
    });

    it('encrypts and decrypts byte-exact', async () => {
      const plaintext = utf8(v.plaintext_utf8);
      const sealed = await sealRecords(crypto, {
        ikm: b64(v.ikm),
        header: { salt, recordSize: v.record_size, keyId: utf8(v.keyid_utf8) },
        records: planRecords(plaintext, v.record_size),
      });
      expect(encodeBase64Url(sealed)).toBe(v.body);
      expect(sealed.length).toBe(v.body_length);
      const opened = await openRecords(crypto, body, () => b64(v.ikm));
      expect(new TextDecoder().decode(opened)).toBe(v.plaintext_utf8);
    });
  });

  describe('RFC 8188 section 3.2 (two records, rs 25, keyid "a1")', () => {
    const v = vectors.rfc8188_3_2;
    const body = b64(v.body);

    it('parses the header', () => {
      const { header, offset } = parseHeader(body);
      expect(header.recordSize).toBe(25);
      expect(new TextDecoder().decode(header.keyId)).toBe('a1');
      expect(offset).toBe(23);
    });

    it('decrypts each record to the published plaintext and the whole to the message', async () => {
      const { header, offset } = parseHeader(body);
      const { key, nonce } = await deriveContentKey(crypto, b64(v.ikm), header.salt);
      const records = [body.subarray(offset, offset + 25), body.subarray(offset + 25)];
      for (const [i, sealed] of records.entries()) {
        const plain = await crypto.aesGcmOpen(key, recordNonce(nonce, i), sealed);
        expect(plain && hex(plain)).toBe(v.records_plaintext_hex[i]);
      }
      const opened = await openRecords(crypto, body, () => b64(v.ikm));
      expect(new TextDecoder().decode(opened)).toBe(v.plaintext_utf8);
    });

    it('encrypts byte-exact given the published record layout', async () => {
      const { header } = parseHeader(body);
      const sealed = await sealRecords(crypto, {
        ikm: b64(v.ikm),
        header,
        records: [
          { data: utf8('I am th'), padding: 1 },
          { data: utf8('e walrus'), padding: 0 },
        ],
      });
      expect(encodeBase64Url(sealed)).toBe(v.body);
      expect(sealed.length).toBe(v.body_length);
    });
  });

  describe('RFC 8292 section 2.4', () => {
    const v = vectors.rfc8292_2_4;

    it('verifies the example header at a clock before its exp', async () => {
      const result = await verifyVapid({
        authorization: v.authorization,
        audience: v.claims.aud,
        now: (v.claims.exp - 3600) * 1000,
        crypto,
      });
      expect(result).toEqual({ ok: true, publicKey: b64(v.public_key), claims: v.claims });
    });

    it('reports it expired at a clock after its exp', async () => {
      const result = await verifyVapid({
        authorization: v.authorization,
        audience: v.claims.aud,
        now: (v.claims.exp + 1) * 1000,
        crypto,
      });
      expect(result).toMatchObject({ ok: false, reason: 'expired' });
    });

    it('accepts the same token in the legacy WebPush + Crypto-Key form', async () => {
      const result = await verifyVapid({
        authorization: `WebPush ${v.jwt}`,
        cryptoKey: `dh=BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4;p256ecdsa=${v.public_key}`,
        audience: v.claims.aud,
        now: v.claims.exp * 1000 - 1000,
        crypto,
      });
      expect(result.ok).toBe(true);
    });
  });
});
