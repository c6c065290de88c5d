/**
 * Values the OIDC routes keep in the browser between two requests (the sign-in's state, nonce and PKCE
 * verifier; the ID token a logout hands back to the provider), sealed so the browser can neither read nor
 * alter them: a JWE (dir, A256GCM) by jose, with a key derived by HKDF from INTERNAL_API_SECRET, which
 * every API replica already shares (an embedded install generates it once), so a callback may land on
 * another replica than the login. Each value is sealed for one purpose and expires.
 */
import { hkdfSync } from 'node:crypto';
import { EncryptJWT, jwtDecrypt, type JWTPayload } from 'jose';

export type SealPurpose = 'oidc-flow' | 'oidc-logout';

export class CookieSealer {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = new Uint8Array(hkdfSync('sha256', secret, 'autolabs', 'oidc cookies v1', 32));
  }

  seal(purpose: SealPurpose, payload: JWTPayload, ttlSeconds: number): Promise<string> {
    return new EncryptJWT(payload)
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setAudience(purpose)
      .setIssuedAt()
      .setExpirationTime(`${Math.max(1, Math.floor(ttlSeconds))}s`)
      .encrypt(this.key);
  }

  /** The payload, or null when the value is missing, forged, altered, expired or sealed for another purpose. */
  async open(purpose: SealPurpose, sealed: string | undefined): Promise<JWTPayload | null> {
    if (!sealed || sealed.length > 8192) return null;
    try {
      const { payload } = await jwtDecrypt(sealed, this.key, {
        audience: purpose,
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      return payload;
    } catch {
      return null;
    }
  }
}
