/**
 * A seeded random source over pure-rand's xoroshiro128+: uniforms, standard normals and seed mixing.
 * Everything random in the synthetic market comes from here, so a seed fixes the whole sequence.
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** murmur3's 32-bit finaliser: spreads nearby seeds (1, 2, 3…) over the whole state space. */
function finalMix(value: number): number {
  let mixed = value | 0;
  mixed ^= mixed >>> 16;
  mixed = Math.imul(mixed, 0x85eb_ca6b);
  mixed ^= mixed >>> 13;
  mixed = Math.imul(mixed, 0xc2b2_ae35);
  mixed ^= mixed >>> 16;
  return mixed | 0;
}

/** Hashes a seed and labels (a symbol, a purpose) into one 32-bit seed: one independent stream per label. */
export function mixSeed(seed: number, ...labels: readonly (string | number)[]): number {
  let hash = finalMix(Math.trunc(seed) ^ 0x9e37_79b9);
  // Seeds beyond 32 bits keep their high part.
  hash = finalMix(hash ^ Math.trunc(seed / 0x1_0000_0000));
  for (const label of labels) {
    const text = String(label);
    for (let index = 0; index < text.length; index += 1) {
      hash = finalMix(Math.imul(hash ^ text.charCodeAt(index), 0x0100_0193));
    }
    hash = finalMix(hash ^ 0x2545_f491);
  }
  return hash;
}

const twoToMinus32 = 2.3283064365386963e-10;

export class SeededRandom {
  private readonly generator: RandomGenerator;
  private spareNormal = 0;
  private hasSpareNormal = false;

  constructor(seed: number, ...labels: readonly (string | number)[]) {
    this.generator = xoroshiro128plus(mixSeed(seed, ...labels));
    // The first outputs of xoroshiro from a small state are poorly mixed.
    for (let index = 0; index < 16; index += 1) this.generator.next();
  }

  /** Uniform in the open interval (0, 1), 32 bits of resolution. */
  uniform(): number {
    return ((this.generator.next() >>> 0) + 0.5) * twoToMinus32;
  }

  /** Standard normal (Box–Muller, the second value of each pair kept for the next call). */
  normal(): number {
    if (this.hasSpareNormal) {
      this.hasSpareNormal = false;
      return this.spareNormal;
    }
    const radius = Math.sqrt(-2 * Math.log(this.uniform()));
    const angle = 2 * Math.PI * this.uniform();
    this.spareNormal = radius * Math.sin(angle);
    this.hasSpareNormal = true;
    return radius * Math.cos(angle);
  }
}
