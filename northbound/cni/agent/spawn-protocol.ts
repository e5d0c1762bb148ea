// Messages between SpawnPool (main thread) and spawn-worker (worker threads).
export type ToWorker =
  | { readonly op: 'spawn'; readonly id: number; readonly cmd: string; readonly args: readonly string[] }
  | { readonly op: 'stdin'; readonly id: number; readonly data: string; readonly end: boolean };

export type FromWorker =
  | { readonly op: 'stdout'; readonly id: number; readonly data: string }
  | { readonly op: 'exit'; readonly id: number; readonly code: number; readonly stderr: string };
