// MetalLB v0.16.2 next to metallbts sending with the legacy key: MetalLB cannot read us, two clusters form, and our
// duplicate-owner detection reports the VIPs both sides answer (MetalLB logs only its decryption failures).
import { describePartition } from './mixed-scenario';

describePartition({ metallb: 'v0.16.2', ours: 'metallb-legacy', tag: 'keyringpart' });
