// SHA-256 and HMAC-SHA256, synchronous (FIPS 180-4, RFC 2104).
//
// hmacFactory(key) precomputes the states after the inner and outer key blocks,
// so that each HMAC of a short message (the draw's "entity:USCC" numbers) costs
// two compressions. sha256Async uses Web Crypto where it exists (large inputs).

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

const W = new Int32Array(64);

/** Compress the 64-byte block bytes[at..at+64) into state (Int32Array(8)). */
function compress(state, bytes, at) {
  for (let t = 0; t < 16; t++, at += 4) {
    W[t] = (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
  }
  for (let t = 16; t < 64; t++) {
    const x = W[t - 15], y = W[t - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
  }
  let a = state[0], b = state[1], c = state[2], d = state[3];
  let e = state[4], f = state[5], g = state[6], h = state[7];
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[t] + W[t]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0;
    d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  state[0] = (state[0] + a) | 0; state[1] = (state[1] + b) | 0;
  state[2] = (state[2] + c) | 0; state[3] = (state[3] + d) | 0;
  state[4] = (state[4] + e) | 0; state[5] = (state[5] + f) | 0;
  state[6] = (state[6] + g) | 0; state[7] = (state[7] + h) | 0;
}

function digestBytes(state) {
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    out[4 * i] = state[i] >>> 24; out[4 * i + 1] = state[i] >>> 16;
    out[4 * i + 2] = state[i] >>> 8; out[4 * i + 3] = state[i];
  }
  return out;
}

/** Finish a hash: `state` has absorbed `done` bytes; `tail` (< 64 bytes) remains. */
function finish(state, tail, done) {
  const total = done + tail.length;
  const blocks = tail.length < 56 ? 64 : 128;
  const last = new Uint8Array(blocks);
  last.set(tail);
  last[tail.length] = 0x80;
  const bits = total * 8;
  const high = Math.floor(bits / 2 ** 32);
  for (let i = 0; i < 4; i++) {
    last[blocks - 1 - i] = (bits >>> (8 * i)) & 0xff;
    last[blocks - 5 - i] = (high >>> (8 * i)) & 0xff;
  }
  compress(state, last, 0);
  if (blocks === 128) compress(state, last, 64);
  return digestBytes(state);
}

/** Streaming SHA-256: new Sha256().update(bytes)...digest(). */
export class Sha256 {
  constructor() { this.state = Int32Array.from(IV); this.buffer = new Uint8Array(64); this.fill = 0; this.done = 0; }
  update(bytes) {
    let at = 0;
    if (this.fill) {
      const take = Math.min(64 - this.fill, bytes.length);
      this.buffer.set(bytes.subarray(0, take), this.fill);
      this.fill += take; at = take;
      if (this.fill < 64) return this;
      compress(this.state, this.buffer, 0);
      this.done += 64; this.fill = 0;
    }
    for (; at + 64 <= bytes.length; at += 64) { compress(this.state, bytes, at); this.done += 64; }
    this.buffer.set(bytes.subarray(at), 0);
    this.fill = bytes.length - at;
    return this;
  }
  digest() { return finish(Int32Array.from(this.state), this.buffer.slice(0, this.fill), this.done); }
}

export const sha256 = (bytes) => new Sha256().update(bytes).digest();

/** SHA-256 by Web Crypto when available (fast for large inputs), else synchronous. */
export async function sha256Async(bytes) {
  const subtle = globalThis.crypto && globalThis.crypto.subtle;
  if (subtle) return new Uint8Array(await subtle.digest("SHA-256", bytes));
  return sha256(bytes);
}

/** hmacFactory(key)(message) = HMAC-SHA256(key, message), both Uint8Array. */
export function hmacFactory(keyBytes) {
  let key = keyBytes.length > 64 ? sha256(keyBytes) : keyBytes;
  const pad = (byte) => {
    const block = new Uint8Array(64).fill(byte);
    for (let i = 0; i < key.length; i++) block[i] ^= key[i];
    const state = Int32Array.from(IV);
    compress(state, block, 0);
    return state;
  };
  const inner = pad(0x36), outer = pad(0x5c);
  const state = new Int32Array(8);
  const outerBlock = new Uint8Array(64);
  outerBlock[32] = 0x80; outerBlock[62] = 0x03; // length (64 + 32) * 8 = 768 bits
  return (message) => {
    state.set(inner);
    let at = 0;
    for (; at + 64 <= message.length; at += 64) compress(state, message, at);
    const innerDigest = finish(state, message.subarray(at), 64 + at);
    outerBlock.set(innerDigest, 0);
    state.set(outer);
    compress(state, outerBlock, 0);
    return digestBytes(state);
  };
}

export const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

export function fromHex(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
