// Bounded memo of address text by numeric value: a flood repeats a few MACs and IPs, and building their
// text for every frame was most of the ARP responder's garbage (young-generation GC set its latency tail).

export class AddressTextCache {
  private readonly texts = new Map<number, string>();

  constructor(
    private readonly limit: number,
    private readonly format: (value: number) => string,
  ) {}

  get(value: number): string {
    let text = this.texts.get(value);
    if (text === undefined) {
      // Dropping everything at the limit keeps the bound without per-entry bookkeeping.
      if (this.texts.size >= this.limit) this.texts.clear();
      text = this.format(value);
      this.texts.set(value, text);
    }
    return text;
  }
}
