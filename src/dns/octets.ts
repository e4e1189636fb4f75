// Small immutable octet strings (name wire forms, RDATA, UDP responses) cut
// from shared 64 KiB chunks instead of one ArrayBuffer each. A zone holds tens of
// thousands of them; each ArrayBuffer of its own costs more than the data
// (a JS object, a backing store V8 tracks and sweeps, a malloc), which made
// up about a third of a built root zone's memory. The caller writes the
// octets once, right after the call, and never again; a chunk is freed when
// the last string cut from it is.

const CHUNK = 64 * 1024;
/** Longer strings get a buffer of their own (overhead is small next to them). */
const SHARED_MAX = 1024;

let chunk = new ArrayBuffer(CHUNK);
let used = 0;

/** A view of `n` octets for the caller to fill (zeroed only if the chunk is fresh). */
export function octets(n: number): Uint8Array {
  if (n > SHARED_MAX) return new Uint8Array(n);
  if (used + n > CHUNK) {
    chunk = new ArrayBuffer(CHUNK);
    used = 0;
  }
  // A view on the buffer: about half the cost of subarray() (no species lookup).
  const out = new Uint8Array(chunk, used, n);
  used += n;
  return out;
}

/** A copy of src[from..to) in shared storage. */
export function copyOctets(src: Uint8Array, from: number, to: number): Uint8Array {
  const out = octets(to - from);
  for (let i = from; i < to; i++) out[i - from] = src[i]!;
  return out;
}
