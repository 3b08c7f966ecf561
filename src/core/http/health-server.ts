// Serves /metrics (Prometheus), /healthz and /readyz for the controller and the speaker.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthChecks {
  /** Process is alive and its loops run. */
  healthy(): boolean;
  /** Initial sync done and a configuration loaded; returns reasons when not ready. */
  ready(): { ready: boolean; reasons: string[] };
}

export class HealthServer {
  private server?: Server;

  constructor(
    private readonly metrics: Registry,
    private readonly checks: HealthChecks,
  ) {}

  async listen(port: number, host = '0.0.0.0'): Promise<number> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/metrics') {
        this.metrics
          .metrics()
          .then((text) => {
            res.writeHead(200, { 'Content-Type': this.metrics.contentType });
            res.end(text);
          })
          .catch((err: unknown) => {
            res.writeHead(500);
            res.end(String(err));
          });
        return;
      }
      if (path === '/healthz') {
        const ok = this.checks.healthy();
        res.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain' });
        res.end(ok ? 'ok\n' : 'unhealthy\n');
        return;
      }
      if (path === '/readyz') {
        const r = this.checks.ready();
        res.writeHead(r.ready ? 200 : 503, { 'Content-Type': 'text/plain' });
        res.end(r.ready ? 'ok\n' : `not ready: ${r.reasons.join('; ')}\n`);
        return;
      }
      res.writeHead(404);
      res.end();
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
