// The build's outputs: tree formats while the final filesystems are mounted, disk formats
// from the raw image once they are not.
import type { BuildOptions } from '../config/build-options.ts'
import { resolveImageName } from '../output/naming.ts'
import { findTool } from '../host/host-tools.ts'
import type { OutputRequest } from '../output/output-session.ts'
import { writeDiskOutputs, writeTreeOutputs } from '../output/write-outputs.ts'
import type { BuildContext } from './context.ts'
import { readSetting } from '../config/settings.ts'

function outputRequest(options: BuildOptions): OutputRequest {
  return {
    imageName: resolveImageName(options.imageName, options.imageTypes),
    types: options.imageTypes,
    uncompressed: options.uncompressed,
    qemuImgOptions: options.qemuImgOptions,
    qcowCompression: readSetting(options.env, 'qcow2Compression'),
    checksums: options.checksums,
    overwrite: options.overwriteOldImage,
    gzipBin: readSetting(options.env, 'gzipBin'),
    sourceDateEpoch: readSetting(options.env, 'sourceDateEpoch'),
    ociTag: options.dockerTarget,
    arch: options.arch,
    // The raw image is thrown away with the workspace: move it rather than copy it.
    consumeRawImage: true,
  }
}

export async function writeTreeArtifacts(ctx: BuildContext, rootTree: string): Promise<string[]> {
  const request = outputRequest(ctx.options)
  // pigz compresses on every core; its output is the same from run to run on one host
  const gzipBin = request.gzipBin || ((await findTool('pigz')) === undefined ? undefined : 'pigz')
  const artifacts = await writeTreeOutputs({ ...request, gzipBin, rootTree }, ctx)
  return artifacts.map((a) => a.path)
}

export async function writeDiskArtifacts(
  ctx: BuildContext,
  rawImagePath: string,
): Promise<string[]> {
  const artifacts = await writeDiskOutputs({ ...outputRequest(ctx.options), rawImagePath }, ctx)
  return artifacts.map((a) => a.path)
}
