// MetalLB v0.16.2 (sha256 key derivation) and metallbts with its default, metallb-v0.16.2: one cluster.
import { describeOneCluster } from './mixed-scenario';

describeOneCluster({ metallb: 'v0.16.2', ours: 'metallb-v0.16.2', tag: 'keyring162' });
