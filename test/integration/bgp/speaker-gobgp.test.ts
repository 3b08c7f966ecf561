// The speaker (from Services, pools, BGPPeer/BGPAdvertisement objects in a real apiserver) against GoBGP in namespaces.
import { describeSpeakerInterop } from './speaker-interop';
import { GobgpRouter } from './routers/gobgp';

describeSpeakerInterop(new GobgpRouter());
