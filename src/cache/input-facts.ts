// Reads what the step keys are made of from disk: element files by phase, imagewright's own
// files, the bootstrap tarball a Debian root starts from and the apt suites' Release dates.
import { existsSync } from 'node:fs'
import { readdir, readFile, readlink, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import type { BuildOptions } from '../config/build-options.ts'
import type { ResolvedRelease } from '../element-tools/debian-release/resolve.ts'
import {
  lookUpPackageIndex,
  packageIndexRecord,
} from '../element-tools/debian-release/package-index.ts'
import type { ResolvedElement } from '../elements/resolve.ts'
import { PHASE_NAMES, type PhaseName } from '../phases/phase-table.ts'
import { PACKAGE_ROOT } from '../util/package-paths.ts'
import { environmentParts } from './environment-inputs.ts'
import { baseRootParts, recordedPackageIndex, type BaseTarball } from './base-root.ts'
import { digestOf, type InputPart, type StepFacts } from './step-keys.ts'
import { readSetting } from '../config/settings.ts'
import { sha256OfFile } from '../util/file-digest.ts'
import { cloudImageParts as redhatImageParts } from '../element-tools/cloud-image/cache-input.ts'
import { planBaseImage } from '../element-tools/cloud-image/cache-state.ts'
import { ubuntuCloudImage } from '../element-tools/cloud-image/ubuntu-image.ts'

const PHASE_DIRS = new Map<string, PhaseName>(PHASE_NAMES.map((name) => [`${name}.d`, name]))

const fileDigest = sha256OfFile

/** Files this small are read whole: one read instead of a stream's round trips. */
const SMALL_FILE = 4 * 1024 * 1024
/** Files hashed at once (the keys of a no-op build are on its critical path). */
const PARALLEL_READS = 32

/** Every file below `dir` (symlinks by target, executability counts), relative path → digest. */
export async function treeDigests(dir: string): Promise<Map<string, string>> {
  const found: { rel: string; digest: () => Promise<string> }[] = []
  const walk = async (at: string): Promise<void> => {
    const entries = await readdir(at, { withFileTypes: true }).catch(() => [])
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(at, entry.name)
      const rel = relative(dir, path)
      if (entry.isDirectory()) await walk(path)
      else if (entry.isSymbolicLink())
        found.push({ rel, digest: async () => digestOf(`link:${await readlink(path)}`) })
      else if (entry.isFile())
        found.push({
          rel,
          digest: async () =>
            (await stat(path)).size <= SMALL_FILE
              ? digestOf(await readFile(path))
              : fileDigest(path),
        })
    }
  }
  await walk(dir)
  const digests: string[] = []
  for (let i = 0; i < found.length; i += PARALLEL_READS) {
    digests.push(...(await Promise.all(found.slice(i, i + PARALLEL_READS).map((f) => f.digest()))))
  }
  return new Map(found.map((f, i) => [f.rel, digests[i] ?? '']))
}

/** An element's files, each under the phase whose directory holds it ('all' for the rest). */
export async function elementFileParts(
  elements: readonly ResolvedElement[],
): Promise<Map<PhaseName | 'all', InputPart[]>> {
  const byPhase = new Map<PhaseName | 'all', InputPart[]>()
  for (const element of elements) {
    for (const [rel, digest] of await treeDigests(element.path)) {
      const phase = PHASE_DIRS.get(rel.split('/')[0] ?? '') ?? 'all'
      const list = byPhase.get(phase) ?? []
      list.push({ name: `element ${element.name}: ${rel}`, digest })
      byPhase.set(phase, list)
    }
  }
  return byPhase
}

/**
 * imagewright's code that runs (the compiled `dist`, or `src` where there is none), helper
 * commands and shell libraries.
 */
async function builderDigest(): Promise<string> {
  const parts: string[] = []
  const code = existsSync(join(PACKAGE_ROOT, 'dist')) ? 'dist' : 'src'
  const dirs = [code, 'libexec', 'lib']
  const digests = await Promise.all(dirs.map((dir) => treeDigests(join(PACKAGE_ROOT, dir))))
  for (const [i, dir] of dirs.entries())
    for (const [rel, digest] of digests[i] ?? []) parts.push(`${dir}/${rel}\0${digest}`)
  return digestOf(parts.join('\n'))
}

/** The bootstrap tarball root.d would unpack, when the build uses one: what it was made from. */
async function baseTarball(options: BuildOptions, release: ResolvedRelease): Promise<BaseTarball> {
  const tarball = join(
    options.imageCache,
    `debootstrap-${release.distro}-${release.codename}-${options.arch}.tar.gz`,
  )
  if (!existsSync(tarball)) return { kind: 'none' }
  const settings = await readFile(`${tarball}.settings`, 'utf8').catch(() => '')
  const packageIndex = recordedPackageIndex(settings)
  return packageIndex === undefined
    ? { kind: 'unrecorded', fileDigest: await fileDigest(tarball) }
    : { kind: 'recorded', packageIndex }
}

/**
 * The root the build starts from and the package indexes it installs from: the Release head
 * of every suite in the build's apt sources (a security or point release changes it). An
 * unreadable suite makes the input unknowable.
 */
