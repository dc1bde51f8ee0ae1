// Synthesised audio for the Music catalog: real, playable WAV files made of tones, so the demo needs no media
// files in the repository and the same spec always gives the same bytes (and the same ETag).

/** 22.05 kHz mono 16-bit PCM: about 44 KB a second, small enough to generate at start, big enough to seek in. */
export const SAMPLE_RATE = 22_050;
const BYTES_PER_SAMPLE = 2;
const HEADER_BYTES = 44;

/** A tune: semitone offsets from `rootHz`, each held `noteSeconds`, looped for `seconds`. */
export interface ToneSpec {
  seconds: number;
  rootHz: number;
  /** Semitones above the root, played in turn. */
  notes: readonly number[];
  noteSeconds: number;
}

/** The size in bytes of the WAV file {@link synthesizeWav} makes for `seconds` of audio. */
export function wavSize(seconds: number): number {
  return HEADER_BYTES + Math.round(seconds * SAMPLE_RATE) * BYTES_PER_SAMPLE;
}

/**
 * Renders `spec` as a WAV file: each note a sine with its octave above, faded in and out over 10 ms so the
 * joins do not click.
 *
 * @example
 * ```ts
 * const wav = synthesizeWav({ seconds: 2, rootHz: 220, notes: [0, 4, 7], noteSeconds: 0.25 });
 * ```
 */
export function synthesizeWav(spec: ToneSpec): Buffer {
  const samples = Math.round(spec.seconds * SAMPLE_RATE);
  const dataBytes = samples * BYTES_PER_SAMPLE;
  const out = Buffer.alloc(HEADER_BYTES + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16); // fmt chunk size
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(SAMPLE_RATE, 24);
  out.writeUInt32LE(SAMPLE_RATE * BYTES_PER_SAMPLE, 28); // byte rate
  out.writeUInt16LE(BYTES_PER_SAMPLE, 32); // block align
  out.writeUInt16LE(16, 34); // bits per sample
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);

  const noteSamples = Math.max(1, Math.round(spec.noteSeconds * SAMPLE_RATE));
  const fade = Math.min(Math.round(0.01 * SAMPLE_RATE), Math.floor(noteSamples / 2));
  for (let i = 0; i < samples; i++) {
    const noteIndex = Math.floor(i / noteSamples);
    const inNote = i % noteSamples;
    const semitones = spec.notes[noteIndex % spec.notes.length] ?? 0;
    const hz = spec.rootHz * 2 ** (semitones / 12);
    const t = i / SAMPLE_RATE;
    const envelope = Math.min(1, inNote / Math.max(1, fade), (noteSamples - inNote) / Math.max(1, fade));
    const value = envelope * (0.6 * Math.sin(2 * Math.PI * hz * t) + 0.2 * Math.sin(4 * Math.PI * hz * t));
    out.writeInt16LE(Math.round(value * 0.8 * 32767), HEADER_BYTES + i * BYTES_PER_SAMPLE);
  }
  return out;
}
