import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';

// A self-signed ECDSA P-256 certificate for localhost and 127.0.0.1, built with node:crypto alone (Node has
// no X.509 writer, so the few DER structures are encoded here). For local test push services and benches.

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const length =
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const oid = (hex: string) => tlv(0x06, Buffer.from(hex, 'hex'));
const ECDSA_SHA256 = seq(oid('2a8648ce3d040302'));

function utcTime(date: Date): Buffer {
  const s = date.toISOString().replace(/[-:T]/g, '').slice(2, 14);
  return tlv(0x17, Buffer.from(`${s}Z`));
}

function extension(oidHex: string, value: Buffer, critical = false): Buffer {
  return seq(oid(oidHex), ...(critical ? [Buffer.from([0x01, 0x01, 0xff])] : []), tlv(0x04, value));
}

/** A PEM certificate and private key valid for `localhost` and `127.0.0.1`, for a day. */
export function selfSignedCertificate(): { cert: string; key: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const serial = randomBytes(8);
  // DER integers are minimal and this one positive: a first byte of 0x40-0x7f is neither 0 (which made one
  // certificate in about 512 unparseable, "illegal padding") nor a sign bit.
  serial.writeUInt8(0x40 | (serial.readUInt8(0) & 0x3f), 0);
  const name = seq(tlv(0x31, seq(oid('550403'), tlv(0x0c, Buffer.from('localhost')))));
  const now = Date.now();
  const altNames = seq(tlv(0x82, Buffer.from('localhost')), tlv(0x87, Buffer.from([127, 0, 0, 1])));
  const extensions = tlv(
    0xa3,
    seq(extension('551d11', altNames), extension('551d13', seq(Buffer.from([0x01, 0x01, 0xff])), true)),
  );
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    tlv(0x02, serial),
    ECDSA_SHA256,
    name,
    seq(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, ECDSA_SHA256, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const body = der.toString('base64').replace(/.{64}/g, '$&\n');
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${body}${body.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}
