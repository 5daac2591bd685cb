import { addDays, dateRange } from '@parquetry/partitioner'
import { createS3Storage } from '@parquetry/storage/s3'
import { startS3Server, useTempDir, type S3TestServer } from '@parquetry/testing'
import { readdir } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dailyTotals, pageviewReportScope, pageviewTotals, topPages } from './pageview-reports.js'
import { Querier } from './querier.js'
import { pageviewLayout, pageviewRow, pageviewTemplates, recordingStorage, writePageviews } from './test-data.js'

const dir = useTempDir()
let server: S3TestServer
const projects = ['docs', 'a b/ü%', 'api']
const end = '2025-10-31'
const days = dateRange(addDays(end, -59), end) // 60 days
const layout = pageviewLayout(pageviewTemplates.perProject)
const storageOptions = () => ({ url: 's3://lake/rtd', ...server.options })

// Day d (0..59) of project p (0..2): /index.html viewed (d + 1)·(p + 1) times,
// /guide.html 7 times on even days; a 404 of `latest` every 10th day.
function rowsOf(projectIndex: number, dayIndex: number) {
  const project = projects[projectIndex] as string
  const date = days[dayIndex] as string
  return [
    pageviewRow({ project, date, path: '/index.html', version: 'latest', views: (dayIndex + 1) * (projectIndex + 1) }),
    ...(dayIndex % 2 === 0 ? [pageviewRow({ project, date, path: '/guide.html', version: 'stable', views: 7 })] : []),
    ...(dayIndex % 10 === 0 ? [pageviewRow({ project, date, path: '/gone.html', version: 'latest', status: 404, views: 1 })] : []),
  ]
}

beforeAll(async () => {
  server = await startS3Server({ buckets: ['lake'] })
  const storage = createS3Storage(storageOptions())
  await writePageviews(storage, layout, projects.flatMap((_, projectIndex) => days.flatMap((__, dayIndex) => rowsOf(projectIndex, dayIndex))))
  await storage.close()
}, 60_000)
afterAll(async () => {
  await server.stop()
})

describe('a 30-day project report over S3 (3 projects × 60 days, one file a day per project)', () => {
  it("lists the project's day folders, downloads exactly the window's 31 files of it, and reports from them", async () => {
    expect(server.keys('lake').filter((key) => key.endsWith('.parquet'))).toHaveLength(180)
    const project = 'a b/ü%'
    const cacheDir = `${dir.path}/cache`
    const s3 = createS3Storage(storageOptions())
    const { storage, listed, streamed } = recordingStorage(s3)
    server.requests.length = 0
    const window = days.slice(-31)
    const querier = await Querier.create({ storage, layouts: [layout], cacheDir, httpfs: false, ...pageviewReportScope({ project, endDate: end }) })
    try {
      const folder = 'pageviews/project=a b%2Fü%25'
      expect(listed).toEqual(window.map((date) => `${folder}/date=${date}/`))
      expect(server.requests.filter((request) => request.action === 'list')).toHaveLength(31)
      expect(streamed).toEqual(window.map((date) => `${folder}/date=${date}/pageviews_${date.replaceAll('-', '')}.parquet`))
      expect(server.requests.filter((request) => request.action === 'get' && request.key.endsWith('.parquet'))).toHaveLength(31)
      const cached = (await readdir(cacheDir, { recursive: true })).filter((name) => name.endsWith('.parquet'))
      // Under the cache's folder of the bucket and prefix, the window's files of the project, and nothing else.
      expect(cached.map((name) => name.slice(name.indexOf('/') + 1)).sort()).toEqual(window.map((date) => `${folder}/date=${date}/pageviews_${date.replaceAll('-', '')}.parquet`))
      expect(querier.views[0]?.files).toBe(31)

      // Days 29..59 of project 1: /index.html (d + 1)·2, /guide.html 7 on even days, a 404 on days 30, 40, 50.
      const window200 = window.map((date, offset) => ({ date, index: (offset + 30) * 2, guide: (offset + 29) % 2 === 0 ? 7 : 0 }))
      const indexViews = window200.reduce((sum, day) => sum + day.index, 0)
      const guideViews = window200.reduce((sum, day) => sum + day.guide, 0)
      expect(await topPages(querier, { project, endDate: end })).toEqual([
        { path: '/index.html', total_views: indexViews },
        { path: '/guide.html', total_views: guideViews },
      ])
      expect(await topPages(querier, { project, endDate: end, status: 404 })).toEqual([{ version_slug: 'latest', full_path: '/en/latest/gone.html', total_views: 3 }])
      expect(await dailyTotals(querier, { project, endDate: end })).toEqual(window200.map((day) => ({ date: day.date, total_views: day.index + day.guide })))
      expect(await pageviewTotals(querier, { project, endDate: end })).toEqual({ from: window[0], to: end, total_views: indexViews + guideViews, distinct_pages: 2, not_found_views: 3, days_with_views: 31 })
    } finally {
      querier.close()
    }

    // Again: the cache has every file (ETags unchanged), nothing is downloaded.
    server.requests.length = 0
    const again = await Querier.create({ storage: s3, layouts: [layout], cacheDir, httpfs: false, ...pageviewReportScope({ project, endDate: end }) })
    try {
      expect(server.requests.filter((request) => request.action === 'get')).toHaveLength(0)
      expect((await pageviewTotals(again, { project, endDate: end })).days_with_views).toBe(31)
    } finally {
      again.close()
    }
    await s3.close()
  })
})
