/** What both servers share: where they listen and who may call them. */
export interface ListenOptions {
  /** Default 0: any free port (read it from the returned `url`). */
  port?: number;
  /** Default "127.0.0.1". Any non-loopback address requires `token`. */
  host?: string;
  /** Requires `Authorization: Bearer <token>` on every call. At least 16 characters. */
  token?: string;
  /** Largest accepted request body, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * Host names a loopback server answers to besides localhost, 127.0.0.1 and [::1], e.g. the
   * name a local reverse proxy forwards. Other Host headers get 403: DNS-rebinding protection.
   */
  allowedHosts?: string[];
  /**
   * Longest time a client may take to send a whole request (headers and body), in ms: a client
   * trickling a body (slow loris) is cut off with 408. Responses are not limited, so SSE streams
   * live on. Default 30,000; the headers alone get at most 10,000.
   */
  requestTimeoutMs?: number;
  /** Most open connections at once; more are refused at accept. Default 1,024. */
  maxConnections?: number;
}
