// Reads a pool's address list into ranges, reporting each bad entry at its own path.
import type { IpRange } from './model';
import { parseAddressRange } from './address-ranges';
import type { FieldReader } from './field-reader';

/** Ranges from `key` (a list of strings); `written` counts the entries, good or bad. */
export function readAddressList(r: FieldReader, key: string, rangePaths: WeakMap<IpRange, string>): { ranges: IpRange[]; written: number } {
  const ranges: IpRange[] = [];
  const items = r.stringList(key) ?? [];
  const raw = r.raw(key);
  const written = Array.isArray(raw) ? raw.length : raw === undefined ? 0 : 1;
  for (const item of items) {
    const parsed = parseAddressRange(item.value);
    if (!parsed.ok) {
      r.sink.error(item.path, parsed.message);
      continue;
    }
    if (parsed.note) r.sink.warning(item.path, parsed.note);
    ranges.push(parsed.range);
    rangePaths.set(parsed.range, item.path);
  }
  return { ranges, written };
}
