// Generates the control plane's throwaway PKI with openssl: a CA, a serving cert, an SA key pair, an admin client cert.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ControlPlanePki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  saPublicKey: string;
  saPrivateKey: string;
  adminCert: string;
  adminKey: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd, timeout: 30_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${e.stderr || e.message}`);
  }
}

/** Signs a leaf certificate for `subject` with the CA; `ext` is an openssl v3 extension section body. */
async function signLeaf(dir: string, base: string, subject: string, ext: string): Promise<void> {
  writeFileSync(join(dir, `${base}.ext`), `[v3]\n${ext}\n`);
  await openssl(['genrsa', '-out', `${base}.key`, '2048'], dir);
  await openssl(['req', '-new', '-key', `${base}.key`, '-subj', subject, '-out', `${base}.csr`], dir);
  await openssl(
    ['x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
      '-sha256', '-extfile', `${base}.ext`, '-extensions', 'v3', '-out', `${base}.crt`],
    dir,
  );
}

/** Writes all key material into `dir` and returns the file paths. */
export async function generatePki(dir: string): Promise<ControlPlanePki> {
  await openssl(['genrsa', '-out', 'ca.key', '2048'], dir);
  await openssl(['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=metallbts-test-ca', '-days', '2', '-sha256',
    '-out', 'ca.crt'], dir);
  await signLeaf(dir, 'serving', '/CN=kube-apiserver',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' +
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc');
  await signLeaf(dir, 'admin', '/O=system:masters/CN=metallbts-admin',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth');
  await openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
  await openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  const p = (f: string): string => join(dir, f);
  return {
    caCert: p('ca.crt'), caKey: p('ca.key'),
    servingCert: p('serving.crt'), servingKey: p('serving.key'),
    saPublicKey: p('sa.pub'), saPrivateKey: p('sa.key'),
    adminCert: p('admin.crt'), adminKey: p('admin.key'),
  };
}
