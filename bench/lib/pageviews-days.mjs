// Read the Docs page views shaped like a real day's, for bench/selective-query.mjs:
// one row per (project, version, path) viewed that day, in the order the
// rows were first viewed (projects interleaved, as in PostgreSQL's heap),
// project sizes on a Zipf curve (a few big projects, a long tail of small
// ones with a handful of rows a day), pages per project in proportion, views
// per row skewed. Seeded: every run writes the same bytes.
import { seededRandom } from './query-perf-rows.mjs'

const words = [
  'sphinx', 'theme', 'requests', 'flask', 'django', 'numpy', 'astro', 'data', 'tools', 'py', 'docs', 'cloud', 'api', 'client', 'core', 'kit',
  'lab', 'stack', 'graph', 'net', 'io', 'ml', 'geo', 'bio', 'chem', 'quant', 'stream', 'queue', 'cache', 'auth', 'oauth', 'web', 'cli',
  'async', 'rest', 'sql', 'orm', 'json', 'yaml', 'toml', 'parser', 'lint', 'test', 'mock', 'bench', 'plot', 'viz', 'map', 'search', 'index',
  'tensor', 'vision', 'audio', 'text', 'nlp', 'robot', 'sim', 'flow', 'pipe', 'sync', 'store', 'db', 'pg', 'redis', 'kafka', 'grpc', 'proto',
]
const sections = ['guide', 'api', 'tutorial', 'reference', 'howto', 'changelog', 'install', 'config', 'examples', 'faq', 'dev', 'usage']
const topics = [
  'index', 'quickstart', 'installation', 'configuration', 'advanced', 'migration', 'troubleshooting', 'contributing', 'release-notes',
  'authentication', 'models', 'views', 'templates', 'deployment', 'testing', 'logging', 'settings', 'commands', 'plugins', 'extensions',
  'performance', 'security', 'glossary', 'modules', 'classes', 'functions', 'errors', 'types', 'overview', 'concepts',
]
const versionSlugs = ['latest', 'stable', 'v1.0', 'v2.0', 'v2.1', '3.x']

/**
 * The projects: slugs, ids, Zipf weights (exponent 1.1) as a cumulative
 * table, and pages per project (about two per expected row a day, at least 5).
 */
export function pageviewsCatalogue({ projects = 20_000, rowsPerDay, seed = 3 }) {
  const random = seededRandom(seed)
  const slugs = []
  const taken = new Set()
  for (let index = 0; index < projects; index++) {
    const parts = 1 + Math.floor(random() * 3)
    let slug = Array.from({ length: parts }, () => words[Math.floor(random() * words.length)]).join('-')
    if (taken.has(slug)) slug = `${slug}-${index}`
    taken.add(slug)
    slugs.push(slug)
  }
  // Ranks are shuffled against ids, so that a big project is not always a small id.
  const order = Array.from({ length: projects }, (_, index) => index)
  for (let index = projects - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1))
    ;[order[index], order[other]] = [order[other], order[index]]
  }
  const weights = new Float64Array(projects)
  let total = 0
  for (let rank = 0; rank < projects; rank++) total += weights[rank] = (rank + 1) ** -1.1
  const cumulative = new Float64Array(projects)
  let sum = 0
  for (let rank = 0; rank < projects; rank++) cumulative[rank] = sum += weights[rank] / total
  const pages = Array.from({ length: projects }, (_, rank) => Math.min(50_000, Math.max(5, Math.round((2 * rowsPerDay * weights[rank]) / total))))
  return {
    projects,
    /** By rank (0 = the biggest). */
    slugs: order.map((id) => slugs[id]),
    ids: order.map((id) => id + 1),
    cumulative,
    pages,
    /** Expected rows a day of the project of this rank. */
    expectedRows: (rank) => (rowsPerDay * weights[rank]) / total,
  }
}

function pathOf(page) {
  if (page === 0) return '/index.html'
  const topic = topics[page % topics.length]
  const section = sections[Math.floor(page / topics.length) % sections.length]
  const round = Math.floor(page / (topics.length * sections.length))
  return `/${section}/${topic}${round ? `-${round}` : ''}.html`
}

/**
 * One day's rows as columns (plain arrays), `rows` long, ids from `firstId`.
 * `date` is `YYYY-MM-DD`.
 */
export function pageviewsDay({ catalogue, date, rows, firstId, seed }) {
  const random = seededRandom(seed)
  const { cumulative, projects, slugs, ids, pages } = catalogue
  const columns = {
    id: new Array(rows),
    project_id: new Int32Array(rows),
    project_slug: new Array(rows),
    version_id: new Array(rows),
    version_slug: new Array(rows),
    path: new Array(rows),
    full_path: new Array(rows),
    view_count: new Int32Array(rows),
    status: new Int32Array(rows),
  }
  for (let index = 0; index < rows; index++) {
    const u = random()
    let low = 0
    let high = projects - 1
    while (low < high) {
      const middle = (low + high) >> 1
      if (cumulative[middle] < u) low = middle + 1
      else high = middle
    }
    const rank = low
    // Popular pages first: a page's chance falls with its number.
    const page = Math.floor(pages[rank] * random() ** 2.5)
    const version = random() < 0.1 ? null : Math.floor(random() ** 2 * versionSlugs.length)
    const path = pathOf(page)
    columns.id[index] = BigInt(firstId + index)
    columns.project_id[index] = ids[rank]
    columns.project_slug[index] = slugs[rank]
    columns.version_id[index] = version === null ? null : ids[rank] * 8 + version
    columns.version_slug[index] = version === null ? null : versionSlugs[version]
    columns.path[index] = path
    columns.full_path[index] = `/en/${version === null ? 'latest' : versionSlugs[version]}${path}`
    columns.view_count[index] = 1 + Math.floor(random() ** 4 * (page < 10 ? 2000 : 200))
    const status = random()
    columns.status[index] = status < 0.95 ? 200 : status < 0.99 ? 404 : 302
  }
  return { date, rows, columns }
}

/** The day's rows, one object at a time, as @parquetry/writer takes them. */
export function* pageviewsRows(day) {
  const { columns, date, rows } = day
  for (let index = 0; index < rows; index++) {
    yield {
      id: columns.id[index],
      project_id: columns.project_id[index],
      project_slug: columns.project_slug[index],
      version_id: columns.version_id[index],
      version_slug: columns.version_slug[index],
      path: columns.path[index],
      full_path: columns.full_path[index],
      view_count: columns.view_count[index],
      date,
      status: columns.status[index],
    }
  }
}
