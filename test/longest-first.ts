// The order test files start in: longest first, so that the two system-test workers end
// together. vitest hands the next queued file to whichever worker is free; its own order (the
// timings of the last local run, else the larger file first) has no timings in CI, where a
// 25-minute file could start last and run alone. Longest-processing-time-first from a static
// table needs nothing from a previous run and is within a few percent of the best packing.
import { relative } from 'node:path'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * Seconds each system file took, measured two files at a time on the 2-core machine (CI and
 * helper runs, December 2026; the middle of the range where runs differed). Only the order
 * matters: update a row when a file's time changes by much; a file not listed starts first.
 */
export const SYSTEM_FILE_SECONDS: Readonly<Record<string, number>> = {
  'test/system/boot-matrix.test.ts': 850,
  'test/system/rootfs-ramdisk.test.ts': 1180,
  'test/system/seed-scripts.test.ts': 820,
  'test/system/debian-releases.test.ts': 200,
  'test/system/farm.test.ts': 200,
  'test/system/dib-tree.test.ts': 700,
  'test/system/debian-vm.test.ts': 700,
  'test/system/exit-paths.test.ts': 480,
  'test/system/fault-injection.test.ts': 460,
  'test/system/ramdisk-iso.test.ts': 360,
  'test/system/report-sbom.test.ts': 100,
  'test/system/dib-options.test.ts': 255,
  'test/system/redhat-cloud-image.test.ts': 190,
  'test/system/customize.test.ts': 180,
  'test/system/bad-input.test.ts': 150,
  'test/system/ubuntu-cloud-image.test.ts': 175,
  'test/system/host-os-build.test.ts': 140,
  'test/system/reproducible-image.test.ts': 130,
  'test/system/root-safety.test.ts': 120,
  'test/system/cloud-elements.test.ts': 85,
  'test/system/step-cache.test.ts': 80,
  'test/system/element-contract.test.ts': 27,
}

/**
 * `files` longest first by `seconds`; a file the table does not know comes before every known
 * one (it may be long), and files of equal weight keep their order.
 */
export function longestFirst<T>(
  files: readonly T[],
  path: (file: T) => string,
  seconds: Readonly<Record<string, number>> = SYSTEM_FILE_SECONDS,
): T[] {
  const weight = (file: T): number => seconds[path(file)] ?? Number.POSITIVE_INFINITY
  return files
    .map((file, index) => ({ file, index, weight: weight(file) }))
    .sort((a, b) => (a.weight === b.weight ? a.index - b.index : b.weight - a.weight))
    .map(({ file }) => file)
}

/** vitest's order (projects one after another), then longest first within each project. */
export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const byProject = new Map<string, TestSpecification[]>()
    for (const spec of await super.sort(files)) {
      const group = byProject.get(spec.project.name) ?? []
      group.push(spec)
      byProject.set(spec.project.name, group)
    }
    const root = this.ctx.config.root
    return [...byProject.values()].flatMap((group) =>
      longestFirst(group, (spec) => relative(root, spec.moduleId)),
    )
  }
}
