// Types for layers.js, which ESLint loads as plain JavaScript (eslint.config.js cannot import .ts on Node 20).
import type { Rule } from 'eslint'

export declare const LAYERS: readonly (readonly string[])[]
export declare const ROOMS: Readonly<Record<string, readonly (readonly string[])[]>>
export declare const EXCEPTIONS: readonly { readonly from: string; readonly to: string }[]
export declare const layersRule: Rule.RuleModule
