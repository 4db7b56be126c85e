import { z } from "zod";
import { pushRefresh } from "@/lib/jobs/events";
import { log } from "@/lib/log";
import { parseNotifications } from "@/lib/providers/microsoft/notifications";
import { readJsonCapped } from "@/lib/security/body";
import { clientKey } from "@/lib/security/client";
import { consume, isExhausted, limits } from "@/lib/security/rate-limit";
import { type JobEvent, sendJobEvents, syncRequestEvent } from "./jobs";
import { microsoftSubscription, syncsToWake, verifyGoogleNotification } from "./push";

/**
 * Push notifications turned into jobs. Both handlers answer fast: they verify, queue events and
 * return; the sync passes run in the background.
 */

async function wake(calendarIds: Iterable<string>, trigger: "push" | "resync", full = false): Promise<JobEvent[]> {
  const events: JobEvent[] = [];
  const seen = new Set<string>();
  for (const calendarId of calendarIds) {
    for (const syncId of await syncsToWake(calendarId)) {
      if (seen.has(syncId)) continue;
      seen.add(syncId);
      events.push(await syncRequestEvent(syncId, trigger, full ? { full } : {}));
    }
  }
  return events;
}

/**
 * Limits for the unauthenticated webhook endpoints. Graph batches notifications but keeps a POST
 * small (a notification is well under 1 KB without resource data, which Hetk does not ask for).
 */
export const WEBHOOK_LIMITS = { maxBytes: 256 * 1024, maxItems: 100 } as const;

/**
 * Every webhook answer goes through here: a refusal (4xx) counts against the source, and a source
 * past its allowance of refusals is answered 429 before any lookup.
 */
async function guarded(headers: Headers, handle: () => Promise<number>): Promise<number> {
  const source = clientKey(headers);
  if (await isExhausted(limits.webhookRefusalsPerClient, source)) return 429;
  const status = await handle();
  if (status >= 400) await consume(limits.webhookRefusalsPerClient, source);
  return status;
}

/** Returns the HTTP status for Google: 2xx acknowledges; anything we did not make gets 401. */
export function handleGoogleNotification(headers: Headers): Promise<number> {
  return guarded(headers, () => googleNotification(headers));
}

async function googleNotification(headers: Headers): Promise<number> {
  const channelId = headers.get("x-goog-channel-id");
  if (!channelId) return 400;
  const channel = await verifyGoogleNotification({
    channelId,
    token: headers.get("x-goog-channel-token"),
    resourceId: headers.get("x-goog-resource-id"),
  });
  if (!channel) {
    log.warn("google notification rejected", { channelId });
    return 401;
  }
  // "sync" only announces a new channel; "exists" / "not_exists" mean something changed.
  if (headers.get("x-goog-resource-state") === "sync") return 204;
  await sendJobEvents(await wake([channel.calendarId], "push"));
  return 204;
}

const graphBody = z.object({ value: z.array(z.unknown()) });

/**
 * A Graph notification POST (the validation handshake is answered by the route before this). The
 * body is capped at WEBHOOK_LIMITS.maxBytes and maxItems (413 past either) before it is parsed.
 */
export function receiveMicrosoftNotification(request: Request): Promise<number> {
  return guarded(request.headers, async () => {
    const body = await readJsonCapped(request, WEBHOOK_LIMITS.maxBytes);
    if (!body.ok) return body.status;
    return handleMicrosoftNotification(body.value);
  });
}

/**
 * Graph change and lifecycle notifications (several per POST). Each must carry the clientState
 * of a subscription we made, else it is ignored. Change → pass of the calendar's syncs;
 * reauthorizationRequired → renew now; subscriptionRemoved → recreate it and resync completely;
 * missed → complete resync. Returns 202 (accepted); 400 for a body that is not a notification batch,
 * 401 when no notification in it carries a clientState of ours.
 */
async function handleMicrosoftNotification(body: unknown): Promise<number> {
  const batch = graphBody.safeParse(body);
  if (!batch.success) return 400;
  if (batch.data.value.length > WEBHOOK_LIMITS.maxItems) return 413;
  const known = new Map<string, { channelRowId: string; calendarId: string }>();
  // One indexed lookup (and at most one decryption) per distinct subscription in the batch: an
  // unknown id is refused by the lookup alone, and repeating a known id costs nothing more.
  const secrets = new Map<string, Promise<string | null>>();
  const { accepted, rejected } = await parseNotifications(body, (subscriptionId) => {
    if (!secrets.has(subscriptionId)) {
      secrets.set(
        subscriptionId,
        microsoftSubscription(subscriptionId).then((sub) => {
          if (sub) known.set(subscriptionId, sub);
          return sub?.secret ?? null;
        }),
      );
    }
    return secrets.get(subscriptionId)!;
  });
  if (rejected) log.warn("graph notifications rejected", { rejected });
  // Nothing in the batch carried a clientState of ours: a forgery or a subscription we dropped.
  if (rejected && accepted.length === 0) return 401;
  const changed = new Set<string>();
  const resync = new Set<string>();
  const events: JobEvent[] = [];
  for (const n of accepted) {
    const channel = known.get(n.subscriptionId);
    if (!channel) continue;
    if (n.kind === "change") {
      changed.add(channel.calendarId);
      continue;
    }
    switch (n.lifecycleEvent) {
      case "reauthorizationRequired":
        events.push({ name: pushRefresh.name, data: { channelRowId: channel.channelRowId, reason: "reauthorize" } });
        break;
      case "subscriptionRemoved":
        events.push({ name: pushRefresh.name, data: { channelRowId: channel.channelRowId, reason: "removed" } });
        resync.add(channel.calendarId);
        break;
      case "missed":
        resync.add(channel.calendarId);
        break;
    }
  }
  for (const id of resync) changed.delete(id);
  events.push(...(await wake(changed, "push")), ...(await wake(resync, "resync", true)));
  await sendJobEvents(events);
  return 202;
}
