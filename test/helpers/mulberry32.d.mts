// Types of mulberry32.mjs (test/helpers).
export function mulberry32(seed: number): () => number;
