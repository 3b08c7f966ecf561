// The order a speaker stops BGP and BFD for one peer: with graceful restart, BFD ends only after the TCP close.

/** What stopping needs of a BGP session (BgpSession, or the announcer's SessionLike). */
export interface StoppableSession {
  stop(opts?: { withdraw?: boolean; graceful?: boolean }): Promise<void>;
}

/**
 * Without graceful restart: BFD AdminDown, then withdraw + Cease. With it: the TCP close first (the session resolves
 * once the router closed its side, i.e. is a GR helper), then BFD AdminDown. A router that acts on BFD Down
 * (FRR 8.4 without `bfd check-control-plane-failure`) would otherwise send Cease/BFD Down and flush our routes.
 */
export async function stopPeer(session: StoppableSession, bfd: { stop(): void } | undefined, graceful: boolean): Promise<void> {
  if (!graceful) {
    bfd?.stop();
    await session.stop({ withdraw: true });
    return;
  }
  await session.stop({ graceful: true });
  bfd?.stop();
}
