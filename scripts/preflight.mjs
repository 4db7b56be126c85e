#!/usr/bin/env node
// Checks the Debian packages the tests need and installs the missing ones when it can (root).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const debianPackages = [
  { pkg: "chromium", check: "/usr/bin/chromium" },
  { pkg: "postgresql", check: "/usr/lib/postgresql" },
  { pkg: "radicale", check: "/usr/bin/radicale" },
  { pkg: "xandikos", check: "/usr/bin/xandikos" },
  { pkg: "vdirsyncer", check: "/usr/bin/vdirsyncer" },
];

export function preflight() {
  const missing = debianPackages.filter((p) => !existsSync(p.check)).map((p) => p.pkg);
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y ${missing.join(" ")}`;
  if (process.getuid?.() !== 0) {
    console.error(`\nThe tests need Debian packages that are missing: ${missing.join(", ")}.\nRun:\n\n  sudo sh -c '${command}'\n`);
    process.exit(1);
  }
  console.log(`preflight: installing ${missing.join(", ")} …`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-q"], { stdio: "inherit", env });
  const res = spawnSync("apt-get", ["install", "-y", "-q", ...missing], { stdio: "inherit", env });
  if (res.status !== 0) {
    console.error(`preflight: apt-get failed. Run by hand: ${command}`);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) preflight();
