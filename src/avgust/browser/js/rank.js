// avgust: the ranking of the search page, a line-by-line port of avgust/search/hybrid.py (hybrid
// search), avgust/index/bm25.py (BM25 over lemmas), avgust/themes.py (theme rules) and razdel's
// tokenizer, so that the browser and `avgust search --json` rank alike. No DOM here: the page
// (search.js) embeds the query and renders; this module only scores.
//
// The data come from assets/search/index.json (avgust/browser/export.py): records, BM25 term
// frequencies, a form → lemma lexicon standing in for pymorphy3, theme rules, fusion parameters.
// tests/js/rank.test.mjs holds it to the Python ranker's answers in tests/fixtures/parity/.

// ------------------------------------------------------------------ razdel's tokenize, ported

const DASHES = "‑–—−-";
const QUOTES = "«“‘»”’\"„'";
const BRACKETS = "([}" + ")]}";
const ENDINGS = ".?!…";
const PUNCTS = "\\/!#$%&*+,.:;<=>?@^_`|~№…" + DASHES + QUOTES + BRACKETS;
const RU = 1;
const LAT = 2;
const INT = 3;
const PUNCT = 4;
const OTHER = 5;
const classOf = (chars) => chars.replace(/[\\\]\[^-]/g, "\\$&");
const ATOM = new RegExp(
  `([а-яё]+)|([a-z]+)|(\\p{Nd}+)|([${classOf(PUNCTS)}])|(\\S)`,
  "giu",
);
const SMILE = /^[=:;]-?[)(]{1,3}$/u;

function atomsOf(text) {
  const atoms = [];
  for (const m of text.matchAll(ATOM)) {
    const type = m[1] ? RU : m[2] ? LAT : m[3] ? INT : m[4] ? PUNCT : OTHER;
    atoms.push({ start: m.index, stop: m.index + m[0].length, type, text: m[0] });
  }
  return atoms;
}

// Rule2112 of razdel: a delimiter atom between two atoms (cho-|to, cho|-to).
function rule2112(split, isDelimiter, rule) {
  let left;
  let right;
  if (isDelimiter(split.left1.text)) {
    left = split.left2;
    right = split.right1;
  } else if (isDelimiter(split.right1.text)) {
    left = split.left1;
    right = split.right2;
  } else {
    return false;
  }
  if (!left || !right) return false;
  return rule(left, right);
}

const noPunct = (left, right) => left.type !== PUNCT && right.type !== PUNCT;
const bothInt = (left, right) => left.type === INT && right.type === INT;

const RULES = [
  (s) => rule2112(s, (d) => DASHES.includes(d), noPunct),
  (s) => rule2112(s, (d) => d === "_", noPunct),
  (s) => rule2112(s, (d) => ".,".includes(d), bothInt),
  (s) => rule2112(s, (d) => "/\\".includes(d), bothInt),
  (s) => {
    if (s.left1.type !== PUNCT || s.right1.type !== PUNCT) return false;
    const left = s.left1.text;
    const right = s.right1.text;
    if (SMILE.test(s.buffer + right)) return true;
    if (ENDINGS.includes(left) && ENDINGS.includes(right)) return true;
    return left + right === "--" || left + right === "**";
  },
  (s) => {
    const left = s.left1.type;
    const right = s.right1.type;
    if (left === OTHER && (right === OTHER || right === RU || right === LAT)) return true;
    return (left === OTHER || left === RU || left === LAT) && right === OTHER;
  },
  (s) => s.left1.text.toLowerCase() === "yahoo" && s.right1.text === "!",
];

