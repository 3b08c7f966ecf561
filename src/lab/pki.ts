// Throwaway PKI for the lab's apiserver: a CA, a serving cert valid for 192.168.1.5 and 127.0.0.1, a ServiceAccount key pair.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { must } from './shell';

export interface LabPki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  saPublicKey: string;
  saPrivateKey: string;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  await must('sh', ['-c', 'cd "$0" && exec openssl "$@"', dir, ...args], { timeoutMs: 30_000 });
}

/** Writes the key material into `dir`; `ips` become subjectAltNames of the serving cert. */
export async function generateLabPki(dir: string, ips: string[]): Promise<LabPki> {
  await openssl(dir, ['genrsa', '-out', 'ca.key', '2048']);
  await openssl(dir, ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=metallbts-lab-ca', '-days', '7',
    '-sha256', '-out', 'ca.crt']);
  const san = ['DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'DNS:localhost',
    ...ips.map((a) => `IP:${a}`)].join(',');
  writeFileSync(join(dir, 'serving.ext'),
    `[v3]\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`);
  await openssl(dir, ['genrsa', '-out', 'serving.key', '2048']);
  await openssl(dir, ['req', '-new', '-key', 'serving.key', '-subj', '/CN=kube-apiserver', '-out', 'serving.csr']);
  await openssl(dir, ['x509', '-req', '-in', 'serving.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '7', '-sha256', '-extfile', 'serving.ext', '-extensions', 'v3', '-out', 'serving.crt']);
  await openssl(dir, ['genrsa', '-out', 'sa.key', '2048']);
  await openssl(dir, ['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
  const p = (f: string): string => join(dir, f);
  return {
    caCert: p('ca.crt'), caKey: p('ca.key'), servingCert: p('serving.crt'), servingKey: p('serving.key'),
    saPublicKey: p('sa.pub'), saPrivateKey: p('sa.key'),
  };
}
