// Bounded polling for tests and benches: true as soon as `pred` holds, false after `ms` (checked once more at the end).
export async function until(pred: () => boolean, ms: number, stepMs = 100): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return pred();
}
