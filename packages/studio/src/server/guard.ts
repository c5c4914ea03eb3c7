import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";

export const TOKEN_COOKIE = "flowlet_studio_token";

/**
 * Who may talk to Studio. On loopback: only requests whose Host is the loopback address itself
 * (a web page elsewhere cannot reach it through DNS rebinding). With a token (required off
 * loopback): `?token=` once, which sets a cookie, or an `Authorization: Bearer` header.
 * Writes must be JSON from the same origin, so another site cannot post a form to them.
 */
export function guard(options: { token?: string; loopback: boolean }): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header("host") ?? "";
    if (options.loopback && !/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host)) {
      return c.text("Studio answers only on its loopback address.", 403);
    }
    if (options.token !== undefined) {
      const given = c.req.query("token");
      if (given !== undefined && same(given, options.token)) {
        setCookie(c, TOKEN_COOKIE, options.token, { httpOnly: true, sameSite: "Strict", path: "/" });
      } else {
        const bearer = c.req.header("authorization")?.replace(/^Bearer\s+/i, "");
        const cookie = getCookie(c, TOKEN_COOKIE);
        if (!(bearer && same(bearer, options.token)) && !(cookie && same(cookie, options.token))) {
          return c.text("Studio needs its token: open the address printed at start (it ends in ?token=…).", 401);
        }
      }
    }
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      if (!(c.req.header("content-type") ?? "").startsWith("application/json")) return c.text("Send JSON.", 415);
      const origin = c.req.header("origin");
      if (origin !== undefined && new URL(origin).host !== host) return c.text("Cross-origin writes are refused.", 403);
    }
    await next();
  };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
