// Lifeguard "local health awareness": a score that stretches our own probe timeouts when we are
// the slow one, so an overloaded node does not accuse healthy peers.
export class Awareness {
  private score = 0;
  constructor(private readonly max: number) {}

  applyDelta(delta: number): void {
    this.score = Math.min(Math.max(this.score + delta, 0), Math.max(this.max - 1, 0));
  }

  healthScore(): number {
    return this.score;
  }

  scaleTimeout(ms: number): number {
    return ms * (this.score + 1);
  }
}
