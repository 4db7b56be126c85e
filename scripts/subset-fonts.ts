/**
 * npm run fonts
 *
 * Writes the site's two typefaces, Geist and Geist Mono (from the installed `geist` package, SIL
 * Open Font License, no reserved names), cut down to the characters a page can show: Latin with
 * its accented letters (names in event titles) and the punctuation and symbols the copy uses. The
 * variable weight axis stays. Geist goes from 69 KB to 36 KB, and every page preloads it, so on a
 * phone's connection the first paint waits for half as many bytes. A character outside the set
 * falls back to the system font, as any missing glyph does.
 *
 * The output is committed (app/fonts); run this again after upgrading `geist` or when the copy
 * needs a character outside the ranges below.
 */
import { copyFile, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import subsetFont from "subset-font";
import { argsOrHelp } from "./usage";

argsOrHelp("fonts", "npm run fonts\n\nCuts Geist and Geist Mono down to the characters the site shows and writes them to app/fonts.", {});

const RANGES: Array<[number, number]> = [
  [0x20, 0x7e], // Basic Latin
  [0xa0, 0x17f], // Latin-1 Supplement, Latin Extended-A
  [0x2010, 0x2027], // dashes, quotation marks, bullets, ellipsis
  [0x2030, 0x203a], // per mille, primes, single angle quotation marks
  [0x20ac, 0x20ac], // euro
  [0x2122, 0x2122], // trade mark
  [0x2190, 0x2195], // arrows
  [0x2212, 0x2212], // minus
  [0x2260, 0x2265], // ≠ ≤ ≥
  [0x2713, 0x2715], // check and cross marks
];
const characters = RANGES.flatMap(([from, to]) => Array.from({ length: to - from + 1 }, (_, i) => String.fromCodePoint(from + i))).join("");

const source = path.join("node_modules", "geist", "dist", "fonts");
const target = path.join("app", "fonts");
for (const [from, to] of [
  ["geist-sans/Geist-Variable.woff2", "Geist-Variable.woff2"],
  ["geist-mono/GeistMono-Variable.woff2", "GeistMono-Variable.woff2"],
]) {
  const original = await readFile(path.join(source, from));
  const subset = await subsetFont(original, characters, { targetFormat: "woff2" });
  await writeFile(path.join(target, to), subset);
  console.log(`${to}: ${(original.length / 1024).toFixed(1)} KB → ${(subset.length / 1024).toFixed(1)} KB`);
}
await copyFile(path.join("node_modules", "geist", "LICENSE.txt"), path.join(target, "LICENSE.txt"));
