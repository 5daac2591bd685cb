export { encodePartitionValue, decodePartitionValue, partitionDirectory, HIVE_DEFAULT_PARTITION } from './encode.js'
export { isoWeekOf, datesOfIsoWeek, addDays, dateRange } from './calendar.js'
export { renderOutputPath, validateOutputTemplate, matchInputName, templateTokens } from './template.js'
export type { InputNameMatch, TemplateToken } from './template.js'
