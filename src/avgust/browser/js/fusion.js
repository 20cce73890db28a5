// avgust: the full search page's ranking over the sharded search data (shards.js reads it,
// avgust/browser/shards.py writes it): the fusion of avgust/search/hybrid.py — z(dense) +
// lexical_weight·z(BM25) + theme_weight·z(theme) + feedback, with the dense feedback — over a
// set of candidate rows instead of every row: the rows of the IVF lists nearest to the query,
// the BM25 hits of the query and of its feedback lemmas, and the rows of a narrow filter. The
// z-scores are over every directive (or every directive of the filter) as in Python: from the
// rows themselves when all of them are at hand, else from the build's statistics (vector mean
// and covariance, theme sizes, BM25 moments from the postings).
//
// A corpus of at most EXACT_ROWS directives is ranked over all of them with float16 vectors,
// exactly like `avgust search`. No DOM here; tests/unit/browser/test_fusion.py holds it to the
// Python ranker's answers in tests/fixtures/parity/.

import { float16, themeStrength, words } from "./rank.js";
import { Shards } from "./shards.js";

const EXACT_ROWS = 400; // up to this many directives every vector is fetched (≤ ~300 KB)
const NARROW_CHUNKS = 12; // a filter within this many vector chunks is ranked over all its rows
// the best rows without a vector get theirs, in RESCORE_ROUNDS rounds of RESCORE_CHUNKS chunks
const RESCORE_ROUNDS = 3;
const RESCORE_CHUNKS = 4;
// int8 cosines are off by up to ~1e-3, enough to reorder the dense top hits whose lemmas and
// vectors feed back: the rows this near the feedback_docs-th get their float16 vectors
const INT8_MARGIN = 3e-3;
const FEEDBACK_CHUNKS = 8;

function momentsOf(values) {
  let sum = 0;
  for (const x of values) sum += x;
  const mean = values.length ? sum / values.length : 0;
  let squares = 0;
  for (const x of values) squares += (x - mean) * (x - mean);
  return { mean, std: values.length ? Math.sqrt(squares / values.length) : 0 };
}

const z = (x, m) => (m.std < 1e-9 ? 0 : (x - m.mean) / m.std);

function dot(a, b) {
  let sum = 0;
  for (let j = 0; j < a.length; j++) sum += a[j] * b[j];
  return sum;
}

/** The k best of [row, score] pairs (ties: lower row first). */
function best(pairs, k) {
  return pairs.sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, Math.max(k, 0));
}

export class ShardedRanker {
  /**
   * shards: a Shards reader; page: its meta.page file (fusion parameters, theme rules);
   * themeVectors: Float32Array (themes × dim), or null until loaded.
   */
  constructor(shards, page, themeVectors = null) {
    this.shards = shards;
    this.meta = shards.meta;
    this.n = this.meta.count;
    this.dim = this.meta.dim;
    this.page = page;
    this.params = page.fusion;
    this.signalThemes = page.signal_themes ?? [];
    this.themeVectors = themeVectors;
    this.fine = new Map(); // row → float16 vector (its chunk was fetched)
    this.coarse = new Map(); // row → int8 vector of an IVF list
    this.decoded = new Set(); // IVF lists and chunks already decoded
  }

  get exact() {
    return Boolean(this.page.vectors) && this.n <= EXACT_ROWS;
  }

  vectorOf(row) {
    return this.fine.get(row) ?? this.coarse.get(row);
  }

  // ---------------------------------------------------------------- the files

  async chunks(numbers) {
    const { files, size } = this.page.vectors;
    await Promise.all(
      [...new Set(numbers)].map(async (c) => {
        const bytes = await this.shards.file(files[c]);
        if (this.decoded.has(files[c])) return;
        this.decoded.add(files[c]);
        const values = float16(bytes);
        for (let i = 0; (i + 1) * this.dim <= values.length; i++) {
          this.fine.set(c * size + i, values.subarray(i * this.dim, (i + 1) * this.dim));
        }
      }),
    );
  }

