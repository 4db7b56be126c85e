import { NextResponse, type NextRequest } from "next/server";
import { serve } from "inngest/next";
import { inngest } from "@/inngest/client";
import { functions } from "@/inngest/functions";
import { config } from "@/lib/config";

/**
 * Inngest calls the functions here when it is configured (INNGEST_DEV, or event + signing keys).
 * Without it the same functions run in-process (server/compose.ts installs the local runner) and this
 * route says so instead of failing the way the SDK does with no server and no keys.
 */
const handlers = serve({ client: inngest, functions });

function viaInngest(handler: (req: NextRequest, ctx: unknown) => Promise<Response>) {
  return (req: NextRequest, ctx: unknown) =>
    config().jobs === "inngest"
      ? handler(req, ctx)
      : Promise.resolve(NextResponse.json({ jobs: "local", message: "No Inngest server is configured; background jobs run in this process." }, { status: 404 }));
}

export const GET = viaInngest(handlers.GET);
export const POST = viaInngest(handlers.POST);
export const PUT = viaInngest(handlers.PUT);