/** razdel.tokenize(text): the token strings. */
export function tokenize(text) {
  const atoms = atomsOf(text);
  if (!atoms.length) return [];
  const tokens = [];
  let buffer = atoms[0].text;
  for (let i = 1; i < atoms.length; i++) {
    const delimiter = text.slice(atoms[i - 1].stop, atoms[i].start);
    const split = {
      left1: atoms[i - 1],
      left2: i > 1 ? atoms[i - 2] : undefined,
      right1: atoms[i],
      right2: atoms[i + 1],
      buffer,
    };
    if (!delimiter && RULES.some((rule) => rule(split))) {
      buffer += atoms[i].text;
    } else {
      tokens.push(buffer);
      buffer = atoms[i].text;
    }
  }
  tokens.push(buffer);
  return tokens;
}

// ------------------------------------------------------------------ lemmas and BM25 (avgust/index/bm25.py, avgust/ru/terms.py)

const LETTER = /\p{L}/u;
const LETTERS = /^\p{L}+$/u;

/** Lower case, «ё» as «е». */
export const normalise = (word) => word.toLowerCase().replaceAll("ё", "е");

/** The normalised word forms of a text: tokens with a letter, split at hyphens. */
export function words(text) {
  const out = [];
  for (const token of tokenize(text)) {
    for (const part of normalise(token).split("-")) {
      if ([...part].length > 1 && LETTER.test(part)) out.push(part);
    }
  }
  return out;
}

export class Lexical {
  constructor(data, count) {
    this.k1 = data.k1;
    this.b = data.b;
    this.prefixLen = data.prefix_len;
    this.mark = data.prefix_mark;
    this.prefixWeight = data.prefix_weight;
    this.vocab = data.vocab;
    this.ids = new Map(this.vocab.map((term, i) => [term, i]));
    this.lexicon = new Map();
    for (const [lemma, forms] of Object.entries(data.lexicon)) {
      for (const form of forms) this.lexicon.set(form, lemma);
    }
    this.docTerms = data.docs.map((flat) => {
      const pairs = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
      return pairs;
    });
    this.n = count;
    const lengths = this.docTerms.map((pairs) => pairs.reduce((sum, [, tf]) => sum + tf, 0));
    const total = lengths.reduce((a, b) => a + b, 0);
    const avg = this.n && total ? total / this.n : 1.0;
    const docs = this.vocab.map(() => []);
    const tfs = this.vocab.map(() => []);
    this.docTerms.forEach((pairs, doc) => {
      for (const [term, tf] of pairs) {
        docs[term].push(doc);
        tfs[term].push(tf);
      }
    });
    this.idf = Float64Array.from(docs, (d) =>
      Math.log(1.0 + (this.n - d.length + 0.5) / (d.length + 0.5)),
    );
    this.postDocs = docs.map((d) => Int32Array.from(d));
    this.postWeights = docs.map((d, term) =>
      Float32Array.from(d, (doc, j) => {
        const freq = tfs[term][j];
        const norm = this.k1 * (1.0 - this.b + (this.b * lengths[doc]) / avg);
        return (this.idf[term] * freq * (this.k1 + 1.0)) / (freq + norm);
      }),
    );
  }

  /** pymorphy3's lemma of a normalised form, "" for a stop word (the lexicon, else the form). */
  lemma(form) {
    const found = this.lexicon.get(form);
    return found === undefined ? form : found;
  }

  lemmas(text) {
    return words(text)
      .map((form) => this.lemma(form))
      .filter(Boolean);
  }

  stem(lemma) {
    const chars = [...lemma];
    if (chars.length <= this.prefixLen + 1 || !LETTERS.test(lemma)) return null;
    return chars.slice(0, this.prefixLen).join("") + this.mark;
  }

  terms(text) {
    const lems = this.lemmas(text);
    const stems = lems.map((lem) => this.stem(lem)).filter(Boolean);
    return lems.concat(stems);
  }

  /** term id → weight (lemma 1, stem prefix_weight) for the query's terms the corpus knows. */
  queryWeights(query) {
    const weights = new Map();
    for (const term of new Set(this.terms(query))) {
      const tid = this.ids.get(term);
      if (tid !== undefined) weights.set(tid, term.endsWith(this.mark) ? this.prefixWeight : 1.0);
    }
    return weights;
  }

