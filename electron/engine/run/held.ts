// Everything the engine holds on the machine (an install's mounts and loop devices, the demo medium's
// composition) registered in one place, so that a last-resort handler can release all of it before a
// dying process exits. Each holder releases its own things; this only remembers who holds something.

export interface Holder {
  /** What it is, for the last-resort message (`install`, `demo medium`). */
  name: string;
  /** Releases everything it holds; never throws. */
  releaseAll(): Promise<void>;
}

const holders = new Set<Holder>();

/** Registers a holder; returns the function that forgets it (once it has released everything itself). */
export function registerHolder(h: Holder): () => void {
  holders.add(h);
  return () => void holders.delete(h);
}

export function heldBy(): string[] {
  return [...holders].map((h) => h.name);
}

/** Releases every registered holder, newest first (an install before the medium it copies from). */
export async function releaseEverything(): Promise<void> {
  for (const h of [...holders].reverse()) {
    await h.releaseAll().catch(() => {});
    holders.delete(h);
  }
}
