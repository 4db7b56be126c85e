import { and, asc, eq, isNull } from "drizzle-orm";
import { db } from "@/db/client";
import { calendarAccounts, calendars } from "@/db/schema";
import { openJson, sealJson } from "@/lib/crypto";

/** A connected account as the UI may see it: never the credentials. */
export interface AccountSummary {
  id: string;
  provider: "icloud" | "caldav" | "google" | "microsoft";
  email: string;
  serverUrl: string | null;
  sandbox: boolean;
  status: "active" | "needs_reconnect" | "disconnected";
  statusReason: string | null;
  statusChangedAt: Date;
}

const summaryColumns = {
  id: calendarAccounts.id,
  provider: calendarAccounts.provider,
  email: calendarAccounts.email,
  serverUrl: calendarAccounts.serverUrl,
  sandbox: calendarAccounts.sandbox,
  status: calendarAccounts.status,
  statusReason: calendarAccounts.statusReason,
  statusChangedAt: calendarAccounts.statusChangedAt,
};

export async function listAccounts(userId: string): Promise<AccountSummary[]> {
  return db()
    .select(summaryColumns)
    .from(calendarAccounts)
    .where(eq(calendarAccounts.userId, userId))
    .orderBy(asc(calendarAccounts.createdAt));
}

export async function getAccount(userId: string, accountId: string): Promise<AccountSummary | null> {
  const [row] = await db()
    .select(summaryColumns)
    .from(calendarAccounts)
    .where(and(eq(calendarAccounts.userId, userId), eq(calendarAccounts.id, accountId)));
  return row ?? null;
}

export async function listCalendars(userId: string, accountId: string) {
  const account = await getAccount(userId, accountId);
  if (!account) return [];
  return db().select().from(calendars).where(eq(calendars.accountId, accountId)).orderBy(asc(calendars.name));
}

export type AccountProvider = AccountSummary["provider"];

export interface ConnectedAccountInput {
  provider: AccountProvider;
  email: string;
  serverUrl?: string | null;
  externalId?: string | null;
  sandbox?: boolean;
  /** The provider's credentials (password, or OAuth tokens); sealed before storage. */
  credentials: unknown;
}

/**
 * Stores a newly connected (or reconnected) account with its credentials sealed to the row.
 * Connecting the same account again updates it and marks it active.
 */
export async function saveConnectedAccount(userId: string, input: ConnectedAccountInput): Promise<string> {
  const serverUrl = input.serverUrl ?? null;
  const [existing] = await db()
    .select({ id: calendarAccounts.id })
    .from(calendarAccounts)
    .where(
      and(
        eq(calendarAccounts.userId, userId),
        eq(calendarAccounts.provider, input.provider),
        eq(calendarAccounts.email, input.email),
        serverUrl === null ? isNull(calendarAccounts.serverUrl) : eq(calendarAccounts.serverUrl, serverUrl),
      ),
    );
  const id = existing?.id ?? crypto.randomUUID();
  const now = new Date();
  const values = {
    externalId: input.externalId ?? null,
    sandbox: input.sandbox ?? false,
    credentials: sealJson(input.credentials, id),
    status: "active" as const,
    statusReason: null,
    statusChangedAt: now,
    lastCheckedAt: now,
    updatedAt: now,
  };
  if (existing) await db().update(calendarAccounts).set(values).where(eq(calendarAccounts.id, id));
  else await db().insert(calendarAccounts).values({ id, userId, provider: input.provider, email: input.email, serverUrl, ...values });
  return id;
}

/** Opens an account's credentials. Only services and jobs call this, never a page. */
export async function readCredentials<T>(accountId: string): Promise<T | null> {
  const [row] = await db().select({ credentials: calendarAccounts.credentials }).from(calendarAccounts).where(eq(calendarAccounts.id, accountId));
  return row?.credentials ? openJson<T>(row.credentials, accountId) : null;
}

/** Replaces an account's credentials (rotated refresh token, new access token). */
export async function updateCredentials(accountId: string, credentials: unknown): Promise<void> {
  await db()
    .update(calendarAccounts)
    .set({ credentials: sealJson(credentials, accountId), updatedAt: new Date() })
    .where(eq(calendarAccounts.id, accountId));
}
