import { describe, expect, it } from 'vitest'
import { renderTable } from '../../../src/cli/commands/farm-view.ts'
import type { BuildRecord } from '../../../src/farm/build-records.ts'

const record = (fields: Partial<BuildRecord>): BuildRecord => ({
  id: '00000000-0000-0000-0000-000000000001',
  submittedAt: new Date(0),
  submittedBy: 'me@host',
  command: '-o img vm',
  priority: 0,
  state: 'created',
  worker: null,
  attempt: 0,
  phase: null,
  errorCode: null,
  error: null,
  exitCode: null,
  outputs: [],
  startedAt: null,
  finishedAt: null,
  ...fields,
})

describe('renderTable()', () => {
  it('shows the phase of a running build, the attempts of the others, the first line of an error, the image names and the count of files beside them', () => {
    const text = renderTable([
      record({ id: 'a', state: 'active', worker: 'b1/42', attempt: 1, phase: 'phase install.d' }),
      record({
        id: 'b',
        state: 'failed',
        attempt: 3,
        errorCode: 'ERR_HOOK_FAILED',
        error: 'install.d/50-x failed\nmore',
      }),
      record({
        id: 'c',
        state: 'completed',
        worker: 'b2/7',
        attempt: 1,
        outputs: [
          { path: 'c/img.qcow2', bytes: 1 },
          { path: 'c/img.tar', bytes: 1 },
          { path: 'c/img.spdx.json', bytes: 1, beside: true },
        ],
      }),
    ])
    expect(text).toBe(
      [
        'ID  STATE      WORKER  PHASE/TRIES      ERROR                                   OUTPUTS',
        'a   active     b1/42   phase install.d  -                                       -',
        'b   failed     -       3                ERR_HOOK_FAILED: install.d/50-x failed  -',
        'c   completed  b2/7    1                -                                       img.qcow2,img.tar +1',
        '',
      ].join('\n'),
    )
  })
})
