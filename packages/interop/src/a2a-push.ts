import type { TaskPushNotificationConfig } from "@a2a-js/sdk";
import { createLegacyAwarePushNotificationSender } from "@a2a-js/sdk/compat/v0_3/server";
import { RequestMalformedError } from "@a2a-js/sdk/errors";
import { InMemoryPushNotificationStore, type PushNotificationSender, type ServerCallContext } from "@a2a-js/sdk/server";
import { InteropConfigError } from "./errors.js";

/** Push notifications (webhooks), off unless given: the server POSTs task updates to URLs clients name. */
export interface PushNotificationOptions {
  /**
   * The host names (as in the URL, e.g. "hooks.example.com" or "127.0.0.1") webhooks may point at.
   * A config naming any other host is refused: without this list, any caller could make the
   * agent send requests into the network it runs in.
   */
  allowedHosts: string[];
  /** Longest wait for one webhook delivery, in ms. Default 5,000. */
  timeoutMs?: number;
}

/** The SDK's in-memory config store, refusing webhooks outside the allow-list. */
class AllowListedStore extends InMemoryPushNotificationStore {
  readonly #hosts: Set<string>;

  constructor(hosts: string[]) {
    super();
    this.#hosts = new Set(hosts.map((h) => h.toLowerCase()));
  }

  override async save(taskId: string, context: ServerCallContext, config: TaskPushNotificationConfig): Promise<void> {
    const url = URL.canParse(config.url) ? new URL(config.url) : undefined;
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
      throw new RequestMalformedError(`Push notification URL "${config.url}" is not an absolute http(s) URL.`);
    }
    const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
    if (!this.#hosts.has(host) && !this.#hosts.has(url.hostname.toLowerCase())) {
      throw new RequestMalformedError(
        `Push notifications to ${url.hostname} are not allowed by this agent: ask its operator to add it to pushNotifications.allowedHosts.`,
      );
    }
    await super.save(taskId, context, config);
  }
}

/** The store and sender `serveA2A` hands the SDK, webhooks of both protocol lines included. */
export function pushNotifications(options: PushNotificationOptions): {
  store: InMemoryPushNotificationStore;
  sender: PushNotificationSender;
} {
  if (!Array.isArray(options.allowedHosts) || options.allowedHosts.length === 0) {
    throw new InteropConfigError(
      'pushNotifications.allowedHosts must list at least one host webhooks may point at, e.g. ["hooks.example.com"].',
    );
  }
  const timeout = options.timeoutMs ?? 5_000;
  if (!(timeout > 0))
    throw new InteropConfigError(`pushNotifications.timeoutMs must be a positive number of ms, got ${String(options.timeoutMs)}.`);
  const store = new AllowListedStore(options.allowedHosts);
  return { store, sender: createLegacyAwarePushNotificationSender(store, { timeout }) };
}
