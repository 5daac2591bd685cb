// Child processes measured the same way on every side of a comparison: the
// wall time from spawn to exit (taken here), and the CPU seconds (user +
// system) and peak RSS the child reports (lib/measured-cli.mjs,
// lib/duckdb-copy.mjs) or that /usr/bin/time reports for a program that
// cannot report them itself (psql).
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const parquetryRunner = fileURLToPath(new URL('./measured-cli.mjs', import.meta.url))
const duckdbRunner = fileURLToPath(new URL('./duckdb-copy.mjs', import.meta.url))

/** Runs `command` to its end; resolves to its exit status, output and wall seconds (spawn to exit). */
export function runChild(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr, wallSeconds: (performance.now() - started) / 1000 }))
  })
}

function measureLine(text, prefix) {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${prefix} `))
  return line ? JSON.parse(line.slice(prefix.length + 1)) : undefined
}

/**
 * `parquetry <args> --json` in a process of its own (lib/measured-cli.mjs).
 * Resolves to `{ wallSeconds, seconds (in-process), cpuSeconds, maxRssMb, result }`,
 * `result` being the CLI's JSON; throws when it fails.
 */
export async function measuredParquetry(cwd, args, env = process.env) {
  const child = await runChild(process.execPath, [parquetryRunner, ...args, '--json'], { cwd, env })
  const measure = measureLine(child.stderr, 'PARQUETRY_MEASURE')
  if (!measure || measure.code !== 0 || child.status !== 0) throw new Error(`parquetry ${args.join(' ')} failed (exit ${child.status}${child.signal ? `, ${child.signal}` : ''}):\n${child.stdout.slice(-4000)}\n${child.stderr.slice(-4000)}`)
  return { wallSeconds: child.wallSeconds, seconds: measure.seconds, cpuSeconds: measure.cpuSeconds, maxRssMb: measure.maxRssMb, result: JSON.parse(child.stdout) }
}

/** One DuckDB statement in a process of its own (lib/duckdb-copy.mjs); resolves to `{ wallSeconds, seconds, cpuSeconds, maxRssMb, rows }`. */
export async function measuredDuckdb(sql) {
  const child = await runChild(process.execPath, [duckdbRunner, sql])
  const measure = measureLine(child.stdout, 'DUCKDB_MEASURE')
  if (!measure || child.status !== 0) throw new Error(`DuckDB failed (exit ${child.status}${child.signal ? `, ${child.signal}` : ''}):\n${sql}\n${child.stderr.slice(-4000)}`)
  return { wallSeconds: child.wallSeconds, ...measure }
}

/** `command` under `/usr/bin/time`; resolves to `{ wallSeconds, cpuSeconds, maxRssMb, stdout, stderr }`. */
export async function timedCommand(command, args, options = {}) {
  const child = await runChild('/usr/bin/time', ['-f', 'TIME %e %U %S %M', command, ...args], options)
  const line = child.stderr.trim().split('\n').findLast((text) => text.startsWith('TIME '))
  if (child.status !== 0 || !line) throw new Error(`${command} failed (exit ${child.status}):\n${child.stderr.slice(-4000)}`)
  const [, , user, system, rssKb] = line.split(' ').map(Number)
  return { wallSeconds: child.wallSeconds, cpuSeconds: user + system, maxRssMb: Math.round(rssKb / 1024), stdout: child.stdout, stderr: child.stderr }
}

/** The median of some numbers (the mean of the middle two when even). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
