// avgust: the reader of the sharded search data (avgust/browser/shards.py writes it). No DOM:
// the header box (header.js) and Node tests use it alike. Every file is fetched once, when a
// query needs it: meta.json first, then the lemma shard of each query word, the postings shard
// of each term, the record chunks of the results shown, and for a search by meaning the IVF
// centroids, the nearest lists and the statistics of the fusion.

import { words } from "./rank.js";

/** Raw DEFLATE → bytes, with the browser's (or Node's) DecompressionStream. */
export async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The index of the shard whose first key is the last one ≤ key (sorted firsts). */
export function shardOf(firsts, key) {
  let lo = 0;
  let hi = firsts.length - 1;
  if (hi < 0) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (firsts[mid] <= key) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Levenshtein distance, or max + 1 as soon as it must exceed max. */
export function editDistance(a, b, max) {
  const x = [...a];
  const y = [...b];
  if (Math.abs(x.length - y.length) > max) return max + 1;
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    let least = i;
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
      least = Math.min(least, row[j]);
    }
    if (least > max) return max + 1;
    prev = row;
  }
  return prev[y.length];
}

const LETTERS = /^\p{L}+$/u;

const HASH_BYTES = 6; // a rescoring file's name in its list file (avgust.browser.shards)

/** The 32-bit generator of avgust.browser.shards.mulberry32. */
function mulberry32(seed) {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** avgust.browser.shards.Rotation: per round the signs, the permutation, the block. */
export function rotation(dim, seed, rounds) {
  const draw = mulberry32(seed);
  const out = [];
  for (let n = 0; n < rounds; n++) {
    const signs = Float64Array.from({ length: dim }, () => (draw() & 1 ? 1 : -1));
    const perm = Array.from({ length: dim }, (_, i) => i);
    for (let i = dim - 1; i > 0; i--) {
      const j = draw() % (i + 1);
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    out.push({ signs, perm });
  }
  return { rounds: out, block: dim & -dim || 1 };
}

/** The vector rotated: signs, permutation, Walsh–Hadamard of each block, per round. */
export function rotate(vector, { rounds, block }) {
  let x = Float64Array.from(vector);
  const scale = 1 / Math.sqrt(block);
  for (const { signs, perm } of rounds) {
    const y = Float64Array.from(perm, (p) => x[p] * signs[p]);
    for (let start = 0; start < y.length; start += block) {
      for (let h = 1; h < block; h *= 2) {
        for (let i = start; i < start + block; i += 2 * h) {
          for (let t = i; t < i + h; t++) {
            const [a, b] = [y[t], y[t + h]];
            y[t] = a + b;
            y[t + h] = a - b;
          }
        }
      }
    }
    for (let j = 0; j < y.length; j++) y[j] *= scale;
    x = y;
  }
  return x;
}

/**
 * The dot products of `count` rows of b-bit codes (8 / b a byte, the first in the lowest
 * bits; value (code − 2^b/2 + ½)·step) with a rotated vector, through a table per byte.
 */
export function codeScores(packed, steps, count, dim, bits, turned) {
  const per = 8 / bits;
  const bytes = dim / per;
  const mask = (1 << bits) - 1;
  const offset = (1 << (bits - 1)) - 0.5;
  const table = new Float64Array(bytes * 256);
  for (let b = 0; b < bytes; b++) {
    for (let v = 0; v < 256; v++) {
      let sum = 0;
      for (let i = 0; i < per; i++) sum += (((v >> (i * bits)) & mask) - offset) * turned[b * per + i];
      table[b * 256 + v] = sum;
    }
  }
  const out = new Array(count);
  for (let r = 0; r < count; r++) {
    let sum = 0;
    const at = r * bytes;
    for (let b = 0; b < bytes; b++) sum += table[b * 256 + packed[at + b]];
    out[r] = sum * steps[r];
  }
  return out;
}

export class Shards {
  /** meta: meta.json; load(path) → Promise<Uint8Array>, the raw bytes of a file of the site. */
  constructor(meta, load) {
    this.meta = meta;
    this.load = load;
    this.files = new Map(); // path → Promise of its parsed content
    this.bm25 = meta.bm25;
  }

  /** A file's content, fetched once: JSON for .bin (inflated), bytes for .i8 and .u8. */
  file(path) {
    if (!this.files.has(path)) {
      const loading = this.load(path).then(async (bytes) =>
        path.endsWith(".bin") ? JSON.parse(new TextDecoder().decode(await inflate(bytes))) : bytes,
      );
      loading.catch(() => this.files.delete(path)); // a failed download may be tried again
      this.files.set(path, loading);
    }
    return this.files.get(path);
  }

  /** pymorphy3's lemma of a normalised form ("" for a stop word; the form if unknown). */
  async lemma(form) {
    const { first, files } = this.meta.lexicon;
    const at = shardOf(first, form);
    if (at < 0) return form;
    const shard = await this.file(files[at]);
    const i = shard.f.indexOf(form);
    return i < 0 ? form : shard.l[i];
  }

  stem(lemma) {
    const chars = [...lemma];
    if (chars.length <= this.bm25.prefix_len + 1 || !LETTERS.test(lemma)) return null;
    return chars.slice(0, this.bm25.prefix_len).join("") + this.bm25.prefix_mark;
  }

  /** The postings of one term: {term, df, rows: Int32Array, weights: Float32Array, cut} or null. */
  async postings(term) {
    const { first, files, scale } = this.meta.terms;
    const at = shardOf(first, term);
    if (at < 0) return null;
    const shard = await this.file(files[at]);
    const i = shard.t.indexOf(term);
    if (i < 0) return null;
    const deltas = shard.d[i];
    const rows = new Int32Array(deltas.length);
    let row = 0;
    deltas.forEach((d, j) => {
      row += d;
      rows[j] = row;
    });
    const weights = Float32Array.from(shard.w[i], (w) => w / scale);
    // a frequent term keeps its strongest postings; cut: [sum, sum of squares] of the rest
    const left = (shard.c ?? []).find((c) => c[0] === i);
    return { term, df: shard.n[i], rows, weights, cut: left ? [left[1], left[2]] : null };
  }

  /** The closest corpus term to a word the corpus lacks (same shard), or null. */
  async correction(word) {
    const chars = [...word].length;
    if (chars < 4) return null;
    const max = chars <= 6 ? 1 : 2;
    const { first, files } = this.meta.terms;
    const at = shardOf(first, word);
    const near = [at, at + 1].filter((i) => i >= 0 && i < files.length);
    let best = null;
    let bestDistance = max + 1;
    let bestDf = 0;
    for (const i of near) {
      const shard = await this.file(files[i]);
      shard.t.forEach((term, j) => {
        if (term.endsWith(this.bm25.prefix_mark)) return;
        const distance = editDistance(word, term, Math.min(max, bestDistance));
        const df = shard.n[j];
        if (distance < bestDistance || (distance === bestDistance && df > bestDf)) {
          if (distance > max) return;
          best = term;
          bestDistance = distance;
          bestDf = df;
        }
      });
    }
    return best;
  }

  /**
   * The query's weighted terms as LexicalIndex.query_weights, after correcting words the
   * corpus does not know (unless correct is false): {weights: Map term → weight, corrected:
   * [[word, term]]}.
   */
  async queryTerms(query, correct = true) {
    const lemmas = (await Promise.all(words(query).map((w) => this.lemma(w)))).filter(Boolean);
    const weights = new Map();
    const corrected = [];
    const add = (term, weight) => {
      if (!weights.has(term)) weights.set(term, weight);
    };
    // every word's postings at once (one round trip, not one a word), its prefix term's with
    // them (started here, read by lexical()); the few unknown words are corrected after
    for (const lemma of lemmas) {
      const stem = this.stem(lemma);
      if (stem) this.postings(stem).catch(() => {});
    }
    const known = correct ? await Promise.all(lemmas.map((l) => this.postings(l))) : [];
    for (const [i, lemma] of lemmas.entries()) {
      let use = lemma;
      if (correct && !known[i]) {
        const fixed = await this.correction(lemma);
        if (fixed) {
          corrected.push([lemma, fixed]);
          use = fixed;
        }
      }
      add(use, 1.0);
    }
    for (const lemma of [...weights.keys()]) {
      const stem = this.stem(lemma);
      if (stem) add(stem, this.bm25.prefix_weight);
    }
    return { weights, corrected };
  }

  /** BM25 of the query: {scores: Map row → score, corrected}. */
  async lexical(query, correct = true) {
    const { weights, corrected } = await this.queryTerms(query, correct);
    const lists = await Promise.all([...weights.keys()].map((t) => this.postings(t)));
    const scores = new Map();
    for (const list of lists) {
      if (!list) continue;
      const w = Math.fround(weights.get(list.term));
      list.rows.forEach((row, j) => {
        scores.set(row, (scores.get(row) ?? 0) + Math.fround(w * list.weights[j]));
      });
    }
    return { scores, corrected };
  }

  /** The records of some rows: Map row → record. */
  async records(rows) {
    const { size } = this.meta.records;
    const chunks = [...new Set(rows.map((r) => Math.floor(r / size)))];
    const loaded = await Promise.all(chunks.map((c) => this.recordChunk(c)));
    const out = new Map();
    for (const row of rows) {
      const chunk = loaded[chunks.indexOf(Math.floor(row / size))];
      out.set(row, chunk[row % size]);
    }
    return out;
  }

  /** Record chunk c, named by its number and its group's hash (avgust.browser.shards). */
  recordChunk(c) {
    const { per, groups } = this.meta.records;
    return this.file(`s/r${c}-${groups[Math.floor(c / per)]}.bin`);
  }

  pages() {
    return this.file(this.meta.pages);
  }

  /** int8 rows with a float32 scale each, from an IVF file: {rows?, scales, codes}. */
  static int8(bytes, count, dim, withRows) {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    let at = 0;
    const rows = withRows ? new Int32Array(buffer, 0, count) : null;
    if (withRows) at += 4 * count;
    const scales = new Float32Array(buffer, at, count);
    const codes = new Int8Array(buffer, at + 4 * count, count * dim);
    return { rows, scales, codes };
  }

  static dot(codes, scales, i, dim, vector) {
    let sum = 0;
    const base = i * dim;
    for (let j = 0; j < dim; j++) sum += codes[base + j] * vector[j];
    return sum * scales[i];
  }

  /** The header's IVF directory, its decoded centroid file and the rotation, once. */
  headerIvf() {
    if (!this.header) {
      this.header = this.file(this.meta.ivf.header).then(async (dir) => {
        const dim = this.meta.dim;
        const raw = await this.file(dir.centroids);
        const k = dir.counts.length;
        const buffer = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
        return {
          dir,
          mean: new Float32Array(buffer, 0, dim),
          steps: new Float32Array(buffer, 4 * dim, k),
          codes: new Uint8Array(buffer, 4 * dim + 4 * k, (k * dim * dir.bits[1]) / 8),
          rotation: rotation(dim, dir.seed, dir.rounds),
        };
      });
      this.header.catch(() => delete this.header);
    }
    return this.header;
  }

  /**
   * The header's search by meaning: the nprobe lists nearest to the query vector by their
   * 4-bit centroids, every row scored by its 2-bit code, the `rescore` best of them by their
   * int8 vector (files of `chunk` rows). Map row → cosine (avgust.browser.shards.header_search).
   */
  async dense(vector, nprobe = null) {
    const dim = this.meta.dim;
    const { dir, mean, steps, codes, rotation: turn } = await this.headerIvf();
    const [rowBits, centroidBits] = dir.bits;
    const turned = rotate(vector, turn);
    let base = 0;
    for (let j = 0; j < dim; j++) base += mean[j] * vector[j];
    const near = codeScores(codes, steps, dir.counts.length, dim, centroidBits, turned).map((s, c) => [c, base + s]);
    near.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const chosen = near.slice(0, nprobe ?? dir.nprobe);
    const files = await Promise.all(chosen.map(([c]) => this.file(dir.lists[c])));
    const scored = []; // [row, coarse score, list position, row in list]
    const lists = files.map((bytes, i) => {
      const [c, centroid] = chosen[i];
      const count = dir.counts[c];
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      const rows = new Uint32Array(buffer, 0, count);
      const rowSteps = new Float32Array(buffer, 4 * count, count);
      const body = new Uint8Array(buffer, 8 * count);
      const scores = codeScores(body, rowSteps, count, dim, rowBits, turned);
      for (let r = 0; r < count; r++) scored.push([rows[r], centroid + scores[r], i, r]);
      return body.subarray((count * dim * rowBits) / 8);
    });
    scored.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const out = new Map(scored.map(([row, s]) => [row, s]));
    const best = scored.slice(0, dir.rescore);
    const chunks = new Map(); // path → [rows of the chunk to rescore: [row, position in chunk]]
    for (const [row, , i, r] of best) {
      const at = Math.floor(r / dir.chunk) * HASH_BYTES;
      const hex = [...lists[i].subarray(at, at + HASH_BYTES)].map((b) => b.toString(16).padStart(2, "0")).join("");
      const path = `s/w-${hex}.i8`;
      if (!chunks.has(path)) chunks.set(path, []);
      chunks.get(path).push([row, r % dir.chunk]);
    }
    await Promise.all(
      [...chunks].map(async ([path, members]) => {
        const bytes = await this.file(path);
        const { scales, codes: int8 } = Shards.int8(bytes, bytes.byteLength / (4 + dim), dim, false);
        for (const [row, r] of members) out.set(row, Shards.dot(int8, scales, r, dim, vector));
      }),
    );
    return out;
  }

  /** Mean and spread of every directive's cosine with the vector, from the build's statistics. */
  async denseMoments(vector) {
    const stats = await this.file(this.meta.stats);
    let mean = 0;
    stats.mean.forEach((m, j) => {
      mean += m * vector[j];
    });
    let norm = 0;
    for (const x of vector) norm += x * x;
    let variance = 0;
    let explained = 0;
    stats.vectors.forEach((u, i) => {
      let p = 0;
      for (let j = 0; j < u.length; j++) p += u[j] * vector[j];
      variance += stats.values[i] * p * p;
      explained += p * p;
    });
    variance += stats.rest * Math.max(norm - explained, 0);
    return { mean, std: Math.sqrt(Math.max(variance, 0)) };
  }

  /**
   * Hybrid search from shards: z(dense) + lexical_weight·z(BM25), each z-score over the whole
   * corpus (dense from the statistics, BM25 from its postings: every other row scores 0), over
   * the rows of the probed lists and the lexical hits. The full page's ranking also has the
   * theme and feedback signals; this one needs no file that grows with the corpus.
   * {rows, scores, corrected}.
   */
  async hybrid(query, vector, k = 10, correct = true) {
    const [{ scores: lexical, corrected }, dense, moments] = await Promise.all([
      this.lexical(query, correct),
      this.dense(vector),
      this.denseMoments(vector),
    ]);
    const n = this.meta.count;
    let sum = 0;
    let squares = 0;
    for (const s of lexical.values()) {
      sum += s;
      squares += s * s;
    }
    const lexMean = sum / n;
    const lexStd = Math.sqrt(Math.max(squares / n - lexMean * lexMean, 0));
    const unseen = moments.mean; // a lexical hit outside the probed lists: an average cosine
    const rows = new Set([...dense.keys(), ...lexical.keys()]);
    const weight = this.meta.lexical_weight;
    const fused = [];
    for (const row of rows) {
      const d = dense.has(row) ? dense.get(row) : unseen;
      let score = moments.std > 1e-9 ? (d - moments.mean) / moments.std : 0;
      if (lexStd > 1e-9) score += (weight * ((lexical.get(row) ?? 0) - lexMean)) / lexStd;
      fused.push([row, score]);
    }
    fused.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const best = fused.slice(0, k);
    return { rows: best.map(([r]) => r), scores: best.map(([, s]) => s), corrected };
  }

  /** Lexical search: {rows, scores, corrected}, the k best with a score above 0. */
  async lexicalTop(query, k = 10) {
    const { scores, corrected } = await this.lexical(query);
    const best = [...scores].filter(([, s]) => s > 0);
    best.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const chosen = best.slice(0, k);
    return { rows: chosen.map(([r]) => r), scores: chosen.map(([, s]) => s), corrected };
  }
}
