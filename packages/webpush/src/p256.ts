// Curve check for P-256 points received from the network. Done in plain BigInt arithmetic so both crypto
// backends reject exactly the same inputs with the same typed error, before any key import.

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

// Parsing one hex string is several times faster than 32 BigInt shifts.
function toBigInt(bytes: Uint8Array): bigint {
  let hex = '0x';
  for (const b of bytes) hex += HEX[b];
  return BigInt(hex);
}

/** True when `bytes` is an uncompressed (0x04 || x || y) point on P-256. */
export function isP256Point(bytes: Uint8Array): boolean {
  if (bytes.length !== 65 || bytes[0] !== 0x04) return false;
  const x = toBigInt(bytes.subarray(1, 33));
  const y = toBigInt(bytes.subarray(33, 65));
  if (x >= P || y >= P) return false;
  // y^2 = x^3 - 3x + b (mod p)
  const left = (y * y) % P;
  const right = (((((x * x) % P) * x) % P) - 3n * x + B + 3n * P) % P;
  return left === right;
}
