import { buildBlogFeed } from "@/lib/content/feed";

export const dynamic = "force-static";

export function GET() {
  return new Response(buildBlogFeed(), { headers: { "Content-Type": "application/atom+xml; charset=utf-8" } });
}
