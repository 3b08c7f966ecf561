// The control plane's throwaway PKI: the lab's (CA, serving cert for loopback, SA key pair) plus an admin client cert.
import { generateLabPki, signClientCert, type LabPki } from '../../src/lab/pki';

export interface ControlPlanePki extends LabPki {
  adminCert: string;
  adminKey: string;
}

/** Writes all key material into `dir` and returns the file paths. */
export async function generatePki(dir: string): Promise<ControlPlanePki> {
  const pki = await generateLabPki(dir, ['127.0.0.1']);
  const admin = await signClientCert(dir, 'admin', '/O=system:masters/CN=metallbts-admin');
  return { ...pki, adminCert: admin.cert, adminKey: admin.key };
}