  scores(query) {
    return this.scoresFor(this.queryWeights(query));
  }

  /** BM25 in float32, as numpy adds it up. */
  scoresFor(weights) {
    const out = new Float32Array(this.n);
    for (const [tid, w] of weights) {
      const w32 = Math.fround(w);
      const docs = this.postDocs[tid];
      const post = this.postWeights[tid];
      for (let j = 0; j < docs.length; j++) out[docs[j]] += Math.fround(w32 * post[j]);
    }
    return out;
  }

  /** Pseudo-relevance feedback: the strongest lemmas of ``docs`` (see LexicalIndex). */
  feedbackWeights(docs, nTerms, docWeights) {
    const total = new Map();
    docs.forEach((doc, i) => {
      const docWeight = docWeights ? docWeights[i] : 1.0;
      for (const [tid, count] of this.docTerms[doc]) {
        if (this.vocab[tid].endsWith(this.mark)) continue;
        const add = (docWeight * this.idf[tid] * count) / (count + this.k1);
        total.set(tid, (total.get(tid) ?? 0.0) + add);
      }
    });
    const best = [...total].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, nTerms);
    if (!best.length || best[0][1] <= 0) return new Map();
    const top = best[0][1];
    return new Map(best.map(([tid, w]) => [tid, w / top]));
  }
}

// ------------------------------------------------------------------ theme rules (avgust/themes.py)

const termMatches = (term, lemma) =>
  term.endsWith("*") ? lemma.startsWith(term.slice(0, -1)) : lemma === term;

function* occurrences(rule, lems) {
  const n = rule.terms.length;
  for (let start = 0; start + n <= lems.length; start++) {
    if (rule.terms.every((term, k) => termMatches(term, lems[start + k]))) yield start;
  }
}

export function themeStrength(rules, lems) {
  const masked = new Set();
  for (const rule of rules) {
    if (!rule.exclude) continue;
    for (const start of occurrences(rule, lems)) {
      for (let j = start; j < start + rule.terms.length; j++) masked.add(j);
    }
  }
  let total = 0;
  for (const rule of rules) {
    if (rule.exclude) continue;
    for (const start of occurrences(rule, lems)) {
      let free = true;
      for (let j = start; j < start + rule.terms.length; j++) if (masked.has(j)) free = false;
      if (free) total += rule.terms.length;
    }
  }
  return total;
}

// ------------------------------------------------------------------ fusion (avgust/search/hybrid.py)

/** float16 little-endian bytes → Float32Array. */
export function float16(bytes) {
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const half = new Uint16Array(copy);
  const out = new Float32Array(half.length);
  for (let i = 0; i < half.length; i++) {
    const h = half[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0) out[i] = sign * fraction * 2 ** -24;
    else if (exponent === 31) out[i] = fraction ? NaN : sign * Infinity;
    else out[i] = sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
  }
  return out;
}

function mean(values, rows) {
  let sum = 0;
  if (rows) for (const r of rows) sum += values[r];
  else for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / (rows ? rows.length : values.length);
}

function std(values, rows, mu) {
  let sum = 0;
  const add = (x) => {
    sum += (x - mu) * (x - mu);
  };
  if (rows) for (const r of rows) add(values[r]);
  else for (let i = 0; i < values.length; i++) add(values[i]);
  return Math.sqrt(sum / (rows ? rows.length : values.length));
}

/** (x − mean)/std over the candidates; zeros for a constant signal. */
export function zscore(values, candidates) {
  const mu = mean(values, candidates);
  const sigma = std(values, candidates, mu);
  const out = new Float64Array(values.length);
  if (sigma < 1e-9) return out;
  for (let i = 0; i < values.length; i++) out[i] = (values[i] - mu) / sigma;
  return out;
}

