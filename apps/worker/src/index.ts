export type { Job, JobError, JobOutcome, JobStatus } from './types.js'
