import type { Mail } from "../transport";

export function signInMail(to: string, url: string): Mail {
  const host = new URL(url).host;
  return {
    to,
    subject: "Your Hetk sign-in link",
    text: `Sign in to Hetk by opening this link:\n\n${url}\n\nThe link works once and expires in 24 hours. If you did not ask for it, ignore this email; nobody can sign in without it.\n\n— Hetk (${host})`,
    html: `<p>Sign in to Hetk by opening this link:</p><p><a href="${url}">Sign in to Hetk</a></p><p>The link works once and expires in 24 hours. If you did not ask for it, ignore this email; nobody can sign in without it.</p>`,
  };
}
