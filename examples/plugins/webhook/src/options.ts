// The plugin's settings (`speaker.plugins[].options` in the chart's values), checked with errors that name the option.

/** A key of a Secret in the speaker's namespace, read through `ctx.secret`. */
export interface SecretKeyRef {
  name: string;
  key: string;
}

export interface WebhookOptions {
  /** Where announce/withdraw messages are POSTed (http:// or https://). */
  url: URL;
  /** Bearer token for the `Authorization` header; read on every request, so a re-read Secret is used at once. */
  tokenSecret?: SecretKeyRef;
  /** PEM CA bundle that signs the receiver's certificate (a private CA), instead of the system's CAs. */
  caSecret?: SecretKeyRef;
  /** Extra request headers (e.g. an API version the receiver wants). */
  headers: Record<string, string>;
  /** Time limit of one request, in ms. */
  timeoutMs: number;
  /** First retry delay, doubled per failed attempt up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Attempts per message before it is dropped; 0 = until it succeeds or a newer message replaces it. */
  maxAttempts: number;
  /** Most Services with an undelivered message; beyond it `setBalancer` fails (the speaker retries later). */
  queueSize: number;
  /** On speaker shutdown, POST a withdraw for every announced Service (within `shutdownTimeoutMs`). */
  withdrawOnShutdown: boolean;
  shutdownTimeoutMs: number;
}

export const DEFAULTS = {
  timeoutMs: 5000,
  retryBaseMs: 500,
  retryMaxMs: 30_000,
  maxAttempts: 0,
  queueSize: 1000,
  withdrawOnShutdown: true,
  shutdownTimeoutMs: 5000,
} as const;

const KNOWN = new Set(['url', 'tokenSecret', 'caSecret', 'headers', ...Object.keys(DEFAULTS)]);

/** Thrown for bad options; the message names the option, so `kubectl logs` says what to fix in values. */
export class WebhookOptionsError extends Error {
  constructor(path: string, message: string) {
    super(`webhook plugin: options.${path}: ${message}`);
    this.name = 'WebhookOptionsError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function integer(raw: Record<string, unknown>, name: keyof typeof DEFAULTS, min: number, max: number): number {
  const v = raw[name] ?? DEFAULTS[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new WebhookOptionsError(name, `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function secretRef(raw: unknown, path: string, defaultKey: string): SecretKeyRef | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw) || typeof raw.name !== 'string' || raw.name === '') {
    throw new WebhookOptionsError(path, `must be {name, key} naming a Secret in the speaker's namespace, got ${JSON.stringify(raw)}`);
  }
  const key = raw.key ?? defaultKey;
  if (typeof key !== 'string' || key === '') throw new WebhookOptionsError(`${path}.key`, 'must be a non-empty string');
  return { name: raw.name, key };
}

function parseUrl(raw: unknown): URL {
  if (typeof raw !== 'string' || raw === '') throw new WebhookOptionsError('url', 'is required: the http(s) URL that receives announce/withdraw POSTs');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookOptionsError('url', `is not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookOptionsError('url', `must be http:// or https://, got ${url.protocol}//`);
  if (url.username || url.password) throw new WebhookOptionsError('url', 'must not hold credentials (they would be logged): use tokenSecret');
  return url;
}

function parseHeaders(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) throw new WebhookOptionsError('headers', 'must be an object of header name to string value');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(k)) throw new WebhookOptionsError(`headers.${k}`, 'is not a valid header name');
    if (typeof v !== 'string') throw new WebhookOptionsError(`headers.${k}`, 'must be a string');
    if (k.toLowerCase() === 'authorization') throw new WebhookOptionsError(`headers.${k}`, 'would put a credential in values: use tokenSecret');
    out[k] = v;
  }
  return out;
}

/** Checks `ctx.options`; throws a `WebhookOptionsError` naming the first bad or unknown option. */
export function parseOptions(raw: Record<string, unknown>): WebhookOptions {
  for (const k of Object.keys(raw)) {
    if (!KNOWN.has(k)) throw new WebhookOptionsError(k, `is not an option of this plugin (known: ${[...KNOWN].join(', ')})`);
  }
  const withdraw = raw.withdrawOnShutdown ?? DEFAULTS.withdrawOnShutdown;
  if (typeof withdraw !== 'boolean') throw new WebhookOptionsError('withdrawOnShutdown', `must be true or false, got ${JSON.stringify(withdraw)}`);
  const opts: WebhookOptions = {
    url: parseUrl(raw.url),
    tokenSecret: secretRef(raw.tokenSecret, 'tokenSecret', 'token'),
    caSecret: secretRef(raw.caSecret, 'caSecret', 'ca.crt'),
    headers: parseHeaders(raw.headers),
    timeoutMs: integer(raw, 'timeoutMs', 100, 600_000),
    retryBaseMs: integer(raw, 'retryBaseMs', 1, 600_000),
    retryMaxMs: integer(raw, 'retryMaxMs', 1, 3_600_000),
    maxAttempts: integer(raw, 'maxAttempts', 0, 1_000_000),
    queueSize: integer(raw, 'queueSize', 1, 1_000_000),
    withdrawOnShutdown: withdraw,
    shutdownTimeoutMs: integer(raw, 'shutdownTimeoutMs', 0, 600_000),
  };
  if (opts.retryMaxMs < opts.retryBaseMs) throw new WebhookOptionsError('retryMaxMs', `must be at least retryBaseMs (${opts.retryBaseMs})`);
  if (opts.caSecret && opts.url.protocol !== 'https:') throw new WebhookOptionsError('caSecret', 'needs an https:// url');
  return opts;
}
