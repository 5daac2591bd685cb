// Runs the parquetry command line in this process (the same code the bin runs)
// and prints, as its last stderr line, its exit code, wall time and peak RSS:
//   PARQUETRY_MEASURE {"code":0,"seconds":12.3,"maxRssMb":165}
// The built CLI of this checkout (a workspace dependency on it would link its bin before it is built).
import { runCli } from '../../apps/cli/dist/index.js'

const started = performance.now()
const code = await runCli(process.argv.slice(2))
const seconds = (performance.now() - started) / 1000
const cpu = process.cpuUsage()
process.stderr.write(`PARQUETRY_MEASURE ${JSON.stringify({ code, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`)
process.exitCode = code
