import type { RedisClient } from '../../config/redis-client';
import { sleep } from '../../queue/task-context';
import { Pacer } from './send-limiter';

/**
 * Takes the next start slot for the caller, atomically, on Redis's own clock: the slot is the
 * later of now and the stored next slot, and the stored next slot moves one interval past it.
 * Answers how many milliseconds the caller waits for its slot. The key expires once idle.
 */
const TAKE_SLOT = `
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local interval = tonumber(ARGV[1])
local next_slot = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, next_slot)
redis.call('SET', KEYS[1], tostring(slot + interval), 'PX', math.ceil(slot + interval - now) + 1000)
return math.ceil(slot - now)
`;

type SlotClient = RedisClient & { takeSendSlot(key: string, intervalMs: number): Promise<number> };

/**
 * Spaces message starts `1000 / ratePerSecond` ms apart across every process that shares the
 * Redis key, so that SMTP_RATE_PER_SECOND holds however many workers send: each start takes
 * its own slot (no burst), in the order the processes ask.
 */
export class SharedSendPacer implements Pacer {
  private readonly client: SlotClient;
  private readonly intervalMs: number;

  constructor(
    redis: RedisClient,
    private readonly key: string,
    ratePerSecond: number,
  ) {
    if (!(ratePerSecond > 0))
      throw new RangeError(`ratePerSecond must be above 0, got ${ratePerSecond}`);
    this.intervalMs = 1000 / ratePerSecond;
    redis.defineCommand('takeSendSlot', { numberOfKeys: 1, lua: TAKE_SLOT });
    this.client = redis as SlotClient;
  }

  async wait(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const waitMs = await this.client.takeSendSlot(this.key, this.intervalMs);
    // A slot given up on cancel stays taken: the other senders are only slowed, never sped up.
    if (waitMs > 0) await sleep(waitMs, signal);
  }
}
