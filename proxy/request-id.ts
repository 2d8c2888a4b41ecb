import { randomBytes } from 'node:crypto';

/**
 * Request ids in the form Toxiproxy's X-Toxiproxy-Request-Id has (zerolog's
 * hlog with rs/xid): 12 bytes — seconds since the epoch, 3 bytes naming the
 * machine, the process id, a counter — as 20 characters of base32hex, lower case.
 */
const machine = randomBytes(3);
let counter = randomBytes(3).readUIntBE(0, 3);
const ALPHABET = '0123456789abcdefghijklmnopqrstuv';

export function nextRequestId(now = Date.now()): string {
  const id = Buffer.alloc(12);
  id.writeUInt32BE(Math.floor(now / 1000) >>> 0, 0);
  machine.copy(id, 4);
  id.writeUInt16BE(process.pid & 0xffff, 7);
  counter = (counter + 1) & 0xffffff;
  id.writeUIntBE(counter, 9, 3);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of id) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}
