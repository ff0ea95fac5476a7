// Original file: proto/recommender/v1/recommender.proto

export const JobStatus = {
  JOB_STATUS_UNSPECIFIED: 'JOB_STATUS_UNSPECIFIED',
  QUEUED: 'QUEUED',
  RUNNING: 'RUNNING',
  COMPLETED: 'COMPLETED',
  ERROR: 'ERROR',
  CANCELLED: 'CANCELLED',
} as const;

export type JobStatus =
  | 'JOB_STATUS_UNSPECIFIED'
  | 0
  | 'QUEUED'
  | 1
  | 'RUNNING'
  | 2
  | 'COMPLETED'
  | 3
  | 'ERROR'
  | 4
  | 'CANCELLED'
  | 5

export type JobStatus__Output = typeof JobStatus[keyof typeof JobStatus]
