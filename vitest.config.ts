import { defineConfig } from 'vitest/config'
import { LongestFirstSequencer } from './test/longest-first.ts'

export default defineConfig({
  test: {
    // Longest files first (test/longest-first.ts), so the system tier's two workers end together.
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Every build a test starts runs every step, unless the test is about the step cache
          // (it sets IMAGEWRIGHT_NO_CACHE=0): a reused step would skip the phase a test waits for.
          env: { IMAGEWRIGHT_NO_CACHE: '1' },
        },
      },
      {
        test: {
          name: 'system',
          include: ['test/system/**/*.test.ts'],
          testTimeout: 1_800_000,
          hookTimeout: 1_800_000,
          env: { IMAGEWRIGHT_NO_CACHE: '1' },
          // Two files at a time (scripts/test.sh sets --maxWorkers=2): builds spend much of their
          // time waiting on disk and network, so two share the 2-core machine well; every test
          // checks the host only below its own TMPDIR, so they do not see each other.
          fileParallelism: true,
        },
      },
    ],
  },
})
