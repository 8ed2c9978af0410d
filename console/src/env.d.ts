/** Stylesheets are imported for their effect: esbuild bundles them into the console's CSS asset. */
declare module "*.css";