  /** Decode the nprobe IVF lists nearest to the vector (int8). */
  async probe(vector, nprobe) {
    const { dim, ivf } = this.meta;
    const raw = await this.shards.file(ivf.centroids);
    const count = raw.byteLength / (4 + dim);
    const centroids = Shards.int8(raw, count, dim, false);
    const near = Array.from({ length: count }, (_, c) => [
      c,
      Shards.dot(centroids.codes, centroids.scales, c, dim, vector),
    ]);
    const chosen = best(near, nprobe).map(([c]) => this.page.ivf_lists[c]);
    await Promise.all(
      chosen.map(async (entry) => {
        const bytes = await this.shards.file(entry.path);
        if (this.decoded.has(entry.path)) return;
        this.decoded.add(entry.path);
        const { rows, scales, codes } = Shards.int8(bytes, entry.count, dim, true);
        for (let r = 0; r < rows.length; r++) {
          const v = Float32Array.from(codes.subarray(r * dim, (r + 1) * dim), (c) => c * scales[r]);
          this.coarse.set(rows[r], v);
        }
      }),
    );
  }

  async directory() {
    return this.shards.file(this.page.facets);
  }

  async facetRows(kind, value) {
    const entry = (await this.directory())[kind]?.[value];
    if (!entry) return [];
    const deltas = await this.shards.file(entry[0]);
    let row = 0;
    return deltas.map((d) => (row += d));
  }

  /** Row numbers that pass the filters (sorted), or null when there is no filter. */
  async filterRows({ district = null, theme = null, year = null } = {}) {
    if (district === null && theme === null && year === null) return null;
    const sets = [];
    if (district !== null) {
      const needle = district.toLowerCase().trim();
      const names = Object.keys((await this.directory()).district ?? {});
      const lists = await Promise.all(
        names.filter((d) => d.toLowerCase().includes(needle)).map((d) => this.facetRows("district", d)),
      );
      sets.push(new Set(lists.flat()));
    }
    if (theme !== null) sets.push(new Set(await this.facetRows("theme", theme)));
    if (year !== null) sets.push(new Set(await this.facetRows("year", String(year))));
    const [first, ...rest] = sets.sort((a, b) => a.size - b.size);
    return [...first].filter((r) => rest.every((s) => s.has(r))).sort((a, b) => a - b);
  }

  /** BM25 of weighted terms (Map term → weight): {scores: Map row → float32, sum, squares}
   * with sum and squares over every directive (the postings a frequent term lost count too). */
  async bm25(weights) {
    const lists = await Promise.all([...weights.keys()].map((t) => this.shards.postings(t)));
    const scores = new Map();
    let sum = 0;
    let squares = 0;
    for (const list of lists) {
      if (!list) continue;
      const w = Math.fround(weights.get(list.term));
      list.rows.forEach((row, j) => {
        scores.set(row, Math.fround((scores.get(row) ?? 0) + Math.fround(w * list.weights[j])));
      });
      if (list.cut) {
        sum += w * list.cut[0];
        squares += w * w * list.cut[1];
      }
    }
    for (const s of scores.values()) {
      sum += s;
      squares += s * s;
    }
    return { scores, sum, squares };
  }

  /** Mean and spread of a BM25 signal over the filter's rows (or every directive). */
  bm25Moments(signal, domain) {
    if (domain) return momentsOf(domain.map((r) => signal.scores.get(r) ?? 0));
    const mean = signal.sum / this.n;
    return { mean, std: Math.sqrt(Math.max(signal.squares / this.n - mean * mean, 0)) };
  }

  async stats() {
    return this.shards.file(this.meta.stats);
  }

  /** The covariance of the vectors (upper triangle, float64), fetched when first needed. */
  async covariance() {
    if (!this.cov) {
      const { path, scale } = this.page.covariance;
      const half = float16(await this.shards.file(path));
      this.cov = Float64Array.from(half, (x) => x * scale);
    }
    return this.cov;
  }

