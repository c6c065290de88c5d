/**
 * Loaded into a process with NODE_OPTIONS=--import=<this file> to run it as on a machine whose clock is
 * CLOCK_SKEW_S seconds ahead (negative: behind): Date.now() and `new Date()` are shifted, nothing else.
 */
const skewMs = Number(process.env.CLOCK_SKEW_S ?? 0) * 1000;
const RealDate = Date;

class SkewedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + skewMs);
    else super(...args);
  }

  static now() {
    return RealDate.now() + skewMs;
  }
}

globalThis.Date = SkewedDate;
