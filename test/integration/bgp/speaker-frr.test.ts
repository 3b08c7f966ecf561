// The speaker (from Services, pools, BGPPeer/BGPAdvertisement objects in a real apiserver) against FRR in namespaces.
import { describeSpeakerInterop } from './speaker-interop';
import { FrrRouter } from './routers/frr';

describeSpeakerInterop(new FrrRouter());
