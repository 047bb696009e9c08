import { join } from 'node:path';
import { formatProfile, summarizeProfile } from '../profile.js';
import type { ProfileSummary } from '../results.js';
import type { Target } from '../target.js';
import { profilesIn, startLatchkey, type LatchkeyInstance } from './process.js';
import type { LatchkeySeed } from './seed.js';

/**
 * One Latchkey under test (a store, a port, a data directory) that can be stopped and started
 * again on the same data. With profiling on, each `start(tag)` runs under --cpu-prof and
 * `stop()` summarizes what that run spent its CPU on.
 */
export class LatchkeyServer {
  readonly instance: LatchkeyInstance;
  readonly seed: LatchkeySeed;
  readonly #profileRoot: string | null;
  readonly profiles: ProfileSummary[] = [];
  #target: Target | null = null;
  #profileTag: string | null = null;

  constructor(instance: LatchkeyInstance, seed: LatchkeySeed, profileRoot: string | null) {
    this.instance = instance;
    this.seed = seed;
    this.#profileRoot = profileRoot;
  }

  get target(): Target {
    if (!this.#target) throw new Error(`${this.instance.label} is not running`);
    return this.#target;
  }

  get running(): boolean {
    return this.#target !== null;
  }

  async start(profileTag: string | null = null): Promise<Target> {
    if (this.#target) await this.stop();
    const profileDir = this.#profileRoot && profileTag ? join(this.#profileRoot, profileTag) : null;
    this.#profileTag = profileDir ? profileTag : null;
    this.#target = await startLatchkey(this.instance, this.seed, profileDir);
    return this.#target;
  }

  async stop(): Promise<ProfileSummary | null> {
    const target = this.#target;
    if (!target) return null;
    this.#target = null;
    await target.child.stop();
    if (!this.#profileRoot || !this.#profileTag) return null;
    const tag = this.#profileTag;
    this.#profileTag = null;
    const file = profilesIn(join(this.#profileRoot, tag))[0];
    if (!file) return null;
    const summary = summarizeProfile(file, `${this.instance.label}, ${tag}`);
    this.profiles.push(summary);
    process.stderr.write(`${formatProfile(summary)}\n`);
    return summary;
  }
}
