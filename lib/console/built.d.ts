/**
 * The console as built by scripts/build-console.mjs into built.js (generated, not committed): the shell page and
 * every asset, embedded so that the local server bundle and the Lambda bundle carry them without files on disk.
 */

export interface BuiltAsset {
  /** Content-Type */
  type: string;
  /** the asset's text (scripts, styles and the SVG icon are all text) */
  body: string;
}

/** the HTML page every console path answers; it loads the assets below */
export declare const shell: string;
/** a hash of the shell's content, for its ETag */
export declare const shellHash: string;
/** by path (under /console/assets/, content-hashed names: cached for good) */
export declare const assets: Record<string, BuiltAsset>;
