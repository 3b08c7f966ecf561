// Pipes connections between a TCP port and a path-bound unix socket, so a speaker in a node namespace reaches the harness apiserver on the root namespace's loopback without any route or address crossing namespaces.
//
//   node socket-relay.js LISTEN TARGET     each `unix:/path` or `host:port`; stops on SIGTERM or after 10 min
// A path-bound unix socket is one file visible from every network namespace: two relays (node ns: TCP → unix,
// root ns: unix → TCP) join the node's 127.0.0.1:PORT to the apiserver's 127.0.0.1:PORT, so its TLS name still matches.
import { unlinkSync } from 'node:fs';
import net from 'node:net';

const MAX_LIFETIME_MS = 600_000;

type Endpoint = { path: string } | { host: string; port: number };

export function parseEndpoint(text: string): Endpoint {
  if (text.startsWith('unix:')) return { path: text.slice(5) };
  const m = /^(.+):(\d+)$/.exec(text);
  if (!m) throw new Error(`expected unix:/path or host:port, got "${text}"`);
  return { host: m[1]!, port: Number(m[2]) };
}

function relay(listen: Endpoint, target: Endpoint): void {
  const server = net.createServer((inbound) => {
    const outbound = 'path' in target ? net.connect(target.path) : net.connect(target.port, target.host);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    const close = (): void => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', close);
    outbound.on('error', close);
    inbound.on('close', close);
    outbound.on('close', close);
  });
  if ('path' in listen) {
    try {
      unlinkSync(listen.path);
    } catch {
      // not there yet
    }
  }
  const ready = (): boolean => process.stdout.write(`${JSON.stringify({ listening: true })}\n`);
  if ('path' in listen) server.listen(listen.path, ready);
  else server.listen(listen.port, listen.host, ready);
  server.on('error', (err) => {
    process.stderr.write(`relay: ${err.message}\n`);
    process.exit(1);
  });
  const stop = (): void => {
    server.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  setTimeout(stop, MAX_LIFETIME_MS).unref();
}

if (require.main === module) {
  const [listen, target] = process.argv.slice(2);
  if (!listen || !target) {
    process.stderr.write('usage: socket-relay LISTEN TARGET (unix:/path or host:port)\n');
    process.exit(2);
  }
  relay(parseEndpoint(listen), parseEndpoint(target));
}
