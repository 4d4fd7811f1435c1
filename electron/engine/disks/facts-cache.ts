// One collection of the machine's facts at a time, shared by every request, and kept until a device
// changes. Collecting runs lsblk, blkid per device and read-only mount probes: a page that asks twenty
// times at once must not start twenty of each. Each request reads the change detector's fingerprint
// (cheap, device-fingerprint.ts); the cached facts answer while it is the one read before they were
// collected, a collection in flight is joined while it started from the same fingerprint, and anything
// else waits for the next collection: at most one runs, and at most one more is queued behind it.
//
// `fresh` (planning, a repair's re-check) asks for facts collected after the call began, whatever the
// fingerprint says. `invalidate` forgets the cache when the service itself has written a disk.

export interface FactsCacheOptions<T> {
  collect: () => Promise<T>;
  /** The change detector: equal texts mean the collected facts still hold. */
  fingerprint: () => Promise<string>;
}

interface Flight<T> {
  /** What the collection started from (undefined while its own read is under way). */
  fingerprint: string | undefined;
  generation: number;
  promise: Promise<T>;
}

export class FactsCache<T> {
  private cached: { fingerprint: string; generation: number; value: T } | undefined;
  private flight: Flight<T> | undefined;
  /** The collection queued behind the one in flight, shared by everyone who could not join that one. */
  private next: Promise<T> | undefined;
  /** A fingerprint read in progress, shared the same way (a few dozen small reads each). */
  private reading: Promise<string> | undefined;
  private generation = 0;

  constructor(private o: FactsCacheOptions<T>) {}

  /** The facts (a copy: callers may change theirs). */
  async get(opts: { fresh?: boolean } = {}): Promise<T> {
    return structuredClone(await this.shared(opts.fresh ?? false));
  }

  /** Forgets what is cached and in flight: the next request collects anew. */
  invalidate(): void {
    this.generation++;
    this.cached = undefined;
  }

  private async shared(fresh: boolean): Promise<T> {
    if (fresh) return this.afterCurrent();
    const generation = this.generation;
    const fp = await this.readFingerprint();
    if (this.cached && this.cached.generation === generation && this.cached.fingerprint === fp) return this.cached.value;
    if (this.flight && this.flight.generation === generation && this.flight.fingerprint === fp) return this.flight.promise;
    return this.afterCurrent(fp);
  }

  /**
   * A collection that starts now, or right after the one in flight (joined by all who come meanwhile).
   * `fp` was read just now, before it: the collection records it (a change after the read is either
   * seen by the collection or makes the next request collect again).
   */
  private afterCurrent(fp?: string): Promise<T> {
    const current = this.flight;
    if (!current) return this.start(fp);
    this.next ??= current.promise
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return this.start();
      });
    return this.next;
  }

  private start(fp?: string): Promise<T> {
    const generation = this.generation;
    const flight = { fingerprint: fp, generation } as Flight<T>;
    flight.promise = (async () => {
      flight.fingerprint ??= await this.o.fingerprint();
      const value = await this.o.collect();
      if (this.generation === generation) this.cached = { fingerprint: flight.fingerprint, generation, value };
      return value;
    })();
    this.flight = flight;
    const landed = () => {
      if (this.flight === flight) this.flight = undefined;
    };
    void flight.promise.then(landed, landed);
    return flight.promise;
  }

  /** Shares a read in progress with every request that comes meanwhile. */
  private readFingerprint(): Promise<string> {
    this.reading ??= this.o.fingerprint().finally(() => (this.reading = undefined));
    return this.reading;
  }
}
