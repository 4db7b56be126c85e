import nodemailer, { type Transporter } from "nodemailer";
import { desc } from "drizzle-orm";
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

let transporter: Transporter | undefined;

/**
 * Sends by SMTP when `SMTP_URL` is set; otherwise writes to the local outbox (a table, printed
 * in the terminal and readable at /dev/outbox in development).
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
  await db().insert(outboxMessages).values(mail);
  console.log(`\n📬 Outbox — to: ${mail.to}\n   subject: ${mail.subject}\n${mail.text.replace(/^/gm, "   ")}\n`);
}

export function resetMailTransport() {
  transporter = undefined;
}

export async function listOutbox(limit = 50) {
  return db().select().from(outboxMessages).orderBy(desc(outboxMessages.createdAt)).limit(limit);
}