  /** mean(V·x) and std(V·x) over every directive, from the build's statistics. */
  async globalMoments(x) {
    const [{ mean }, cov] = await Promise.all([this.stats(), this.covariance()]);
    let variance = 0;
    let at = 0;
    for (let i = 0; i < x.length; i++) {
      variance += cov[at++] * x[i] * x[i];
      for (let j = i + 1; j < x.length; j++) variance += 2 * cov[at++] * x[i] * x[j];
    }
    return { mean: dot(mean, x), std: Math.sqrt(Math.max(variance, 0)) };
  }

  /** The lemmas of the query (pymorphy3's, from the lexicon shards), stop words left out. */
  async lemmas(query) {
    return (await Promise.all(words(query).map((w) => this.shards.lemma(w)))).filter(Boolean);
  }

  /** avgust.search.hybrid.query_theme: the position in signal_themes, or null. */
  async queryTheme(query, vector) {
    const themes = this.signalThemes;
    if (!themes.length || !this.themeVectors) return null;
    const lems = await this.lemmas(query);
    const matched = themes.map((t) => themeStrength(t.rules, lems) > 0);
    const any = matched.some(Boolean);
    let chosen = 0;
    let nearest = -Infinity;
    themes.forEach((_, t) => {
      if (any && !matched[t]) return;
      const v = this.themeVectors.subarray(t * this.dim, (t + 1) * this.dim);
      const nearness = dot(v, vector);
      if (nearness > nearest) [nearest, chosen] = [nearness, t];
    });
    return chosen;
  }

