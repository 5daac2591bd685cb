import { loadConfig, getOpsDataset, type ResolvedConfig } from '@parquetry/pipeline'
import { defaultLayouts, Querier, type DatasetLayout } from '@parquetry/querier'

/** The querier's layouts from a config: its datasets' templates, the seed's view names. */
export function layoutsOf(config: ResolvedConfig): DatasetLayout[] {
  const fromConfig = config.datasets.map((dataset) => {
    const known = defaultLayouts.find((layout) => layout.name === dataset.name)
    return { name: dataset.name, view: known?.view ?? dataset.name, schema: getOpsDataset(dataset.name)!.schema, template: dataset.output }
  })
  return [...fromConfig, ...defaultLayouts.filter((layout) => !fromConfig.some((entry) => entry.name === layout.name))]
}

/** Loads the config and opens a querier over its output folder. */
export async function openQuerier(options: { cwd: string; config?: string | undefined; range?: { from: string; to: string } | undefined }): Promise<{ querier: Querier; config: ResolvedConfig }> {
  const config = await loadConfig({ cwd: options.cwd, ...(options.config ? { path: options.config } : {}) })
  const querier = await Querier.create({ root: config.outputDir, layouts: layoutsOf(config), ...(options.range ? { range: options.range } : {}) })
  return { querier, config }
}
