// Decide which rules of a package apply to this build: install type of the element, ARCH,
// DIB_PYTHON_VERSION and `when` conditions. `when` is checked for every rule, as DIB does, so a
// condition on a variable nobody sets fails the build on every architecture, not just some.
import { ConfigError } from '../../errors.ts'
import { readSetting, type ToolEnv } from '../tool-env.ts'
import type { PackageEntry, PackageOp, PackageRule, WhenClause } from './params.ts'

export interface RuleContext {
  readonly env: ToolEnv
  readonly element: string
  readonly file: string
}

export interface SelectedRule {
  readonly phase: string
  readonly op: PackageOp
}

/** DIB_INSTALLTYPE_<element, '-' → '_'>, else DIB_DEFAULT_INSTALLTYPE, else "source". */
export function findInstallType(element: string, env: ToolEnv): string {
  return (
    readSetting(env, `DIB_INSTALLTYPE_${element.replaceAll('-', '_')}`) ??
    readSetting(env, 'DIB_DEFAULT_INSTALLTYPE') ??
    'source'
  )
}

export function selectRules(entry: PackageEntry, ctx: RuleContext): SelectedRule[] {
  return entry.rules
    .filter((rule) => ruleApplies(entry.name, rule, ctx))
    .map((rule) => ({ phase: rule.phase, op: rule.op }))
}

function ruleApplies(name: string, rule: PackageRule, ctx: RuleContext): boolean {
  const whenHolds = rule.when.every((clause) => checkWhen(name, clause, ctx))
  if (!whenHolds) return false
  if (
    rule.installtype !== undefined &&
    rule.installtype !== findInstallType(ctx.element, ctx.env)
  ) {
    return false
  }
  if (rule.arch !== undefined && !rule.arch.includes(readArch(name, ctx))) return false
  if (rule.notArch !== undefined && rule.notArch.includes(readArch(name, ctx))) return false
  const python = ctx.env['DIB_PYTHON_VERSION'] ?? ''
  return rule.dibPythonVersion === undefined || rule.dibPythonVersion === python
}

function checkWhen(name: string, clause: WhenClause, ctx: RuleContext): boolean {
  const actual = ctx.env[clause.variable]
  if (actual === undefined) {
    throw new ConfigError(
      `Cannot evaluate when "${clause.text}" of package "${name}" in "${ctx.file}" (element "${ctx.element}"): variable "${clause.variable}" is not set`,
      {
        hint: `Set ${clause.variable} in the environment or in an environment.d file of an element`,
      },
    )
  }
  return (actual === clause.value) === clause.equals
}

function readArch(name: string, ctx: RuleContext): string {
  const arch = readSetting(ctx.env, 'ARCH')
  if (arch === undefined) {
    throw new ConfigError(
      `Cannot evaluate the arch list of package "${name}" in "${ctx.file}": ARCH is not set`,
    )
  }
  return arch
}
