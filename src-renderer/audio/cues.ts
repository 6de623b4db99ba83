/**
 * Audible cues made with WebAudio oscillators: no sound files to ship, load or block under the CSP.
 * Distinct patterns so a person who cannot see the screen well still knows "door open" from "error".
 */
export type Cue = 'door-open' | 'error' | 'success' | 'reminder' | 'key';

const PATTERNS: Record<Cue, Array<[freqHz: number, ms: number]>> = {
  'door-open': [[660, 120], [880, 180]],
  success: [[880, 90], [1320, 140]],
  error: [[300, 220], [220, 300]],
  reminder: [[740, 150], [0, 100], [740, 150]],
  key: [[1000, 25]],
};

let ctx: AudioContext | null = null;

export function playCue(cue: Cue): void {
  try {
    // Browsers only allow audio after a user gesture; the first touch on a kiosk creates the context.
    ctx ??= new AudioContext();
    if (ctx.state === 'suspended') void ctx.resume();
    let t = ctx.currentTime;
    for (const [freq, ms] of PATTERNS[cue]) {
      if (freq > 0) {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, t);
        gain.gain.exponentialRampToValueAtTime(0.25, t + 0.01);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + ms / 1000);
        osc.connect(gain).connect(ctx.destination);
        osc.start(t);
        osc.stop(t + ms / 1000 + 0.02);
      }
      t += ms / 1000;
    }
  } catch {
    // No audio device: the visual message is still there; a missing beep must never break a flow.
  }
}
