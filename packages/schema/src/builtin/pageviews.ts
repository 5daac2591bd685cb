import { defineSchema } from '../define-schema.js'

/** `pageviews`: Read the Docs `PageView` rows (seed 003), one day per export. */
export const pageviewsSchema = defineSchema({
  name: 'pageviews',
  version: 1,
  description: "Read the Docs page views per project, version, path and day.",
  columns: [
    { name: 'id', type: 'int64', nullable: false, description: 'Record ID.' },
    { name: 'project_id', type: 'int32', nullable: false, description: 'FK to projects.' },
    { name: 'project_slug', type: 'string', nullable: false, bloomFilter: true, description: 'Project identifier.' },
    { name: 'version_id', type: 'int32', description: 'FK to versions (nullable).' },
    { name: 'version_slug', type: 'string', description: 'Version identifier.' },
    { name: 'path', type: 'string', nullable: false, bloomFilter: true, description: 'Request path.' },
    { name: 'full_path', type: 'string', description: 'Full path with version.' },
    { name: 'view_count', type: 'int32', nullable: false, description: 'Number of views.' },
    { name: 'date', type: 'date', nullable: false, description: 'Date of views.' },
    { name: 'status', type: 'int16', nullable: false, description: 'HTTP status code.' },
  ],
})
