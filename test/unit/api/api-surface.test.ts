// The public entries' surface (API Extractor on the built .d.ts) matches the checked-in api/*.api.md reports.
import { API_ENTRIES, extractEntry } from '../../support/api-report';

// dist/ is built by `npm test` before jest runs (`npm run build`); a stale dist gives a stale answer.
test.each([...API_ENTRIES])('metallbts/$name matches api/$name.api.md', ({ name, versioned }) => {
  const surface = extractEntry(name, versioned);
  if (!surface.verdict.ok) throw new Error(surface.verdict.message);
  expect(surface.verdict).toEqual({ ok: true });
  // No API Extractor warnings: every type the entry's signatures use is exported by it (or by plugin-api, for the testkit).
  expect(surface.messages).toEqual([]);
});
