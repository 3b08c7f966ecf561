// The timers of one BGP connection: OPEN wait, receive hold, keepalive, and the send side of the hold timer.

/** What the session does when a timer fires. */
export interface TimerActions {
  openExpired(): void;
  holdExpired(): void;
  /** Our own bytes have not moved for a whole hold time: the peer stopped reading. */
  sendHoldExpired(buffered: number): void;
  /** Time to send a KEEPALIVE (and any periodic per-connection work). */
  keepalive(): void;
}

export class ConnectionTimers {
  private open?: NodeJS.Timeout;
  private hold?: NodeJS.Timeout;
  private keepaliveTimer?: NodeJS.Timeout;
  private lastDrainAt = 0;

  constructor(private readonly actions: TimerActions) {}

  /** Connected: the peer's OPEN must arrive within `seconds`. */
  waitForOpen(seconds: number): void {
    this.open = setTimeout(() => this.actions.openExpired(), seconds * 1000);
  }

  openReceived(): void {
    clearTimeout(this.open);
  }

  /** After OPEN negotiation; hold 0 means no timers (RFC 4271 §4.2). `sock` is read for its send buffer. */
  start(hold: number, keepalive: number, sock: { readonly writableLength: number }): void {
    if (hold === 0) return;
    this.hold = setTimeout(() => this.actions.holdExpired(), hold * 1000);
    this.lastDrainAt = Date.now();
    this.keepaliveTimer = setInterval(() => {
      if (sock.writableLength > 0 && Date.now() - this.lastDrainAt > hold * 1000) {
        this.actions.sendHoldExpired(sock.writableLength);
        return;
      }
      if (sock.writableLength === 0) this.lastDrainAt = Date.now();
      this.actions.keepalive();
    }, keepalive * 1000);
  }

  /** A message arrived: the receive hold timer starts over. */
  received(): void {
    this.hold?.refresh();
  }

  /** We wrote a message (any message counts as a keepalive); `flushed`: the socket took it all. */
  sent(flushed: boolean): void {
    if (flushed) this.drained();
    this.keepaliveTimer?.refresh();
  }

  /** The socket's send buffer emptied. */
  drained(): void {
    this.lastDrainAt = Date.now();
  }

  clear(): void {
    clearTimeout(this.open);
    clearTimeout(this.hold);
    clearInterval(this.keepaliveTimer);
    this.open = undefined;
    this.hold = undefined;
    this.keepaliveTimer = undefined;
  }
}
