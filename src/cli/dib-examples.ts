// The examples under `disk-image-create --help` and `imagewright build --help`.
import type { Example } from './help-examples.ts'

export function dibExamples(program: string): readonly Example[] {
  return [
    [
      `${program} -o debian debian-minimal vm`,
      'a Debian image as debian.qcow2 (MBR disk, BIOS boot)',
    ],
    [
      `${program} -t tar,raw,qcow2 -o out debian-minimal vm`,
      'the same tree as out.tar, out.raw and out.qcow2',
    ],
    [
      `FS_TYPE=xfs ${program} -o efi debian-minimal vm block-device-efi`,
      'an xfs root on a GPT disk that boots with UEFI (efi.qcow2)',
    ],
    [
      `ELEMENTS_PATH=~/my-elements ${program} -o app debian-minimal vm my-app`,
      'add your own element from ~/my-elements/my-app',
    ],
    [
      `${program} --boot-test --html-report build.html -o debian debian-minimal vm`,
      'fail unless the image boots to a login prompt; write a report of the build',
    ],
    [
      `break=after-error ${program} -o debian debian-minimal vm`,
      'open a shell inside the build when a hook script fails',
    ],
  ]
}