  /** LexicalIndex.feedback_weights of some rows: Map lemma → weight. */
  async feedbackTerms(rows, count, rowWeights) {
    const { files, size } = this.page.docs;
    const k1 = this.meta.bm25.k1;
    const chunks = await Promise.all(rows.map((r) => this.shards.file(files[Math.floor(r / size)])));
    const total = new Map();
    rows.forEach((row, i) => {
      const chunk = chunks[i];
      const flat = chunk.r[row % size];
      for (let j = 0; j < flat.length; j += 2) {
        const [term, df, tf] = [chunk.t[flat[j]], chunk.f[flat[j]], flat[j + 1]];
        const idf = Math.log(1.0 + (this.n - df + 0.5) / (df + 0.5));
        total.set(term, (total.get(term) ?? 0) + (rowWeights[i] * idf * tf) / (tf + k1));
      }
    });
    const chosen = [...total]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, count);
    if (!chosen.length || chosen[0][1] <= 0) return new Map();
    return new Map(chosen.map(([term, w]) => [term, w / chosen[0][1]]));
  }

  // ---------------------------------------------------------------- ranking

  /** Fetch the vectors a query needs: all (a small corpus), the nearest lists, a narrow filter. */
  async gather(vector, domain) {
    const size = this.page.vectors.size;
    if (this.exact) {
      await this.chunks(this.page.vectors.files.map((_, c) => c));
      return;
    }
    const { nprobe } = this.meta.ivf;
    await this.probe(vector, domain ? Math.min(this.page.ivf_lists.length, 2 * nprobe) : nprobe);
    if (domain) {
      const chunks = new Set(domain.map((r) => Math.floor(r / size)));
      if (chunks.size <= NARROW_CHUNKS) await this.chunks([...chunks]);
    }
  }

  /**
   * The k best directives: {rows, scores}, as avgust.search.hybrid.rank_vector. mode "hybrid"
   * and "dense" need the query vector, "lexical" does not.
   */
  async rank(query, vector, options = {}) {
    const { k = 10, district = null, theme = null, year = null, mode = "hybrid" } = options;
    if (!query.trim()) throw new Error("the query is empty");
    const domain = await this.filterRows({ district, theme, year });
    if (k <= 0 || (domain !== null && !domain.length) || !this.n) return { rows: [], scores: [] };
    const { weights } = await this.shards.queryTerms(query, false);
    const lexical = await this.bm25(weights);
    if (mode === "lexical") return this.lexicalTop(lexical.scores, domain, k);
    let ranked = await this.fuse(query, vector, lexical, domain, k, mode);
    for (let round = 0; !this.exact && mode === "hybrid" && round < RESCORE_ROUNDS; round++) {
      // the best rows no probed list holds were scored with an average cosine: fetch theirs
      const { size } = this.page.vectors;
      const missing = ranked.slice(0, Math.max(k, 10)).filter(([r]) => !this.vectorOf(r));
      const chunks = [...new Set(missing.map(([r]) => Math.floor(r / size)))];
      if (!chunks.length) break;
      await this.chunks(chunks.slice(0, RESCORE_CHUNKS));
      ranked = await this.fuse(query, vector, lexical, domain, k, mode);
    }
    const chosen = ranked.slice(0, k);
    return { rows: chosen.map(([r]) => r), scores: chosen.map(([, s]) => s) };
  }

  lexicalTop(scores, domain, k) {
    const allowed = domain ? new Set(domain) : null;
    const hits = best(
      [...scores].filter(([r]) => !allowed || allowed.has(r)),
      k,
    );
    // as numpy's top: rows scoring 0 follow, lowest row first
    const taken = new Set(hits.map(([r]) => r));
    const pool = domain ?? { length: this.n };
    for (let i = 0; hits.length < k && i < pool.length; i++) {
      const r = domain ? domain[i] : i;
      if (!taken.has(r)) hits.push([r, 0]);
    }
    return { rows: hits.map(([r]) => r), scores: hits.map(([, s]) => s) };
  }

  /** The float16 cosines of the rows near the n best by their int8 ones (dense: Map row → cosine). */
  async sharpen(dense, vector, n) {
    if (n <= 0) return;
    const ranked = best([...dense], 3 * n);
    const edge = ranked.length ? ranked[Math.min(n, ranked.length) - 1][1] : 0;
    const near = ranked.filter(([r, s]) => s >= edge - INT8_MARGIN && !this.fine.has(r));
    const size = this.page.vectors.size;
    const chunks = [...new Set(near.map(([r]) => Math.floor(r / size)))];
    if (!chunks.length) return;
    await this.chunks(chunks.slice(0, FEEDBACK_CHUNKS));
    for (const [r] of near) if (this.fine.has(r)) dense.set(r, dot(this.fine.get(r), vector));
  }

  /** [row, score] pairs of the candidates, best first. */
  async fuse(query, vector, lexical, domain, k, mode) {
    await this.gather(vector, domain);
    const p = this.params;
    const allowed = domain ? new Set(domain) : null;
    const pass = (r) => !allowed || allowed.has(r);
    const dense = new Map();
    for (const [r] of this.coarse) if (pass(r)) dense.set(r, dot(this.vectorOf(r), vector));
    for (const [r, v] of this.fine) if (pass(r)) dense.set(r, dot(v, vector));
    if (!this.exact) await this.sharpen(dense, vector, Math.max(p.feedback_docs, mode === "dense" ? k : 0));
    if (mode === "dense") return best([...dense], k);
    // every row of the filter (or of the corpus) has its vector: the moments are the rows' own
    const complete = domain ? domain.every((r) => dense.has(r)) : dense.size === this.n;
    const domainRows = domain ?? Array.from({ length: this.n }, (_, i) => i);
    const denseMoments = complete
      ? momentsOf(domainRows.map((r) => dense.get(r)))
      : await this.globalMoments(vector);
    const domainSize = domain ? domain.length : this.n;
    // no vector at hand: the mean cosine of the rows without one (all of them less the known)
    const restMean = (moments, known) => {
      let sum = 0;
      for (const r of dense.keys()) sum += known(r);
      const rest = domainSize - dense.size;
      return rest > 0 ? (domainSize * moments.mean - sum) / rest : moments.mean;
    };
    const unseen = complete ? 0 : restMean(denseMoments, (r) => dense.get(r));
    const denseOf = (r) => (dense.has(r) ? dense.get(r) : unseen);

    const candidates = new Set(dense.keys());
    for (const r of lexical.scores.keys()) if (pass(r)) candidates.add(r);
    const lexMoments = this.bm25Moments(lexical, domain);
    const themeAt = p.theme_weight ? await this.queryTheme(query, vector) : null;
    let themeZ = null;
    if (themeAt !== null) {
      const members = new Set(await this.facetRows("theme", this.signalThemes[themeAt].slug));
      const inDomain = domain ? domain.filter((r) => members.has(r)).length : members.size;
      const share = inDomain / (domain ? domain.length : this.n);
      const m = { mean: share, std: Math.sqrt(share * (1 - share)) };
      themeZ = (r) => z(members.has(r) ? 1 : 0, m);
    }
    const fusedOf = (r) => {
      let s = z(denseOf(r), denseMoments);
      if (p.lexical_weight) s += p.lexical_weight * z(lexical.scores.get(r) ?? 0, lexMoments);
      if (themeZ) s += p.theme_weight * themeZ(r);
      return s;
    };
    if (p.feedback_docs <= 0 || !(p.feedback_weight || p.dense_feedback)) {
      return best(
        [...candidates].map((r) => [r, fusedOf(r)]),
        candidates.size,
      );
    }
    const top = best([...dense], p.feedback_docs);
    const topWeights = top.map(([, s]) => Math.exp((s - top[0][1]) / p.feedback_temperature));
    let feedbackOf = () => 0;
    if (p.feedback_weight) {
      const rows = top.map(([r]) => r);
      const terms = await this.feedbackTerms(rows, p.feedback_terms, topWeights);
      if (terms.size) {
        const signal = await this.bm25(terms);
        const m = this.bm25Moments(signal, domain);
        for (const r of signal.scores.keys()) if (pass(r)) candidates.add(r);
        feedbackOf = (r) => p.feedback_weight * z(signal.scores.get(r) ?? 0, m);
      }
    }
    if (!p.dense_feedback) {
      return best(
        [...candidates].map((r) => [r, fusedOf(r) + feedbackOf(r)]),
        candidates.size,
      );
    }
    const a = p.dense_feedback;
    const centroid = new Float64Array(this.dim);
    const weightSum = topWeights.reduce((x, y) => x + y, 0);
    top.forEach(([r], i) => {
      const v = this.vectorOf(r);
      for (let j = 0; j < this.dim; j++) centroid[j] += topWeights[i] * v[j];
    });
    const c = Float32Array.from(centroid, (x) => x / weightSum);
    const shifted = (r) => dense.get(r) + a * dot(this.vectorOf(r), c);
    const moved = Float64Array.from(vector, (x, j) => x + a * c[j]);
    const shiftedMoments = complete
      ? momentsOf(domainRows.map(shifted))
      : await this.globalMoments(moved);
    const shiftedUnseen = complete ? 0 : restMean(shiftedMoments, shifted);
    let rows = [...candidates];
    if (!domain) {
      // as Python: only the best POOL rows by the first fusion and by feedback are rescored
      const pool = Math.max(p.pool, 4 * k);
      const fused = rows.map((r) => [r, fusedOf(r)]);
      const feedback = rows.map((r) => [r, feedbackOf(r)]);
      if (rows.length > pool) {
        rows = [...new Set([...best(fused, pool), ...best(feedback, pool)].map(([r]) => r))];
      }
    }
    return best(
      rows.map((r) => {
        const moved_ = dense.has(r) ? shifted(r) : shiftedUnseen;
        const s = fusedOf(r) - z(denseOf(r), denseMoments) + z(moved_, shiftedMoments);
        return [r, s + feedbackOf(r)];
      }),
      rows.length,
    );
  }
}
