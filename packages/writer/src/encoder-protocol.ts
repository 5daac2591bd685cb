// Messages between a ParquetFileWriter and the encoder thread.

/** To the encoder thread. */
export type EncoderRequest =
  | { id: number; type: 'open'; schema: unknown[]; codec: string; statistics: boolean; createdBy: string }
  | { id: number; type: 'rowGroup'; columnData: unknown[]; rows: number; pageSize: number }
  | { id: number; type: 'finish'; kvMetadata: { key: string; value?: string }[]; schema: unknown[] }
  | { id: number; type: 'drop' }

/** From the encoder thread: one reply per request but `drop`. */
export type EncoderReply =
  | { id: number; type: 'opened' }
  | { id: number; type: 'bytes'; bytes: Uint8Array; sums: number[][] }
  | { id: number; type: 'error'; message: string }
