import { NextResponse } from "next/server";
import { healthReport } from "@/lib/services/health";

export const dynamic = "force-dynamic";

export async function GET() {
  const report = await healthReport();
  return NextResponse.json(report, { status: report.status === "ok" ? 200 : 503 });
}
