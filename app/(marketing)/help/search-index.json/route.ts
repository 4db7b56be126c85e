import { buildSearchIndex } from "@/lib/content/search-index";

export const dynamic = "force-static";

/** The MiniSearch index of every help section, serialised once at build time. */
export async function GET() {
  return Response.json(await buildSearchIndex());
}
