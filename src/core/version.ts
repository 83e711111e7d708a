import pkg from '../../package.json'

/** Baked in at build time by the bundler; the binary never reads package.json from disk. */
export const VERSION: string = pkg.version