async function debianRootParts(
  options: BuildOptions,
  release: ResolvedRelease | undefined,
): Promise<{ baseRoot: InputPart[]; packageIndex: InputPart[] } | 'unknown'> {
  if (release === undefined) return { baseRoot: [], packageIndex: [] }
  const usesTarball = readSetting(options.env, 'debootstrapCache') || options.offline
  const cacheDir = join(options.imageCache, 'debian-release')
  const [indexes, tarball] = await Promise.all([
    lookUpPackageIndex(release.sourcesConf, { cacheDir, offline: options.offline }),
    usesTarball ? baseTarball(options, release) : ({ kind: 'none' } as const),
  ])
  if (!Array.isArray(indexes)) return 'unknown'
  const packageIndex = indexes.map(({ suite, facts }) => ({
    name: `package index ${suite.suite}`,
    digest: digestOf(`${facts.codename}\n${facts.date}\n${facts.version ?? ''}`),
  }))
  const baseRoot = baseRootParts({
    codename: release.codename,
    usesTarball,
    tarball,
    currentPackageIndex: packageIndexRecord(indexes),
  })
  return { baseRoot, packageIndex }
}

/**
 * The cloud image the ubuntu element unpacks: the checksum published for it today (the cached
 * list offline), so a new image upstream invalidates the root, which root.d alone would see.
 */
async function cloudImageParts(
  options: BuildOptions,
  elements: readonly ResolvedElement[],
): Promise<InputPart[] | 'unknown'> {
  if (!elements.some((e) => e.name === 'ubuntu')) return []
  const spec = ubuntuCloudImage({
    ...options.env,
    ARCH: options.arch,
    DIB_IMAGE_CACHE: options.imageCache,
  })
  if (spec.localImage !== undefined)
    return existsSync(spec.localImage)
      ? [{ name: 'base image DIB_LOCAL_IMAGE', digest: await fileDigest(spec.localImage) }]
      : 'unknown'
  const planned = await planBaseImage(spec, options.offline)
  return planned.sha256 === undefined
    ? 'unknown'
    : [{ name: `base image ${spec.file}`, digest: digestOf(planned.sha256) }]
}

function optionParts(values: Record<string, unknown>): InputPart[] {
  return Object.entries(values).map(([name, value]) => ({
    name: `option ${name}`,
    digest: digestOf(JSON.stringify(value) ?? 'undefined'),
  }))
}

export type FactsOutcome =
  { readonly ok: true; readonly facts: StepFacts } | { readonly ok: false; readonly reason: string }

export async function gatherStepFacts(
  options: BuildOptions,
  elements: readonly ResolvedElement[],
  release: ResolvedRelease | undefined,
  salt: string,
): Promise<FactsOutcome> {
  const [debianRoot, builder, elementFiles, cloudImage, redhatImage] = await Promise.all([
    debianRootParts(options, release),
    builderDigest(),
    elementFileParts(elements),
    cloudImageParts(options, elements),
    redhatImageParts(
      elements.map((e) => e.name),
      options.env,
    ),
  ])
  if ('unknown' in redhatImage) return { ok: false, reason: redhatImage.unknown }
  if (cloudImage === 'unknown')
    return {
      ok: false,
      reason: 'the base image has no published checksum to read, so a new image could not be told',
    }
  if (debianRoot === 'unknown')
    return {
      ok: false,
      reason: 'the apt suites cannot be read, so a changed package index could not be told',
    }
  const o = options
  return {
    ok: true,
    facts: {
      builder,
      elementFiles,
      environment: environmentParts(options.env, salt),
      treeOptions: optionParts({
        elements: elements.map((e) => e.name),
        arch: o.arch,
        packages: o.packages,
        imageName: o.imageName,
        installType: o.installType,
        skipBase: o.skipBase,
        ramdiskElement: o.ramdiskElement,
      }),
      imageOptions: optionParts({
        imageTypes: o.imageTypes,
        uncompressed: o.uncompressed,
        checksums: o.checksums,
        imageSizeBytes: o.imageSizeBytes,
        imageExtraSizeMiB: o.imageExtraSizeMiB,
        maxOnlineResize: o.maxOnlineResize,
        journalSizeMiB: o.journalSizeMiB,
        mkfsOptions: o.mkfsOptions,
        qemuImgOptions: o.qemuImgOptions,
        rootLabel: o.rootLabel,
        fsType: o.fsType,
        dockerTarget: o.dockerTarget,
        blockDeviceConfig:
          o.blockDeviceConfig === undefined ? undefined : await configDigest(o.blockDeviceConfig),
        blockSize: o.blockSize,
        uuidSeed: o.uuidSeed,
      }),
      baseRoot: [
        ...debianRoot.baseRoot,
        ...cloudImage,
        ...redhatImage.map((part) => ({ name: part.name, digest: digestOf(part.identity) })),
      ],
      packageIndex: debianRoot.packageIndex,
    },
  }
}

/** DIB_BLOCK_DEVICE_CONFIG is YAML or file://PATH: the file's content counts, not its name. */
async function configDigest(config: string): Promise<string> {
  if (!config.startsWith('file://')) return digestOf(config)
  return digestOf(
    await readFile(config.slice('file://'.length)).catch(() => Buffer.from(`missing ${config}`)),
  )
}
