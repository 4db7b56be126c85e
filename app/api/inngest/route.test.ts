import { NextRequest } from "next/server";
import { afterEach, describe, expect, it } from "vitest";
import { resetConfig } from "@/lib/config";
import { functions } from "@/inngest/functions";
import { GET } from "./route";

const saved = { INNGEST_DEV: process.env.INNGEST_DEV, INNGEST_EVENT_KEY: process.env.INNGEST_EVENT_KEY };

afterEach(() => {
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
  resetConfig();
});

describe("/api/inngest", () => {
  it("says jobs run in-process when no Inngest is configured", async () => {
    delete process.env.INNGEST_DEV;
    delete process.env.INNGEST_EVENT_KEY;
    resetConfig();
    const res = await GET(new NextRequest("http://localhost:3000/api/inngest"), {});
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ jobs: "local" });
  });

  it("serves the functions to an Inngest dev server when INNGEST_DEV is set", async () => {
    process.env.INNGEST_DEV = "1";
    resetConfig();
    const res = await GET(new NextRequest("http://localhost:3000/api/inngest"), {});
    expect(res.status).toBe(200);
    const body = (await res.json()) as { function_count?: number; mode?: string };
    expect(body.function_count).toBe(functions.length);
  });
});
