/** Nunjucks' transformer (node_modules/nunjucks/src/transformer.js, 3.2.4), which @types/nunjucks does not declare. */
declare module 'nunjucks/src/transformer' {
  /** Rewrites async filters and tags and lifts `super()`; returns the tree to compile. */
  export function transform(ast: unknown, asyncFilters: string[], name?: string): unknown;
}
