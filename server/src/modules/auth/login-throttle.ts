import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../../errors.js';

/**
 * Failed sign-ins are limited per account (guessing one password) and per address (spraying many accounts); only
 * failures count, so a lab of 100 raters behind one NAT signing in at once is never stopped. Per process: each node
 * keeps its own counts, which multiplies the limits by the node count but never blocks an honest user.
 */
export class LoginThrottle {
  private readonly perAccount = new RateLimiterMemory({ keyPrefix: 'login-account', points: 10, duration: 15 * 60 });
  private readonly perAddress = new RateLimiterMemory({ keyPrefix: 'login-address', points: 100, duration: 15 * 60 });

  async assertAllowed(email: string, address: string): Promise<void> {
    const [account, ip] = await Promise.all([this.perAccount.get(email), this.perAddress.get(address)]);
    const blocked = [
      { res: account, limit: 10 },
      { res: ip, limit: 100 },
    ].filter(({ res, limit }) => res !== null && res.consumedPoints >= limit);
    if (blocked.length > 0) {
      const waitMs = Math.max(...blocked.map(({ res }) => (res as RateLimiterRes).msBeforeNext));
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw new AppError(
        'rate_limited',
        `Too many failed sign-ins; wait ${Math.ceil(seconds / 60)} minute(s) and try again.`,
        undefined,
        {
          'Retry-After': String(seconds),
        },
      );
    }
  }

  async recordFailure(email: string, address: string): Promise<void> {
    // consume() rejects once the budget is spent; the rejection is the signal we already read in assertAllowed.
    await Promise.allSettled([this.perAccount.consume(email), this.perAddress.consume(address)]);
  }

  async recordSuccess(email: string): Promise<void> {
    await this.perAccount.delete(email);
  }
}
