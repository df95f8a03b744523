/**
 * Runs `work(0)` … `work(count - 1)`, at most `lanes` at once, starting them in index order.
 * Once one fails, no further index starts; those already running are waited for, then the
 * first failure is thrown, so that no work outlives the call (a cancelled task must not go on
 * writing files after it has been reported stopped).
 */
export async function inLanes(
  count: number,
  lanes: number,
  work: (index: number) => Promise<void>,
): Promise<void> {
  if (!Number.isInteger(lanes) || lanes < 1) {
    throw new RangeError(`lanes must be a positive integer, got ${lanes}`);
  }
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < count) {
      const index = next++;
      try {
        await work(index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(lanes, count) }, lane));
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
}
