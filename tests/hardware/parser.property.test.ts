import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameParser, encodeCommand, encodeStateReply, STX, ETX, type CommandCode } from '../../src-main/hardware/kerong/frame';

/**
 * Property tests of the parser. The stream is built so that "what is a valid frame" has exactly one answer:
 * noise never contains STX or ETX, broken pieces never contain a second STX, and a truncated frame is cut before its
 * ETX and followed by enough noise that no candidate window can reach the next real frame. Under those rules the
 * parser must return every embedded valid frame, in order, and nothing else, whatever the chunking.
 */
const boardArb = fc.integer({ min: 0, max: 15 });
const byteArb = fc.integer({ min: 0, max: 255 });

const commandFrame = fc
  .tuple(fc.constantFrom<CommandCode>(0x30, 0x31, 0x32, 0x33), boardArb, fc.integer({ min: 0, max: 15 }))
  .map(([cmd, board, lock]) => encodeCommand(cmd, board, lock));
const stateFrame = fc
  .tuple(boardArb, byteArb, byteArb, byteArb, byteArb)
  .map(([board, a, b, c, d]) => encodeStateReply(board, { locks: [a, b], ir: [c, d] }));
const validFrame = fc.oneof(commandFrame, stateFrame);

type Piece = { kind: 'valid' | 'noise'; bytes: Buffer };

const noise = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a.map((b) => (b === STX || b === ETX ? 0xaa : b))));

/** A valid frame with a wrong SUM, and no STX after its first byte. */
const badChecksum = validFrame
  .filter((f) => !f.subarray(1).includes(STX))
  .chain((f) =>
    fc.integer({ min: 1, max: 255 }).map((delta) => {
      const g = Buffer.from(f);
      g[g.length - 1] = (g[g.length - 1]! + delta) & 0xff;
      if (g[g.length - 1] === STX) g[g.length - 1] = (g[g.length - 1]! + 1) & 0xff;
      return g;
    }),
  );

/** The start of a frame, cut before its ETX, then at least 8 noise bytes. */
const truncated = fc
  .tuple(validFrame.filter((f) => !f.subarray(1).includes(STX)), fc.integer({ min: 1, max: 7 }), noise(8, 16))
  .map(([f, cut, n]) => Buffer.concat([f.subarray(0, Math.min(cut, f.length - 2)), n]));

const piece: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 4, arbitrary: validFrame.map((bytes) => ({ kind: 'valid' as const, bytes })) },
  { weight: 3, arbitrary: noise(1, 20).map((bytes) => ({ kind: 'noise' as const, bytes })) },
  { weight: 1, arbitrary: badChecksum.map((bytes) => ({ kind: 'noise' as const, bytes })) },
  { weight: 1, arbitrary: truncated.map((bytes) => ({ kind: 'noise' as const, bytes })) },
);

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

describe('FrameParser properties', () => {
  it('finds every embedded valid frame, in order, and accepts nothing else', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 30 }), (pieces, cuts) => {
        const stream = Buffer.concat(pieces.map((p) => p.bytes));
        const expected = pieces.filter((p) => p.kind === 'valid').map((p) => p.bytes.toString('hex'));
        const parser = new FrameParser();
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
        const parser = new FrameParser();
        for (const c of chunks) {
          for (const f of parser.push(c)) {
            const b = f.bytes;
            expect(b[0]).toBe(STX);
            expect(b[b.length - 2]).toBe(ETX);
            expect([5, 9]).toContain(b.length);
            expect(b[b.length - 1]).toBe(b.subarray(0, b.length - 1).reduce((s, x) => s + x, 0) & 0xff);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
