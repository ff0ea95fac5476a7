/** Types of python.mjs for the TypeScript tests and benchmarks. */
export declare const VENV_DIR: string;
export declare const python: string;
export declare function pythonLacks(modules: string[]): string | undefined;
