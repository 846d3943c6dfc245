import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar';
import { readZipEntry } from './zip-entry.ts';

/**
 * Cedar's generated integration corpus (thousands of fuzzer-made policy sets, schemas, entity
 * files and requests with Cedar's answers), as cedar-go ships it in its Go module. The module
 * zip is fetched from the Go module proxy at a pinned version and checked against a pinned
 * SHA-256 (the same bytes `go mod download` verifies), then unpacked once into the cache.
 */
export const CEDAR_GO_VERSION = 'v1.9.2';
const MODULE_ZIP_SHA256 = 'e5307620b4202fcc113b1a266130439274ee0bbaa4f13aab7ad33c646c45d204';
const MODULE_URL = `https://proxy.golang.org/github.com/cedar-policy/cedar-go/@v/${CEDAR_GO_VERSION}.zip`;
const CORPUS_ENTRY = `github.com/cedar-policy/cedar-go@${CEDAR_GO_VERSION}/corpus-tests.tar.gz`;

function cacheDir(): string {
  return join(process.env.GATEHOUSE_CACHE ?? join(homedir(), '.cache', 'gatehouse'), 'cedar-corpus', CEDAR_GO_VERSION);
}

/** The directory holding `corpus-tests/<hash>.json` and its files; downloads on first use. */
export async function generatedCorpusRoot(): Promise<string> {
  const root = cacheDir();
  if (existsSync(join(root, 'corpus-tests'))) return root;
  const response = await fetch(MODULE_URL);
  if (!response.ok) throw new Error(`cannot fetch the Cedar corpus from ${MODULE_URL}: HTTP ${response.status}`);
  const zip = Buffer.from(await response.arrayBuffer());
  const digest = createHash('sha256').update(zip).digest('hex');
  if (digest !== MODULE_ZIP_SHA256) throw new Error(`${MODULE_URL}: SHA-256 ${digest}, expected ${MODULE_ZIP_SHA256}`);
  const staging = `${root}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const archive = join(staging, 'corpus-tests.tar.gz');
  writeFileSync(archive, readZipEntry(zip, CORPUS_ENTRY));
  // macOS resource forks (`._name`) ride along in the archive; they are not tests.
  await extract({ file: archive, cwd: staging, filter: (path) => !path.split('/').some((part) => part.startsWith('._')) });
  rmSync(archive);
  mkdirSync(join(root, '..'), { recursive: true });
  try {
    renameSync(staging, root);
  } catch (error) {
    // Another test process unpacked it first.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(join(root, 'corpus-tests'))) throw error;
  }
  return root;
}

/**
 * A fixed, seeded sample of `count` test files (`corpus-tests/<hash>.json`), the same on
 * every run: the hashes are ordered by a keyed hash, so the sample is spread over the corpus
 * and independent of how the files were named or listed.
 */
export function sampleCorpusTests(root: string, count: number, seed: string): string[] {
  const names = readdirSync(join(root, 'corpus-tests')).filter((name) => /^[0-9a-f]{40}\.json$/.test(name));
  const rank = (name: string) => createHash('sha256').update(`${seed}:${name}`).digest('hex');
  return names
    .map((name) => ({ name, key: rank(name) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, count)
    .map(({ name }) => `corpus-tests/${name}`);
}
