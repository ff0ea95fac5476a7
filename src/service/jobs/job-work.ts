/**
 * A job's work in iterations, which its progress and total_iterations count: the search's (planned, then
 * what it trained once it ended), then `fits` fits of `fitIterations` each (the chosen settings').
 */
export interface JobWork {
  searchIterations: number;
  fits: number;
  fitIterations: number;
}

export const totalIterationsOf = (w: JobWork): number => w.searchIterations + w.fits * w.fitIterations;
