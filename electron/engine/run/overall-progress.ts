// Overall install progress from the plan's step weights; never goes backwards.

export class OverallProgress {
  private readonly fractions: number[];
  private readonly totalWeight: number;
  private last = 0;

  constructor(private readonly weights: number[]) {
    this.fractions = weights.map(() => 0);
    this.totalWeight = weights.reduce((a, w) => a + Math.max(0, w), 0);
  }

  /** Sets how far step `index` is (0..1). */
  setStep(index: number, fraction: number): void {
    const f = Math.min(1, Math.max(0, fraction));
    this.fractions[index] = Math.max(this.fractions[index] ?? 0, f);
  }

  /** 0..100, rounded to 0.1, monotonic. */
  get percent(): number {
    if (this.totalWeight <= 0) return this.last;
    const done = this.weights.reduce((a, w, i) => a + Math.max(0, w) * (this.fractions[i] ?? 0), 0);
    const p = Math.round((done / this.totalWeight) * 1000) / 10;
    this.last = Math.max(this.last, Math.min(100, p));
    return this.last;
  }
}
