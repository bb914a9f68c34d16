import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { buildClientSchema, execute, parse, validate, type GraphQLSchema, type IntrospectionQuery } from 'graphql';
import { count, delay, newCounters, type RequestCounters } from '../faults.js';
import type { Fixture } from '../fixtures/types.js';
import { queryCost } from './cost.js';
import { rootValue, type GithubContext } from './resolvers.js';

export interface GithubFaults {
  latencyMs?: number;
  /** primary: 403 with x-ratelimit-remaining 0; secondary: 403 with retry-after; graphql: 200 with a RATE_LIMITED error. */
  rateLimit?: { kind: 'primary' | 'secondary' | 'graphql'; times: number; retryAfterSeconds?: number; status?: 403 | 429 };
  /** Answer the next N requests with 502. */
  badGateway?: number;
  /** Queries asking for more than this many items in one connection fail as GitHub's do when they run too long. */
  maxPageSize?: number;
  /** Answer the next `times` requests with status 200 and an HTML page, or JSON cut in half. */
  garbled?: { kind: 'html' | 'truncated' | 'null'; times: number };
  /** Answer the next `times` lookups of this repository (`owner/name`) with `data.rN = null` and an error of `type` (default INTERNAL). */
  repositoryError?: { repository: string; times: number; type?: string };
}

export interface GithubStats extends RequestCounters {
  points: number;
}

let cachedSchema: GraphQLSchema | undefined;

/** GitHub's published schema (from @octokit/graphql-schema), built once per process (~150 ms). */
export async function githubSchema(): Promise<GraphQLSchema> {
  if (!cachedSchema) {
    const { schema } = await import('@octokit/graphql-schema');
    cachedSchema = buildClientSchema(schema.json as unknown as IntrospectionQuery, { assumeValid: true });
  }
  return cachedSchema;
}

/**
 * A GitHub GraphQL endpoint on loopback: every query is parsed and validated against GitHub's
 * published schema (so a query github.com would reject fails here too), costed like GitHub, and
 * executed over the fixture organisation.
 */
export class GithubServer {
  readonly stats: GithubStats = { ...newCounters(), points: 0 };
  faults: GithubFaults;
  private server?: Server;
  private port = 0;
  private readonly budget = { limit: 5000, used: 0, resetAt: new Date(Date.now() + 3_600_000).toISOString() };
  private readonly root: ReturnType<typeof rootValue>;

  constructor(
    fixture: Fixture,
    private readonly schema: GraphQLSchema,
    readonly token: string,
    faults: GithubFaults = {},
  ) {
    this.faults = faults;
    this.root = rootValue(fixture);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/graphql`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private send(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    const remaining = Math.max(0, this.budget.limit - this.budget.used);
    res.writeHead(code, {
      'content-type': 'application/json; charset=utf-8',
      'x-ratelimit-limit': String(this.budget.limit),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-used': String(this.budget.used),
      'x-ratelimit-reset': String(Math.floor(Date.parse(this.budget.resetAt) / 1000)),
      'x-ratelimit-resource': 'graphql',
      ...headers,
    });
    res.end(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (this.faults.latencyMs) await delay(this.faults.latencyMs);
    const url = new URL(req.url ?? '/', 'http://sandbox');
    if (req.method !== 'POST' || !['/graphql', '/api/graphql'].includes(url.pathname)) {
      count(this.stats, 'not-found');
      return this.send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/graphql' });
    }
    if ((req.headers.authorization ?? '').replace(/^(bearer|token)\s+/i, '') !== this.token) {
      count(this.stats, 'unauthorized');
      return this.send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/graphql' });
    }
    if (this.faults.badGateway) {
      this.faults.badGateway--;
      count(this.stats, 'bad-gateway');
      return this.send(res, 502, { message: 'Server Error' });
    }
    const garbled = this.faults.garbled;
    if (garbled && garbled.times > 0) {
      garbled.times--;
      count(this.stats, `garbled ${garbled.kind}`);
      const body = garbled.kind === 'html' ? '<!DOCTYPE html><html><head><title>Unicorn! · GitHub</title></head><body>No server is currently available to service your request.</body></html>' : garbled.kind === 'null' ? 'null' : '{"data":{"rateLimit":{"cost":1,"remaining":4999},"r0":{"name":"pay';
      res.writeHead(200, { 'content-type': garbled.kind === 'html' ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      return void res.end(body);
    }
    const limit = this.faults.rateLimit;
    if (limit && limit.times > 0) {
      limit.times--;
      count(this.stats, `rate-limited ${limit.kind}`);
      const retry = String(limit.retryAfterSeconds ?? 1);
      if (limit.kind === 'secondary') return this.send(res, limit.status ?? 403, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }, { 'retry-after': retry });
      if (limit.kind === 'primary') {
        return this.send(res, limit.status ?? 403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + Number(retry)) });
      }
      return this.send(res, 200, { errors: [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded for user ID 1.' }] }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + Number(retry)) });
    }
    let body: { query?: string; variables?: Record<string, unknown>; operationName?: string };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      count(this.stats, 'bad-request');
      return this.send(res, 400, { message: 'Problems parsing JSON' });
    }
    count(this.stats, 'graphql');
    let document;
    try {
      document = parse(body.query ?? '');
    } catch (error) {
      return this.send(res, 200, { errors: [{ message: (error as Error).message, type: 'PARSE_ERROR' }] });
    }
    const invalid = validate(this.schema, document);
    if (invalid.length > 0) return this.send(res, 200, { errors: invalid.map((e) => ({ message: e.message, locations: e.locations, type: 'INVALID' })) });
    const { cost, nodes, largestPage } = queryCost(document, body.variables);
    const operation = document.definitions.find((d) => d.kind === 'OperationDefinition');
    count(this.stats, `query ${operation && 'name' in operation && operation.name ? operation.name.value : 'anonymous'}`);
    if (this.faults.maxPageSize !== undefined && largestPage > this.faults.maxPageSize) {
      count(this.stats, 'timeout');
      return this.send(res, 200, { data: null, errors: [{ message: 'Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug. Please include `8A2C:1F3E` when reporting this issue.' }] });
    }
    if (nodes > 500_000) return this.send(res, 200, { errors: [{ type: 'MAX_NODE_LIMIT_EXCEEDED', message: `This query requests up to ${nodes} possible nodes which exceeds the maximum limit of 500,000.` }] });
    this.budget.used += cost;
    this.stats.points += cost;
    const failing = this.faults.repositoryError;
    const context: GithubContext = {
      cost,
      rateLimit: { ...this.budget, remaining: Math.max(0, this.budget.limit - this.budget.used) },
      failRepository: (owner, name) => {
        if (!failing || failing.times <= 0 || `${owner}/${name}`.toLowerCase() !== failing.repository.toLowerCase()) return undefined;
        failing.times--;
        count(this.stats, 'repository error');
        return failing.type ?? 'INTERNAL';
      },
    };
    const result = await execute({ schema: this.schema, document, rootValue: this.root, contextValue: context, variableValues: body.variables, operationName: body.operationName });
    const errors = result.errors?.map((e) => ({ message: e.message, locations: e.locations, path: e.path, ...(e.extensions?.type ? { type: e.extensions.type } : {}) }));
    this.send(res, 200, { data: result.data ?? null, ...(errors?.length ? { errors } : {}) });
  }
}
