/** Types of build-console.mjs, for the test setup that builds the console before the tests load it. */
export declare const consoleOut: string;
export declare function buildConsole(): Promise<void>;
