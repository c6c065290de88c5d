/**
 * One buffer holding `parts` in order (`total` is their summed length), after `headroom` bytes left for
 * the caller to fill. Unpooled and not zeroed: every byte past the headroom is written here, and a
 * frame kept in the ring does not hold on to a shared pool.
 */
export function concatBytes(parts: Uint8Array[], total: number, headroom = 0): Uint8Array {
  const out: Uint8Array = Buffer.allocUnsafeSlow(headroom + total);
  let at = headroom;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
