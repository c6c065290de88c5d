/**
 * What the API layer uses of the process's services (platform/services.ts builds them). Declared here
 * as the narrowest shape so tests can assemble it from real parts without the whole platform.
 */
import type { CryptoKey } from 'jose';
import type { CoreServices } from '../platform/core-services';

export interface ApiServices extends CoreServices {
  ticketKeys: { privateKey: CryptoKey | null; publicKey: CryptoKey };
}
