import { join, resolve } from 'node:path'
import { z } from 'zod'
import { commonFlags, flag, parseFlags } from '../flags.js'
import type { CliIo } from '../io.js'
import { withProject } from '../project.js'
import { crontab, launchdPlist, systemdUnits, type EntryContext, type ScheduledGroup } from '../schedule/os-schedulers.js'
import { usageError } from '../usage-error.js'

export const scheduleUsage = `Usage: parquetry schedule print (--launchd | --systemd | --cron) [dataset...]
                                [--label NAME] [--log-dir DIR] [--config FILE]

Prints an OS-native alternative to parquetry-worker, from the same schedules
(config "schedule" per dataset: the ops datasets 0 5 * * * Asia/Bangkok, after
the 04:00 optimizer; pageviews 0 1 * * * UTC). Datasets sharing a schedule
share an entry, which runs \`parquetry-worker --once <datasets>\`: the days
due, caught up, retried and timed out as the worker would.

  --launchd      a macOS LaunchAgent plist, one per schedule (the ops export's
                 own is --label com.02luka.parquet_export)
  --systemd      a .service and .timer pair (OnCalendar with the time zone)
  --cron         crontab lines (CRON_TZ per entry)
  dataset...     these datasets (default: every enabled one with a schedule)
  --label NAME   launchd label / systemd unit name (default com.parquetry.export,
                 with the schedule's first dataset when there are several)
  --log-dir DIR  where parquet_export.log (stdout) and .err (stderr) go
                 (default g/logs under the config's folder)
  --config FILE  config file (default: ./parquetry.config.json, else built-in defaults)
`

/** `parquetry schedule print`. */
export async function runScheduleCommand(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args
  if (action !== 'print') throw usageError(action === undefined ? 'give the action: print' : `unknown action ${JSON.stringify(action)}; known: print`)
  const { values, positionals } = parseFlags(rest, { config: commonFlags.config, launchd: flag.boolean(), systemd: flag.boolean(), cron: flag.boolean(), label: flag.string(z.string().regex(/^[\w.@-]+$/, 'letters, digits, . _ - @').optional()), 'log-dir': flag.string(z.string().optional()) })
  const formats = (['launchd', 'systemd', 'cron'] as const).filter((format) => values[format])
  if (formats.length !== 1) throw usageError('choose one of --launchd, --systemd and --cron')
  return withProject(io, values.config, async (project) => {
    const chosen = positionals.length > 0 ? project.select(positionals).map((definition) => definition.name) : undefined
    const datasets = project.config.datasets.filter((dataset) => (chosen ? chosen.includes(dataset.name) : dataset.enabled))
    const unscheduled = datasets.filter((dataset) => !dataset.schedule).map((dataset) => dataset.name)
    if (chosen && unscheduled.length > 0) throw usageError(`${unscheduled.join(', ')}: no schedule ("schedule": false in the config)`)
    const groups: ScheduledGroup[] = []
    for (const dataset of datasets) {
      if (!dataset.schedule) continue
      const schedule = dataset.schedule
      const group = groups.find((candidate) => candidate.schedule.cron === schedule.cron && candidate.schedule.timezone === schedule.timezone)
      if (group) group.datasets.push(dataset.name)
      else groups.push({ schedule, datasets: [dataset.name] })
    }
    if (groups.length === 0) throw usageError('no dataset has a schedule')
    const logDir = resolve(project.config.baseDir, values['log-dir'] ?? 'g/logs')
    const context = (group: ScheduledGroup): EntryContext => ({
      dir: project.config.baseDir,
      config: project.config.path === undefined ? undefined : resolve(io.cwd, project.config.path),
      log: join(logDir, 'parquet_export.log'),
      err: join(logDir, 'parquet_export.err'),
      path: io.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      label: values.label !== undefined && groups.length === 1 ? values.label : `${values.label ?? 'com.parquetry.export'}${groups.length > 1 ? `.${group.datasets[0]}` : ''}`,
      timeoutSeconds: project.config.worker.timeoutSeconds,
    })
    if (values.cron) io.stdout.write(crontab(groups, context(groups[0] as ScheduledGroup)))
    else io.stdout.write(groups.map((group) => (values.launchd ? launchdPlist(group, context(group)) : systemdUnits(group, context(group)))).join('\n'))
    return 0
  })
}
