// debian-release: tell hooks which Debian release DIB_RELEASE names, checked against the mirror
// (called by the debootstrap element's root.d scripts, after every environment.d file).
import { ConfigError, isBuilderError } from '../../errors.ts'
import { resolveRelease } from '../../element-tools/debian-release/resolve.ts'
import { releaseAssignments } from '../../element-tools/debian-release/shell-facts.ts'
import {
  lookUpPackageIndex,
  packageIndexRecord,
} from '../../element-tools/debian-release/package-index.ts'
import { readDebianSettings } from '../../element-tools/debian-release/settings.ts'

const NAME = 'debian-release'
const USAGE = `Usage: eval "$(debian-release)"
Prints DIB_DEBIAN_CODENAME, DIB_DEBIAN_SUITE, DIB_DEBIAN_VERSION, DIB_DEBIAN_RELEASE_DATE,
DIB_DEBIAN_RELEASE_EXPIRED and DIB_DEBIAN_APT_SOURCES as shell assignments, for DIB_RELEASE on
DIB_DISTRIBUTION_MIRROR (the Release file is cached in DIB_IMAGE_CACHE for DIB_OFFLINE builds).

       debian-release --package-index
Prints the package indexes a root bootstrapped now comes from, one line per apt suite
("MIRROR SUITE CODENAME DATE VERSION"): the debootstrap element records it with its tarball.`

try {
  const args = process.argv.slice(2)
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`)
  } else if (args.length === 1 && args[0] === '--package-index') {
    const release = await resolveRelease(process.env)
    const settings = readDebianSettings(process.env)
    const indexes = await lookUpPackageIndex(release.sourcesConf, settings)
    if (!Array.isArray(indexes))
      throw new ConfigError(
        `Cannot read the Release file of ${indexes.unknown.suite} on ${indexes.unknown.mirror}`,
        { hint: 'Check the network and the apt sources (DIB_APT_SOURCES_CONF)' },
      )
    process.stdout.write(`${packageIndexRecord(indexes)}\n`)
  } else if (args.length > 0) {
    process.stderr.write(`${NAME}: takes no arguments but --package-index\n${USAGE}\n`)
    process.exitCode = 2
  } else {
    const release = await resolveRelease(process.env, {
      warn: (line) => process.stderr.write(`${NAME}: warning: ${line}\n`),
    })
    process.stdout.write(releaseAssignments(release))
  }
} catch (error) {
  if (isBuilderError(error)) {
    process.stderr.write(`${NAME}: ${error.message}\n`)
    if (error.hint !== undefined) process.stderr.write(`${NAME}: ${error.hint}\n`)
    process.exitCode = error.exitCode
  } else {
    process.stderr.write(
      `${NAME}: unexpected internal error\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    )
    process.exitCode = 1
  }
}
