import { createHash } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors.js';

/**
 * Limits on API token use, shared by HTTP requests and socket handshakes. Per process, like the sign-in limits
 * (modules/auth/login-throttle.ts): each node counts on its own.
 *
 * - A valid token may make `requestsPerMinute` requests a minute (1,200 by default: twenty a second, far above what an
 *   export script or a training pipeline polling progress needs).
 * - Bearer secrets that match no live token count against the caller's address (300 per 10 minutes): a token cannot
 *   be guessed, so this only stops a client from hammering the database with them.
 */
export class TokenThrottle {
  private readonly perToken: RateLimiterMemory;
  private readonly badPerAddress = new RateLimiterMemory({ keyPrefix: 'bad-token', points: 300, duration: 10 * 60 });

  constructor(requestsPerMinute: number) {
    this.perToken = new RateLimiterMemory({ keyPrefix: 'token', points: requestsPerMinute, duration: 60 });
  }

  /** Before looking a bearer secret up: refuses an address that has sent too many unknown ones. */
  async assertAddressAllowed(address: string): Promise<void> {
    const res = await this.badPerAddress.get(address);
    if (res && res.consumedPoints >= 300) throw limited(res, 'Too many requests with an API token that is not valid');
  }

  async recordBadToken(address: string): Promise<void> {
    await this.badPerAddress.consume(address).catch(() => undefined);
  }

  /** Counts one use of a valid token; throws rate_limited (429 with Retry-After) over the budget. */
  async consume(secret: string): Promise<void> {
    // Keyed by a digest, so the secret itself is not kept in memory longer than the request.
    const key = createHash('sha256').update(secret).digest('base64url').slice(0, 22);
    try {
      await this.perToken.consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes) throw limited(err, 'This API token made too many requests');
      throw err;
    }
  }
}

function limited(res: RateLimiterRes, what: string): AppError {
  const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return new AppError('rate_limited', `${what}; wait ${seconds} second(s) and try again.`, undefined, {
    'Retry-After': String(seconds),
  });
}

/**
 * Per-socket event budget: `perSecond` events a second (a person judging sends one every few seconds; the simulated
 * raters and the benchmark's closed loop far fewer than 50). Over it, the event is not run and its acknowledgement
 * answers `{ok: false, error: {code: 'rate_limited'}}`. `perSecond` 0 turns the limit off.
 */
export class SocketEventLimiter {
  private readonly limiter: RateLimiterMemory | undefined;

  constructor(readonly perSecond: number) {
    this.limiter =
      perSecond > 0 ? new RateLimiterMemory({ keyPrefix: 'socket-events', points: perSecond, duration: 1 }) : undefined;
  }

  /** Resolves with how long to wait (ms) when the socket is over its budget, or undefined when the event may run. */
  async take(socketId: string): Promise<number | undefined> {
    if (!this.limiter) return undefined;
    try {
      await this.limiter.consume(socketId);
      return undefined;
    } catch (err) {
      if (err instanceof RateLimiterRes) return Math.max(1, err.msBeforeNext);
      throw err;
    }
  }
}

export interface RateLimits {
  tokens: TokenThrottle;
  socketEvents: SocketEventLimiter;
}

export function createRateLimits(options: {
  tokenRequestsPerMinute: number;
  socketEventsPerSecond: number;
}): RateLimits {
  return {
    tokens: new TokenThrottle(options.tokenRequestsPerMinute),
    socketEvents: new SocketEventLimiter(options.socketEventsPerSecond),
  };
}
