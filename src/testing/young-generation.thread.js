// A ThreadPool entry for thread-pool.service.spec.ts: makes garbage the way a CSV parse does
// (many small, short-lived objects) and answers with the largest size its new space reached.
const { getHeapSpaceStatistics } = require('node:v8');

const newSpaceBytes = () =>
  getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size;

module.exports = async ({ port }) => {
  port.close();
  let largest = newSpaceBytes();
  let kept = [];
  for (let i = 0; i < 2_000_000; i++) {
    kept.push({ value: `field ${i}`, cells: [i, i + 1] });
    if (kept.length > 2_000) kept = [];
    if (i % 10_000 === 0) largest = Math.max(largest, newSpaceBytes());
  }
  return { ok: true, value: { largestNewSpaceMb: largest / 2 ** 20 } };
};
