import { timingSafeEqual } from "node:crypto";
import { tokenDigest } from "../config/env.js";

/**
 * True when `authorization` is `Bearer <token>` for one of the accepted tokens. Every digest is
 * compared, in constant time, whatever matched before, so the timing says nothing about which
 * token (or how much of one) was right.
 */
export function isAuthorized(authorization: string | undefined, tokenDigests: readonly Buffer[]): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? "");
  const presented = tokenDigest(match?.[1] ?? "");
  let ok = false;
  for (const digest of tokenDigests) {
    ok = timingSafeEqual(presented, digest) || ok;
  }
  return ok && match !== null;
}
