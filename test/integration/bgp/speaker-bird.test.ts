// The speaker (from Services, pools, BGPPeer/BGPAdvertisement objects in a real apiserver) against BIRD in namespaces.
import { describeSpeakerInterop } from './speaker-interop';
import { BirdRouter } from './routers/bird';

describeSpeakerInterop(new BirdRouter());
