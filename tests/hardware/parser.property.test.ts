import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ETX, STX } from '../../src-main/hardware/kerong/frame';
import { FAMILIES } from './families';

/**
 * Property tests of each board family's parser (CU16, CU12). The stream is built so that "what is a valid frame" has
 * exactly one answer: noise never contains STX or ETX, broken pieces never contain a second STX, and a truncated frame
 * is cut before its ETX and followed by enough noise that no candidate window can reach the next real frame. Under
 * those rules the parser must return every embedded valid frame, in order, and nothing else, whatever the chunking.
 */
type Piece = { kind: 'valid' | 'noise'; bytes: Buffer };

const noise = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a.map((b) => (b === STX || b === ETX ? 0xaa : b))));

/** Split a buffer at random points, as a pty hands bytes over in whatever chunks it likes. */
function chunk(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, buf.length]) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  return out;
}

describe.each(FAMILIES)('$family parser properties', ({ parser: P }) => {
  const noSecondStx = P.validFrame.filter((f) => !f.subarray(1).includes(STX));

  /** A valid frame with a wrong SUM (never STX, never the right one), and no STX after its first byte. */
  const badChecksum = noSecondStx.chain((f) =>
    fc.integer({ min: 0, max: 255 }).map((v) => {
      const g = Buffer.from(f);
      const at = P.sumIndex(g);
      const candidates = [v, v + 1, v + 2].map((x) => x & 0xff).filter((x) => x !== STX && x !== f[at]);
      g[at] = candidates[0]!;
      return g;
    }),
  );

  /** The start of a frame, cut before its ETX, then enough noise that its ETX position lands in noise. */
  const truncated = fc
    .tuple(noSecondStx, fc.integer({ min: 1, max: P.etxIndex }), noise(8, 16))
    .map(([f, cut, n]) => Buffer.concat([f.subarray(0, Math.min(cut, P.etxIndex)), n]));

  const piece: fc.Arbitrary<Piece> = fc.oneof(
    { weight: 4, arbitrary: P.validFrame.map((bytes) => ({ kind: 'valid' as const, bytes })) },
    { weight: 3, arbitrary: noise(1, 20).map((bytes) => ({ kind: 'noise' as const, bytes })) },
    { weight: 1, arbitrary: badChecksum.map((bytes) => ({ kind: 'noise' as const, bytes })) },
    { weight: 1, arbitrary: truncated.map((bytes) => ({ kind: 'noise' as const, bytes })) },
  );

  it('finds every embedded valid frame, in order, and accepts nothing else', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 30 }), (pieces, cuts) => {
        const stream = Buffer.concat(pieces.map((p) => p.bytes));
        const expected = pieces.filter((p) => p.kind === 'valid').map((p) => p.bytes.toString('hex'));
        const parser = P.make();
        const found = chunk(stream, cuts).flatMap((c) => parser.push(c));
        expect(found.map((f) => f.bytes.toString('hex'))).toEqual(expected);
        // Every byte is accounted for: in a frame, dropped, or held as a possible partial frame.
        const inFrames = found.reduce((n, f) => n + f.bytes.length, 0);
        expect(inFrames + parser.counters.droppedBytes + parser.pending).toBe(stream.length);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws and never returns a frame that fails its own checks, on any bytes at all', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
        const parser = P.make();
        for (const c of chunks) for (const f of parser.push(c)) expect(P.selfCheck(f.bytes)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('holds back at most one frame\'s worth of bytes, whatever arrives', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
        const parser = P.make();
        for (const c of chunks) {
          parser.push(c);
          expect(parser.pending).toBeLessThan(P.maxLength);
        }
      }),
      { numRuns: 300 },
    );
  });
});
