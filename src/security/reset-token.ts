import { SignJWT, errors, jwtVerify } from 'jose';
import { RESET_KINDS, type ResetKind } from '../../machines/types.js';
import { AppError } from '../errors.js';

/** Audience of every reset token: only the `complete` step accepts them. */
export const RESET_TOKEN_AUDIENCE = 'molam-id-reset-complete';
const ALG = 'HS256';
// HS256 keys shorter than the hash output weaken the MAC (RFC 7518 §3.2).
const MIN_SECRET_BYTES = 32;

/** What a reset token carries: the request it completes, its single-use id, and the credential kind. */
export interface ResetTokenClaims {
  requestId: string;
  jti: string;
  kind: ResetKind;
}

export interface ResetTokenOptions {
  /** JWT_RESET_SECRET list: the first signs, all verify (rotation). Each ≥ 32 bytes. */
  secrets: string[];
  /** Lifetime of a token, in seconds. */
  ttlSeconds: number;
  issuer?: string;
}

/**
 * Any reason a reset token was refused. The message is fixed and never holds
 * the token; `reason` is for logs only (expired, signature, claims, malformed).
 */
export class InvalidResetTokenError extends AppError {
  constructor(readonly reason: 'expired' | 'signature' | 'claims' | 'malformed') {
    super('token_invalid', 'The reset link is invalid or has expired.');
    this.name = 'InvalidResetTokenError';
  }
}

/** Signs and verifies the short-lived reset token handed out by `verify` and spent by `complete`. */
export function createResetTokens({ secrets, ttlSeconds, issuer = 'molam-id-reset' }: ResetTokenOptions) {
  if (secrets.length === 0) throw new Error('reset tokens: at least one secret is required');
  const keys = secrets.map((secret, index) => {
    const key = new TextEncoder().encode(secret);
    if (key.byteLength < MIN_SECRET_BYTES) {
      // Say which entry, never the secret itself.
      throw new Error(`reset tokens: secret #${index + 1} is shorter than ${MIN_SECRET_BYTES} bytes`);
    }
    return key;
  });
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new Error(`reset tokens: ttlSeconds must be a positive integer, got ${ttlSeconds}`);
  }
  const signingKey = keys[0]!;

  async function verifyWith(token: string, key: Uint8Array) {
    // Pinning the algorithm list rejects 'none' and any alg confusion.
    return jwtVerify(token, key, {
      algorithms: [ALG],
      issuer,
      audience: RESET_TOKEN_AUDIENCE,
      requiredClaims: ['sub', 'jti', 'iat', 'exp'],
    });
  }

  return {
    /** A signed compact JWT for these claims, valid `ttlSeconds` from now. */
    async sign({ requestId, jti, kind }: ResetTokenClaims): Promise<string> {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ kind })
        .setProtectedHeader({ alg: ALG, typ: 'JWT' })
        .setSubject(requestId)
        .setJti(jti)
        .setIssuer(issuer)
        .setAudience(RESET_TOKEN_AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + ttlSeconds)
        .sign(signingKey);
    },

    /**
     * The claims of a valid token; throws InvalidResetTokenError otherwise.
     * Single use is the caller's job (consume `jti` atomically).
     */
    async verify(token: string): Promise<ResetTokenClaims> {
      if (typeof token !== 'string' || token.length === 0) throw new InvalidResetTokenError('malformed');
      for (const key of keys) {
        try {
          const { payload } = await verifyWith(token, key);
          const { sub, jti, kind } = payload;
          if (typeof sub !== 'string' || sub === '' || typeof jti !== 'string' || jti === '' || !isKind(kind)) {
            throw new InvalidResetTokenError('claims');
          }
          return { requestId: sub, jti, kind };
        } catch (err) {
          // Only a signature mismatch means "maybe another key": anything else
          // was checked after the signature held (or is malformed for every key).
          if (err instanceof errors.JWSSignatureVerificationFailed) continue;
          if (err instanceof InvalidResetTokenError) throw err;
          throw new InvalidResetTokenError(reasonOf(err));
        }
      }
      throw new InvalidResetTokenError('signature');
    },
  };
}

/** The token service built by {@link createResetTokens}. */
export type ResetTokens = ReturnType<typeof createResetTokens>;

function isKind(value: unknown): value is ResetKind {
  return typeof value === 'string' && (RESET_KINDS as readonly string[]).includes(value);
}

function reasonOf(err: unknown): InvalidResetTokenError['reason'] {
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWTClaimValidationFailed) return 'claims';
  return 'malformed';
}
