import { timingSafeEqual } from "node:crypto";
import { tokenDigest } from "../config/env.js";

/**
 * The token a caller presents: `Authorization: Bearer <token>`, else the last segment of the
 * request path (`<url>/<token>?timeout=10s`). The path form is for API servers that cannot be
 * given an admission kubeconfig (managed control planes): the token then lives in the webhook's
 * `clientConfig.url`, which the API server allows to carry a path but not a query.
 */
export function presentedToken(
  authorization: string | undefined,
  url: string | undefined,
): string | undefined {
  if (authorization !== undefined) return /^Bearer +(\S+) *$/i.exec(authorization)?.[1];
  const path = (url ?? "").split("?", 1)[0] ?? "";
  const segment = path.slice(path.lastIndexOf("/") + 1);
  return segment === "" ? undefined : segment;
}

/**
 * True when the request presents one of the accepted tokens (see {@link presentedToken}). Every
 * digest is compared, in constant time, whatever matched before, so the timing says nothing about
 * which token (or how much of one) was right.
 */
export function isAuthorized(
  authorization: string | undefined,
  tokenDigests: readonly Buffer[],
  url?: string,
): boolean {
  const token = presentedToken(authorization, url);
  const presented = tokenDigest(token ?? "");
  let ok = false;
  for (const digest of tokenDigests) {
    ok = timingSafeEqual(presented, digest) || ok;
  }
  return ok && token !== undefined;
}