/** The k best rows among the candidates (ties: lower row first): [rows, scores]. */
export function top(scores, candidates, k) {
  const rows = candidates ? Array.from(candidates) : Array.from(scores, (_, i) => i);
  rows.sort((a, b) => scores[b] - scores[a] || a - b);
  const chosen = rows.slice(0, Math.max(k, 0));
  return [chosen, chosen.map((r) => scores[r])];
}

/** Some n rows with the highest scores (all rows when there are fewer). */
function best(scores, n) {
  const rows = Array.from(scores, (_, i) => i);
  if (scores.length <= n) return rows;
  return rows.sort((a, b) => scores[b] - scores[a] || a - b).slice(0, n);
}

export class Ranker {
  /**
   * data: index.json; vectors: Float32Array (count × dim) or null before they are loaded;
   * themeVectors: Float32Array (themes × dim) or null.
   */
  constructor(data, vectors = null, themeVectors = null) {
    this.data = data;
    this.records = data.records;
    this.n = data.count;
    this.dim = data.dim;
    this.params = data.fusion;
    this.lexical = new Lexical(data.lexical, data.count);
    this.vectors = vectors;
    this.themeVectors = themeVectors;
    this.signalThemes = data.signal_themes;
    this.themeMembers = this.signalThemes.map((theme) =>
      Float32Array.from(this.records, (r) => (r.themes.includes(theme.slug) ? 1 : 0)),
    );
  }

  /** Row numbers that pass the filters (sorted), or null when there is no filter. */
  candidates({ district = null, theme = null, year = null } = {}) {
    if (district === null && theme === null && year === null) return null;
    const needle = district === null ? null : district.toLowerCase().trim();
    const rows = [];
    this.records.forEach((r, i) => {
      if (needle !== null && !(r.district && r.district.toLowerCase().includes(needle))) return;
      if (theme !== null && !r.themes.includes(theme)) return;
      if (year !== null && (r.year ?? 0) !== year) return;
      rows.push(i);
    });
    return rows;
  }

  dense(vector) {
    const out = new Float32Array(this.n);
    const v = this.vectors;
    const d = this.dim;
    for (let i = 0; i < this.n; i++) {
      let sum = 0;
      const base = i * d;
      for (let j = 0; j < d; j++) sum += v[base + j] * vector[j];
      out[i] = sum;
    }
    return out;
  }

  rowDot(row, x) {
    const base = row * this.dim;
    let sum = 0;
    for (let j = 0; j < this.dim; j++) sum += this.vectors[base + j] * x[j];
    return sum;
  }

  /**
   * The k best directives: {rows, scores}. mode "hybrid" and "dense" need the query vector,
   * "lexical" does not. Mirrors avgust.search.hybrid.rank.
   */
  rank(query, vector, options = {}) {
    const { k = 10, district = null, theme = null, year = null, mode = "hybrid" } = options;
    if (!query.trim()) throw new Error("the query is empty");
    const params = this.params;
    const candidates = this.candidates({ district, theme, year });
    if (k <= 0 || (candidates !== null && !candidates.length) || !this.n) {
      return { rows: [], scores: [] };
    }
    let scores;
    if (mode === "lexical") {
      scores = this.lexical.scores(query);
    } else {
      const dense = this.dense(vector);
      scores = mode === "dense" ? dense : this.fuse(query, vector, dense, candidates, params, k);
    }
    const [rows, best_] = top(scores, candidates, k);
    return { rows, scores: best_ };
  }

  /**
   * The position in signal_themes of the theme the query is about (or null): the theme whose
   * description vector is nearest to the query vector; when the lemma rules of some themes
   * match the query, the nearest of those.
   */
  queryTheme(query, vector) {
    if (!this.signalThemes.length) return null;
    const lems = this.lexical.lemmas(query);
    const matched = this.signalThemes.map((theme) => themeStrength(theme.rules, lems) > 0);
    const anyMatched = matched.some(Boolean);
    let bestTheme = 0;
    let bestScore = -Infinity;
    for (let t = 0; t < this.signalThemes.length; t++) {
      let nearness = -Infinity;
      if (!anyMatched || matched[t]) {
        nearness = 0;
        const base = t * this.dim;
        for (let j = 0; j < this.dim; j++) nearness += this.themeVectors[base + j] * vector[j];
      }
      if (nearness > bestScore) {
        bestScore = nearness;
        bestTheme = t;
      }
    }
    return bestTheme;
  }

