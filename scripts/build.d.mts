/** Types of build.mjs, for the bench that builds before it measures. */
export declare function buildServer(): Promise<void>;
export declare function buildEntry(entryPoint: string, out: string): Promise<void>;
