// MetalLB v0.16.1 (legacy key derivation) and metallbts with --memberlist-key-derivation metallb-legacy: one cluster.
import { describeOneCluster } from './mixed-scenario';

describeOneCluster({ metallb: 'v0.16.1', ours: 'metallb-legacy', tag: 'keyring161' });
