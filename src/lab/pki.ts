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

/** Signs a leaf certificate `base`.crt/.key for `subject` with the CA in `dir`; `ext` is an openssl v3 section body. */
async function signLeaf(dir: string, base: string, subject: string, ext: string): Promise<void> {
  writeFileSync(join(dir, `${base}.ext`), `[v3]\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n${ext}\n`);
  await openssl(dir, ['genrsa', '-out', `${base}.key`, '2048']);
  await openssl(dir, ['req', '-new', '-key', `${base}.key`, '-subj', subject, '-out', `${base}.csr`]);
  await openssl(dir, ['x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '7', '-sha256', '-extfile', `${base}.ext`, '-extensions', 'v3', '-out', `${base}.crt`]);
}

/** Writes the key material into `dir`; `ips` become subjectAltNames of the serving cert. */
export async function generateLabPki(dir: string, ips: string[]): Promise<LabPki> {
  await openssl(dir, ['genrsa', '-out', 'ca.key', '2048']);
  await openssl(dir, ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=metallbts-lab-ca', '-days', '7',
    '-sha256', '-out', 'ca.crt']);
  const san = ['DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'DNS:localhost',
    ...ips.map((a) => `IP:${a}`)].join(',');
  await signLeaf(dir, 'serving', '/CN=kube-apiserver', `extendedKeyUsage=serverAuth\nsubjectAltName=${san}`);
  await openssl(dir, ['genrsa', '-out', 'sa.key', '2048']);
  await openssl(dir, ['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
  const p = (f: string): string => join(dir, f);
  return {
    caCert: p('ca.crt'), caKey: p('ca.key'), servingCert: p('serving.crt'), servingKey: p('serving.key'),
    saPublicKey: p('sa.pub'), saPrivateKey: p('sa.key'),
  };
}

/** A client certificate signed by the PKI's CA in `dir` (e.g. `/O=system:masters/CN=admin`); returns its cert and key paths. */
export async function signClientCert(dir: string, base: string, subject: string): Promise<{ cert: string; key: string }> {
  await signLeaf(dir, base, subject, 'extendedKeyUsage=clientAuth');
  return { cert: join(dir, `${base}.crt`), key: join(dir, `${base}.key`) };
}
