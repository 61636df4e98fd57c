// Every file a build reports writing (images, checksums, SBOMs, element outputs): the image
// step's result is exactly these files.
import type { Reporter } from '../report/events.ts'

export interface ArtifactLog {
  readonly reporter: Reporter
  paths(): string[]
}

export function logArtifacts(inner: Reporter): ArtifactLog {
  const seen: string[] = []
  return {
    reporter: {
      emit: (event) => {
        if (event.kind === 'artifact' && !seen.includes(event.path)) seen.push(event.path)
        inner.emit(event)
      },
    },
    paths: () => [...seen],
  }
}
