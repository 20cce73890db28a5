// rank.js against the committed parity fixture (tests/fixtures/parity/ranking.json): for every
// case the same directive ids, in the same order, and the same scores as the Python ranker
// (avgust.search.hybrid.rank_vector) gave when the fixture was written. Runs with `node --test`.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";

import { Ranker, float16 } from "../../src/avgust/browser/js/rank.js";

const fixture = JSON.parse(
  await readFile(new URL("../fixtures/parity/ranking.json", import.meta.url), "utf8"),
);

function bytes(text) {
  return new Uint8Array(Buffer.from(text, "base64"));
}

function float32(text) {
  const raw = bytes(text);
  return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
}

const ranker = new Ranker(
  fixture.browser,
  float16(bytes(fixture.vectors)),
  float32(fixture.theme_vectors),
);

test("the fixture has cases in every mode", () => {
  const modes = new Set(fixture.cases.map((c) => c.options.mode ?? "hybrid"));
  assert.deepEqual([...modes].sort(), ["dense", "hybrid", "lexical"]);
});

for (const c of fixture.cases) {
  test(`rank.js ranks like Python: ${c.query} ${JSON.stringify(c.options)}`, () => {
    const { rows, scores } = ranker.rank(c.query, float32(c.vector), c.options);
    const ids = rows.map((r) => fixture.browser.records[r].id);
    assert.deepEqual(ids, c.ids);
    scores.forEach((score, i) => {
      assert.ok(Math.abs(score - c.scores[i]) < 1e-3, `score ${i}: ${score} vs ${c.scores[i]}`);
    });
  });
}
