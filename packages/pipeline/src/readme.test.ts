import { duckDbQuery, useTempDir } from '@parquetry/testing'
import { execFileSync } from 'node:child_process'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

const packageDir = fileURLToPath(new URL('..', import.meta.url))
const dir = useTempDir({ each: true })
const script = join(packageDir, `.readme-example-${process.pid}.mjs`)

afterEach(async () => {
  await rm(script, { force: true })
})

/** The code block after `<!-- readme-example: NAME -->` in this package's README, as written there. */
async function readmeExample(name: string): Promise<string> {
  const readme = await readFile(join(packageDir, 'README.md'), 'utf8')
  const match = new RegExp(`<!-- readme-example: ${name} -->\\n\`\`\`ts\\n([\\s\\S]*?)\\n\`\`\``).exec(readme)
  if (!match) throw new Error(`no readme-example ${name} in README.md`)
  return match[1] as string
}

describe("the README's library example", () => {
  it('runs as written: its own schemas, file pattern and record source, exported and then skipped', async () => {
    await mkdir(join(dir.path, 'data/orders'), { recursive: true })
    await writeFile(
      join(dir.path, 'data/orders/orders_20251028.csv'),
      'order_id,currency,amount,created_at\n1,EUR,10.5,2025-10-28T09:00:00Z\n2,USD,3,2025-10-28T10:00:00Z\n9007199254740993,EUR,7.25,2025-10-28T23:59:59-01:00\n',
    )
    // Beside this package's package.json, so @parquetry/* resolve as they do for a user.
    await writeFile(script, await readmeExample('library'))
    const first = execFileSync(process.execPath, [script], { cwd: dir.path, encoding: 'utf8' })
    expect(first.trim().split('\n')).toEqual([
      'written orders/currency=EUR/date=2025-10-28/orders_20251028.parquet 1',
      'written orders/currency=EUR/date=2025-10-29/orders_20251029.parquet 1',
      'written orders/currency=USD/date=2025-10-28/orders_20251028.parquet 1',
      'written signups/date=2025-10-27/signups_20251027.parquet 3',
      'written signups/date=2025-10-28/signups_20251028.parquet 3',
      'ok',
    ])
    const [late] = await duckDbQuery('SELECT order_id::VARCHAR AS id, currency, date::VARCHAR AS day FROM read_parquet($1, hive_partitioning = true) WHERE amount = 7.25', [
      join(dir.path, 'lake/orders/**/*.parquet'),
    ])
    expect(late).toEqual({ id: '9007199254740993', currency: 'EUR', day: '2025-10-29' })
    const second = execFileSync(process.execPath, [script], { cwd: dir.path, encoding: 'utf8' })
    expect(second.trim().split('\n')).toEqual(first.trim().split('\n').map((line) => line.replace(/^written/, 'skipped')))
  })
})
