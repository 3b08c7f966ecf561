// MAC addresses as canonical lower-case "aa:bb:cc:dd:ee:ff" text, the form logs and `ip neigh` use.

export type Mac = string;

export const BROADCAST_MAC: Mac = 'ff:ff:ff:ff:ff:ff';
export const ZERO_MAC: Mac = '00:00:00:00:00:00';

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export function isMac(text: string): boolean {
  return MAC_RE.test(text.toLowerCase());
}

/** Parses "aa:bb:cc:dd:ee:ff" (any case) into 6 bytes; throws RangeError on anything else. */
export function macToBuffer(mac: Mac): Buffer {
  const lower = mac.toLowerCase();
  if (!MAC_RE.test(lower)) throw new RangeError(`not a MAC address: ${mac}`);
  return Buffer.from(lower.split(':').map((h) => parseInt(h, 16)));
}

export function macFromBuffer(buf: Buffer, offset = 0): Mac {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push(buf[offset + i].toString(16).padStart(2, '0'));
  return parts.join(':');
}
