// Element tools read the build's settings from the environment the core gives hook scripts, so
// every pure function here takes that environment as a plain record instead of process.env.

export type ToolEnv = Readonly<Record<string, string | undefined>>

/** A setting's value, treating an empty string as unset as DIB's `${VAR:-default}` does. */
export function readSetting(env: ToolEnv, name: string): string | undefined {
  const value = env[name]
  return value === undefined || value === '' ? undefined : value
}