  fuse(query, vector, dense, candidates, params, k) {
    const denseZ = zscore(dense, candidates);
    const fused = Float64Array.from(denseZ);
    if (params.lexical_weight) {
      const z = zscore(this.lexical.scores(query), candidates);
      for (let i = 0; i < this.n; i++) fused[i] += params.lexical_weight * z[i];
    }
    const theme = params.theme_weight ? this.queryTheme(query, vector) : null;
    if (theme !== null) {
      const z = zscore(this.themeMembers[theme], candidates);
      for (let i = 0; i < this.n; i++) fused[i] += params.theme_weight * z[i];
    }
    if (params.feedback_docs <= 0 || !(params.feedback_weight || params.dense_feedback)) {
      return fused;
    }
    const [topRows, topScores] = top(dense, candidates, params.feedback_docs);
    // a hit far below the best one says little about the query: it weighs less
    const temperature = params.feedback_temperature;
    const topWeights = topScores.map((s) => Math.exp((s - topScores[0]) / temperature));
    let feedback = new Float64Array(this.n);
    if (params.feedback_weight) {
      const terms = this.lexical.feedbackWeights(topRows, params.feedback_terms, topWeights);
      if (terms.size) {
        const z = zscore(this.lexical.scoresFor(terms), candidates);
        feedback = z.map((x) => params.feedback_weight * x);
      }
    }
    if (!params.dense_feedback) return fused.map((x, i) => x + feedback[i]);
    const centroid = new Float32Array(this.dim);
    const weightSum = topWeights.reduce((a, b) => a + b, 0);
    topRows.forEach((row, i) => {
      const base = row * this.dim;
      for (let j = 0; j < this.dim; j++) centroid[j] += topWeights[i] * this.vectors[base + j];
    });
    for (let j = 0; j < this.dim; j++) centroid[j] /= weightSum;
    const parts = { dense, denseZ, centroid, fused, feedback };
    return this.withDenseFeedback(vector, parts, candidates, params, k);
  }

  /** Swap z(dense) in fused for z(dense + a·vectors@centroid), plus feedback. */
  withDenseFeedback(vector, { dense, denseZ, centroid, fused, feedback }, candidates, params, k) {
    const a = params.dense_feedback;
    let rows;
    let mu;
    let sigma;
    if (candidates !== null) {
      rows = candidates;
      const shifted = new Float64Array(this.n);
      for (const r of rows) shifted[r] = dense[r] + a * this.rowDot(r, centroid);
      mu = mean(shifted, rows);
      sigma = std(shifted, rows, mu);
    } else {
      const pool = Math.max(params.pool, 4 * k);
      rows = [...new Set([...best(fused, pool), ...best(feedback, pool)])].sort((x, y) => x - y);
      // the mean and spread of vectors @ (q + a·c) over every row, as the Python side gets
      // them from the vectors' mean and covariance
      const q = Float64Array.from(vector, (x, j) => x + a * centroid[j]);
      const all = new Float64Array(this.n);
      for (let i = 0; i < this.n; i++) all[i] = this.rowDot(i, q);
      mu = mean(all, null);
      sigma = std(all, null, mu);
    }
    const out = new Float64Array(this.n).fill(-Infinity);
    for (const r of rows) {
      const shifted = dense[r] + a * this.rowDot(r, centroid);
      const z = sigma > 1e-9 ? (shifted - mu) / sigma : 0;
      out[r] = fused[r] - denseZ[r] + z + feedback[r];
    }
    return out;
  }
}
