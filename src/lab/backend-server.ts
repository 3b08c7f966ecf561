// The lab's stand-in for the tutorial's nginx pod: answers every HTTP request with the node's name.
import { createServer } from 'node:http';

const nodeName = process.argv[2] ?? 'unknown';
const port = Number(process.argv[3] ?? 80);

const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
  res.end(`${nodeName}\n`);
});
server.keepAliveTimeout = 1000;
server.listen(port, '0.0.0.0', () => {
  process.stdout.write(`backend for ${nodeName} listening on :${port}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
