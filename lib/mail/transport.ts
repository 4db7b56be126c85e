import nodemailer, { type Transporter } from "nodemailer";
import { desc, lt } from "drizzle-orm";
import { db } from "@/db/client";
import { outboxMessages } from "@/db/schema";
import { config } from "@/lib/config";
import { log } from "@/lib/log";

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** How long the outbox keeps a message: a sign-in link is dead after this (lib/auth maxAge). */
export const OUTBOX_KEEP_MS = 24 * 60 * 60_000;

let transporter: Transporter | undefined;

/**
 * Sends by SMTP when `SMTP_URL` is set; otherwise writes to the local outbox (a table, readable at
 * /dev/outbox in development and in an explicit OFFLINE_DEMO). The outbox keeps a message for a
 * day (a sign-in link's life); no message body is ever written to the log, only who it is for and
 * its subject.
 */
export async function sendMail(input: Mail | Promise<Mail>): Promise<void> {
  // Templates render asynchronously; accepting the promise keeps call sites one line.
  const mail = await input;
  const cfg = config();
  if (cfg.SMTP_URL) {
    transporter ??= nodemailer.createTransport(cfg.SMTP_URL);
    await transporter.sendMail({ from: cfg.MAIL_FROM, ...mail });
    log.info("mail sent", { to: mail.to, subject: mail.subject });
    return;
  }
  if (!cfg.outboxVisible) throw new Error(cfg.mailProblem ?? "No mail server is configured.");
  await db().delete(outboxMessages).where(lt(outboxMessages.createdAt, new Date(Date.now() - OUTBOX_KEEP_MS)));
  await db().insert(outboxMessages).values({ to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
  log.info("mail kept in the outbox", { to: mail.to, subject: mail.subject, read: `${cfg.appUrl}/dev/outbox` });
}

export function resetMailTransport() {
  transporter = undefined;
}

export async function listOutbox(limit = 50) {
  return db().select().from(outboxMessages).orderBy(desc(outboxMessages.createdAt)).limit(limit);
}
