import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { errors } from '../errors.js';
import { parseOrThrow } from '../lib/validation.js';
import type { AuthUser } from './locals.js';

type Schemas = { body?: z.ZodType; query?: z.ZodType; params?: z.ZodType };
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface HandlerContext<S extends Schemas> {
  body: Out<S['body']>;
  query: Out<S['query']>;
  params: Out<S['params']>;
  user: AuthUser;
  req: Request;
  res: Response;
}

/**
 * Validates body, query and params with the shared zod schemas (a 400 in the contract's shape otherwise) and
 * calls a typed handler. Authentication and roles are checked by middleware before this runs.
 */
export function handle<S extends Schemas>(
  schemas: S,
  fn: (ctx: HandlerContext<S>) => Promise<void> | void,
): RequestHandler {
  return async (req, res) => {
    const user = res.locals.user;
    if (!user) throw errors.unauthorized();
    const ctx = {
      body: schemas.body ? parseOrThrow(schemas.body, req.body ?? {}, 'The request body') : undefined,
      query: schemas.query ? parseOrThrow(schemas.query, req.query, 'The query string') : undefined,
      params: schemas.params ? parseOrThrow(schemas.params, req.params, 'The address') : undefined,
      user,
      req,
      res,
    } as HandlerContext<S>;
    await fn(ctx);
  };
}
