/**
 * Prints the import graph's figures for the app's own code (test files, e2e and benches left
 * out): files in circles (runtime imports; `import type` does not load anything), imports that run
 * against the layer rule written in README.md's "Layout", and dynamic `import()`s.
 *
 *   npm run deps:graph            # figures and the offending edges
 *   npm run deps:graph -- --json  # the same as JSON
 *   npm run deps:graph -- --root /path/to/checkout
 *
 * The lint rule (eslint.config.mjs, import-x/no-cycle and import-x/no-restricted-paths) fails on
 * the same things; this command counts them, e.g. to compare two checkouts.
 */
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { layers } from "../eslint.config.mjs";

const args = process.argv.slice(2);
const json = args.includes("--json");
const rootArg = args.indexOf("--root");
const root = path.resolve(rootArg >= 0 ? args[rootArg + 1] : process.cwd());

const SKIP_DIRS = new Set(["node_modules", ".next", ".data", "e2e", "test", "bench", "docs", "test-results", "playwright-report", ".git"]);

function walk(dir: string, out: string[]) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith(".")) walk(path.join(dir, entry.name), out);
    } else if (/\.(ts|tsx)$/.test(entry.name) && !/\.(test|spec)\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
      out.push(path.join(dir, entry.name));
    }
  }
}

function resolve(from: string, spec: string): string | null {
  let base: string;
  if (spec.startsWith("@/")) base = path.join(root, spec.slice(2));
  else if (spec.startsWith(".")) base = path.resolve(path.dirname(from), spec);
  else return null;
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts"), path.join(base, "index.tsx")]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return null;
}

interface Edge {
  from: string;
  to: string;
  kind: "static" | "type" | "dynamic";
}

const files: string[] = [];
walk(root, files);
const edges: Edge[] = [];
for (const file of files) {
  const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly = ts.isImportDeclaration(node) ? node.importClause?.isTypeOnly === true : node.isTypeOnly;
      const to = resolve(file, node.moduleSpecifier.text);
      if (to) edges.push({ from: file, to, kind: typeOnly ? "type" : "static" });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      const to = arg && ts.isStringLiteralLike(arg) ? resolve(file, arg.text) : null;
      if (to) edges.push({ from: file, to, kind: "dynamic" });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

const rel = (f: string) => path.relative(root, f).split(path.sep).join("/");

// Circles: strongly connected components over runtime imports (static and dynamic: a lazy
// import that closes a circle is still a circle).
const runtime = new Map<string, string[]>();
for (const e of edges) if (e.kind !== "type") runtime.set(e.from, [...(runtime.get(e.from) ?? []), e.to]);
let index = 0;
const idx = new Map<string, number>();
const low = new Map<string, number>();
const stack: string[] = [];
const onStack = new Set<string>();
const circles: string[][] = [];
function strong(v: string) {
  idx.set(v, index);
  low.set(v, index++);
  stack.push(v);
  onStack.add(v);
  for (const w of runtime.get(v) ?? []) {
    if (!idx.has(w)) {
      strong(w);
      low.set(v, Math.min(low.get(v)!, low.get(w)!));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
  }
  if (low.get(v) === idx.get(v)) {
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(rel(w));
    } while (w !== v);
    if (component.length > 1 || (runtime.get(v) ?? []).includes(v)) circles.push(component.sort());
  }
}
for (const f of files) if (!idx.has(f)) strong(f);

// The layer rule (README "Layout"), as the lint rule states it: each zone lists what the files
// under `target` must not import.
const zones = layers.map((z) => ({ targets: [z.target].flat(), from: z.from }));
const upward: string[] = [];
for (const e of edges) {
  const from = rel(e.from);
  const to = rel(e.to);
  const under = (file: string, dir: string) => file === dir || file.startsWith(`${dir}/`);
  for (const z of zones) {
    if (!z.targets.some((t) => under(from, t))) continue;
    if (z.from.some((f) => under(to, f))) upward.push(`${from} -> ${to}${e.kind === "static" ? "" : ` (${e.kind})`}`);
  }
}
const uniqueUpward = [...new Set(upward)].sort();

const dynamic = edges.filter((e) => e.kind === "dynamic");
const dynamicIn = (prefix: string) => dynamic.filter((e) => rel(e.from).startsWith(prefix)).length;
const figures = {
  files: files.length,
  imports: edges.length,
  circles: circles.length,
  filesInCircles: circles.reduce((n, c) => n + c.length, 0),
  largestCircle: Math.max(0, ...circles.map((c) => c.length)),
  upwardImports: uniqueUpward.length,
  dynamicImports: dynamic.length,
  dynamicImportsInLib: dynamicIn("lib/"),
};

if (json) {
  console.log(JSON.stringify({ ...figures, circleFiles: circles, upward: uniqueUpward, dynamic: dynamic.map((e) => `${rel(e.from)} -> ${rel(e.to)}`) }, null, 2));
} else {
  console.log(`import graph of ${rel(root) || "."}: ${figures.files} files, ${figures.imports} imports`);
  console.log(`  circles:          ${figures.circles} (${figures.filesInCircles} files; largest ${figures.largestCircle})`);
  console.log(`  upward imports:   ${figures.upwardImports}`);
  console.log(`  dynamic imports:  ${figures.dynamicImports} (${figures.dynamicImportsInLib} in lib)`);
  for (const c of circles) console.log(`  circle: ${c.join(", ")}`);
  for (const u of uniqueUpward) console.log(`  upward: ${u}`);
  for (const d of dynamic) console.log(`  dynamic: ${rel(d.from)} -> ${rel(d.to)}`);
}
