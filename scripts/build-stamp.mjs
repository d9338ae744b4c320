// Whether dist/ was built from the sources as they are now. scripts/build.mjs
// writes the stamp as its last step (into the folder it then renames to dist/),
// so the stamp stands for every file of every module it builds, however the
// build lays them out. `npm start` and `npm test -- <suites>` (without `build`)
// rebuild when a source is newer than the stamp. Node built-ins only: it runs
// before node_modules may exist.
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const STAMP = ".build-stamp";

/** What the build reads, relative to the project root; a missing one is skipped. */
export const SOURCES = ["src", "Cargo.toml", "Cargo.lock", ".cargo/config.toml", "package-lock.json", "scripts/build.mjs"];

/** The newest modification time under `path` (a file or a folder), and which file has it. */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return { ms: stat.mtimeMs, file: path };
  let best = { ms: 0, file: path };
  for (const name of readdirSync(path)) {
    const found = newest(join(path, name));
    if (found.ms > best.ms) best = found;
  }
  return best;
}

/** `{ fresh: true }`, or `{ fresh: false, why }` naming the missing stamp or the newer source. */
export function distFreshness(root) {
  const stamp = join(root, "dist", STAMP);
  if (!existsSync(stamp)) return { fresh: false, why: `dist/${STAMP} is missing (never built, or built by an older build script)` };
  const built = statSync(stamp).mtimeMs;
  for (const source of SOURCES) {
    const path = join(root, source);
    if (!existsSync(path)) continue;
    const { ms, file } = newest(path);
    if (ms > built) return { fresh: false, why: `${file.slice(root.length + 1)} is newer than dist/` };
  }
  return { fresh: true };
}

/**
 * Marks `dir` (the build's output, before it becomes dist/) as built from the
 * sources as they were at `startedMs`, when the build began reading them: a
 * source saved during the build is then still newer than the stamp.
 */
export function writeStamp(dir, startedMs) {
  const file = join(dir, STAMP);
  writeFileSync(file, `built from the sources as of ${new Date(startedMs).toISOString()}\n`);
  utimesSync(file, startedMs / 1000, startedMs / 1000);
}
