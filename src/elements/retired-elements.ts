// Elements DIB once had for distribution releases that are gone: asking for one gets the
// current equivalent instead of "not found". Pure.

const CENTOS =
  'CentOS 7 is end of life and its cloud images are gone: use the centos element with DIB_RELEASE=9-stream (CentOS Stream 9), or rocky/almalinux with DIB_RELEASE=9'

const RETIRED: Readonly<Record<string, string>> = {
  centos7: CENTOS,
  rhel7: 'RHEL 7 is end of life: use the rhel element with DIB_RELEASE=9 and DIB_LOCAL_IMAGE',
}

/** Why `name` is no element any more and what replaces it, or undefined. */
export function retiredElement(name: string): string | undefined {
  return RETIRED[name]
}
