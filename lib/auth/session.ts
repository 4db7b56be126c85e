import { redirect } from "next/navigation";
import { auth } from "./index";

/** For pages and server actions of the signed-in app: the user, or a redirect to sign-in. */
export async function requireUser(callbackPath = "/dashboard") {
  const session = await auth();
  const user = session?.user;
  if (!user?.id) redirect(`/sign-in?callbackUrl=${encodeURIComponent(callbackPath)}`);
  return { id: user.id, email: user.email ?? "", name: user.name ?? null };
}
