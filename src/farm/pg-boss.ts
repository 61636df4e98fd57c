// pg-boss 10 is a CommonJS module whose default export is the class; this gives it one name.
import PgBossModule from 'pg-boss'

export const PgBoss = PgBossModule
export type PgBoss = PgBossModule
