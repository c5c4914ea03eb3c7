/** A server binary is not installed. The message names the Debian package that provides it. */
export class ServiceMissingError extends Error {
  override name = "ServiceMissingError";
}

/** A server is installed but did not start; the message carries the tail of its log. */
export class ServiceStartError extends Error {
  override name = "ServiceStartError";
}
